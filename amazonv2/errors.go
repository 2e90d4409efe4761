package amazonv2

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kessai/kessai"
)

// wireError is an error as Amazon Pay API v2 writes it: a reason code and
// a message, under an HTTP status.
type wireError struct {
	Status     int    `json:"-"`
	ReasonCode string `json:"reasonCode"`
	Message    string `json:"message"`
}

func (e *wireError) Error() string { return "amazonv2: " + e.ReasonCode + ": " + e.Message }

// refuse is a refusal the face makes in Amazon's own terms, before or
// instead of asking the engine.
func refuse(status int, reason, format string, args ...any) error {
	return &wireError{Status: status, ReasonCode: reason, Message: fmt.Sprintf(format, args...)}
}

func invalidParameter(format string, args ...any) error {
	return refuse(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

// internalMessage is all a client learns of an internal error.
const internalMessage = "Amazon Pay encountered an unexpected error. Try your request again later."

// errorOf maps err to Amazon's reason code and HTTP status: the one place
// where kessai's codes become API v2's. Refusals of the face pass through;
// unknown errors are InternalServerError with a generic message (the
// caller logs the cause).
func errorOf(err error) *wireError {
	var we *wireError
	if errors.As(err, &we) {
		return we
	}
	if IsSignatureError(err) {
		return &wireError{Status: http.StatusForbidden, ReasonCode: "InvalidRequestSignature", Message: err.Error()}
	}
	msg := kessai.ErrorMessage(err)
	w := func(status int, reason string) *wireError {
		return &wireError{Status: status, ReasonCode: reason, Message: msg}
	}
	switch kessai.ErrorCode(err) {
	case kessai.Invalid, kessai.MetadataLimitExceeded:
		return &wireError{Status: http.StatusBadRequest, ReasonCode: "InvalidParameterValue", Message: invalidMessage(err)}
	case kessai.Malformed:
		return w(http.StatusBadRequest, "InvalidRequestFormat")
	case kessai.TooLarge:
		return w(http.StatusBadRequest, "InvalidRequest")
	case kessai.TestModeOnly, kessai.InvalidSimulation:
		return w(http.StatusBadRequest, "InvalidSandboxSimulationSpecified")
	case kessai.Unauthorized:
		return w(http.StatusUnauthorized, "UnauthorizedAccess")
	case kessai.NotFound:
		return w(http.StatusNotFound, "ResourceNotFound")
	case kessai.InvalidStatus:
		var ke *kessai.Error
		errors.As(err, &ke)
		return w(http.StatusUnprocessableEntity, statusReason(ke.Op))
	case kessai.AmountExceeded, kessai.RefundExceedsPayment, kessai.AlreadyRefunded:
		return w(http.StatusBadRequest, "TransactionAmountExceeded")
	case kessai.CountExceeded:
		return w(http.StatusBadRequest, "TransactionCountExceeded")
	case kessai.CurrencyMismatch:
		return w(http.StatusBadRequest, "CurrencyMismatch")
	case kessai.IdempotencyConflict, kessai.ReferenceIDInUse, kessai.IdempotencyKeyInvalid:
		return w(http.StatusBadRequest, "DuplicateIdempotencyKey")
	case kessai.LiveModeUnsupported:
		return w(http.StatusForbidden, "InvalidAccountStatus")
	case kessai.RateLimited:
		return w(http.StatusTooManyRequests, "TooManyRequests")
	case kessai.IdempotencyInProgress, kessai.Conflict, kessai.Unavailable:
		// The SDKs retry a 5xx (and 429) up to three times.
		return w(http.StatusServiceUnavailable, "ServiceUnavailable")
	}
	return &wireError{Status: http.StatusInternalServerError, ReasonCode: "InternalServerError", Message: internalMessage}
}

// errorBody is the JSON of an error.
func errorBody(we *wireError) []byte {
	b, _ := json.Marshal(we)
	return b
}

// invalidMessage names the fields of a validation error.
func invalidMessage(err error) string {
	var ke *kessai.Error
	if !errors.As(err, &ke) || len(ke.Fields) == 0 {
		return kessai.ErrorMessage(err)
	}
	parts := make([]string, 0, len(ke.Fields))
	for _, f := range ke.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return strings.Join(parts, "; ")
}
