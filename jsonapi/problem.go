package jsonapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/httpface"
)

// Problem is an RFC 9457 problem document as PAY.JP writes it.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Code     string              `json:"code"`
	Detail   string              `json:"detail"`
	Instance string              `json:"instance"`
	Errors   []kessai.FieldError `json:"errors,omitempty"`
}

// statusOf maps every error code to the face's HTTP status: the one place
// where this happens.
func statusOf(code kessai.Code) int {
	switch code {
	case kessai.Invalid:
		return http.StatusUnprocessableEntity
	case kessai.TooLarge:
		return http.StatusRequestEntityTooLarge
	case kessai.RateLimited:
		return http.StatusTooManyRequests
	case kessai.Unauthorized:
		return http.StatusUnauthorized
	case kessai.NotFound:
		return http.StatusNotFound
	case kessai.CardDeclined, kessai.ExpiredCard, kessai.IncorrectCardData, kessai.ProcessingError, kessai.UnacceptableBrand:
		return http.StatusPaymentRequired
	case kessai.IdempotencyConflict, kessai.IdempotencyInProgress, kessai.Conflict:
		return http.StatusConflict
	case kessai.Internal:
		return http.StatusInternalServerError
	case kessai.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// payjpTitles are the official titles that a word-by-word title of the
// code would not give.
var payjpTitles = map[kessai.Code]string{
	kessai.AlreadyExistsID:        "Already Exists ID",
	kessai.PaymentMethodNotAllowd: "Payment Method Type Not Allowed",
}

// payjpCodes are the codes PAY.JP's own API answers: their type is PAY.JP's
// error page, as the official API writes it. Codes of kessai's own point
// at kessai's docs/errors.md.
var payjpCodes = map[kessai.Code]bool{
	kessai.Invalid: true, kessai.Unauthorized: true, kessai.NotFound: true, kessai.ResourceMissing: true,
	kessai.InvalidStatus: true, kessai.AlreadyRefunded: true, kessai.RefundExceedsPayment: true,
	kessai.MetadataLimitExceeded: true, kessai.CardDeclined: true, kessai.ExpiredCard: true,
	kessai.IncorrectCardData: true, kessai.ProcessingError: true, kessai.UnacceptableBrand: true,
	kessai.MissingPaymentMethod: true, kessai.PaymentMethodNotOwned: true, kessai.PaymentMethodNotUsable: true,
	kessai.PaymentMethodNotAllowd: true, kessai.AlreadyExistsID: true, kessai.PaymentMethodAttached: true, kessai.IdempotencyKeyInvalid: true,
	kessai.IdempotencyConflict: true, kessai.IdempotencyInProgress: true, kessai.Internal: true,
}

// typeOf is the problem type URI of code answered with status.
func typeOf(code kessai.Code, status int) string {
	if !payjpCodes[code] {
		return "https://github.com/kessai/kessai/blob/main/docs/errors.md#" + string(code)
	}
	slug := strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "-"))
	return fmt.Sprintf("https://docs.pay.jp/v2/guide/developers/error-response#%d-%s", status, slug)
}

func titleOf(code kessai.Code) string {
	if t, ok := payjpTitles[code]; ok {
		return t
	}
	words := strings.Split(string(code), "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// fieldMessage words a field error as PAY.JP words validation errors: the
// common rules in its own sentences, anything else as the engine wrote it.
func fieldMessage(f kessai.FieldError) string {
	switch f.Rule {
	case kessai.RuleGreaterThan:
		return fmt.Sprintf("Input should be greater than %d", f.Limit)
	case kessai.RuleMaxLength:
		return fmt.Sprintf("String should have at most %d characters", f.Limit)
	case kessai.RuleScalar:
		return "Input should be a string, an integer or a boolean"
	}
	return f.Message
}

// ProblemOf returns the problem document and status for err at path.
func ProblemOf(err error, path string) (int, Problem) {
	code := kessai.ErrorCode(err)
	status := statusOf(code)
	p := Problem{Type: typeOf(code, status),
		Title: titleOf(code), Status: status, Code: string(code), Detail: kessai.ErrorMessage(err), Instance: path}
	if e, ok := err.(*kessai.Error); ok && code == kessai.Invalid {
		p.Errors = make([]kessai.FieldError, len(e.Fields))
		for i, f := range e.Fields {
			p.Errors[i] = kessai.FieldError{Field: f.Field, Message: fieldMessage(f)}
		}
		if p.Detail == "" {
			p.Detail = "The request parameters didn't pass validation."
		}
	}
	return status, p
}

// ProblemBody renders err as the bytes of a problem response.
func ProblemBody(err error, path string) (int, []byte) {
	status, p := ProblemOf(err, path)
	b, _ := json.Marshal(p)
	return status, b
}

// UnavailableRetryAfter is the Retry-After, in seconds, of a 503 answered
// while the database is unavailable.
const UnavailableRetryAfter = "1"

// WriteProblem writes err as an application/problem+json response; a
// request shed by admission (429) and an unavailable database's 503 say
// when to try again (Retry-After).
func WriteProblem(w http.ResponseWriter, r *http.Request, err error) {
	status, body := ProblemBody(err, r.URL.Path)
	var busy *engine.Busy
	switch {
	case errors.As(err, &busy):
		w.Header().Set("Retry-After", strconv.Itoa(busy.RetryAfterSeconds()))
	case status == http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", UnavailableRetryAfter)
	}
	httpface.SetErrorCode(r.Context(), string(kessai.ErrorCode(err)))
	writeRaw(w, status, "application/problem+json", body)
}

func writeRaw(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func contentTypeFor(status int) string {
	if status >= 400 {
		return "application/problem+json"
	}
	return "application/json"
}
