package kessai

import (
	"errors"
	"fmt"
)

// Code is the kind of an Error. The set is closed: every face maps each code
// to its own wire format in exactly one function.
type Code string

// The codes. They name the failure, not a wire format: the JSON faces show
// them as they are (they coincide with PAY.JP's codes where PAY.JP has the
// same failure), and the MWS face maps each to its own error code and HTTP
// status in one function.
const (
	Internal               Code = "internal"                // a bug or an unreachable dependency
	Invalid                Code = "validation_error"        // the request is malformed (422 on the PAY.JP face)
	Malformed              Code = "invalid_request_body"    // the body is not a JSON text kessai accepts (invalid UTF-8, too deep)
	TooLarge               Code = "request_too_large"       // the body is larger than the limit
	RateLimited            Code = "rate_limit_exceeded"     // too many requests; retry after a while
	Unauthorized           Code = "unauthorized"            // no or bad credentials
	NotFound               Code = "not_found"               // no such object for this account
	ResourceMissing        Code = "resource_missing"        // a list cursor names no object
	InvalidStatus          Code = "invalid_status"          // the object's status forbids the operation
	AlreadyRefunded        Code = "already_refunded"        // nothing left to refund
	RefundExceedsPayment   Code = "refund_exceeds_payment"  // the refund is larger than what is left
	RefundPeriodExpired    Code = "refund_period_expired"   // the refund window has closed
	AmountExceeded         Code = "amount_exceeded"         // an authorization, capture or refund would pass its cap (MWS: TransactionAmountExceeded)
	CountExceeded          Code = "count_exceeded"          // too many refunds on one capture (MWS: TransactionCountExceeded)
	MetadataLimitExceeded  Code = "metadata_limit_exceeded" // too many or too long metadata entries
	CardDeclined           Code = "card_declined"           // the processor declined the card
	ExpiredCard            Code = "expired_card"            // the card has expired
	IncorrectCardData      Code = "incorrect_card_data"     // the card data is wrong
	ProcessingError        Code = "processing_error"        // the processor failed
	UnacceptableBrand      Code = "unacceptable_brand"      // the card brand is not accepted
	MissingPaymentMethod   Code = "missing_payment_method"  // confirm without a payment method
	PaymentMethodNotOwned  Code = "payment_method_not_owned_by_customer"
	PaymentMethodNotUsable Code = "detached_payment_method_not_usable"
	PaymentMethodNotAllowd Code = "payment_method_not_in_allowed_types"
	AlreadyExistsID        Code = "already_exists_id"               // a merchant-chosen id is taken
	PaymentMethodAttached  Code = "payment_method_already_attached" // the payment method belongs to another customer
	ProductHasPrices       Code = "product_has_prices"              // a product with prices cannot be deleted
	InvalidDefaultPrice    Code = "invalid_default_price"           // the default price is not one of the product's
	IdempotencyKeyInvalid  Code = "invalid_idempotency_key"         // the Idempotency-Key header is malformed
	IdempotencyConflict    Code = "idempotency_conflict"            // the key was used with another request
	IdempotencyInProgress  Code = "idempotency_timeout"             // the key's first request is still running
	ReferenceIDInUse       Code = "reference_id_in_use"             // the key was used by another operation
	CurrencyMismatch       Code = "currency_mismatch"               // the amount's currency is not the payment's
	ConstraintsExist       Code = "constraints_exist"               // the order reference has constraints that keep it from being confirmed
	InvalidSimulation      Code = "invalid_sandbox_simulation"      // a sandbox simulation string is malformed or impossible here
	LiveModeUnsupported    Code = "livemode_unsupported"            // no live processor exists
	TestModeOnly           Code = "test_mode_only"                  // the operation exists only in test mode
	Conflict               Code = "conflict"                        // a concurrent change won; retry
	Unavailable            Code = "service_unavailable"             // the database cannot be reached, does not answer in time or is full; retry after a while
)

// Error is kessai's one error type. Op names the operation that failed
// ("engine.CreateRefund"), Message is safe to show to the API client, Err is
// the underlying cause (never shown), and Fields lists per-field problems of
// an Invalid error.
type Error struct {
	Code    Code
	Op      string
	Message string
	Fields  []FieldError
	Err     error
}

// FieldError is one invalid field of a request; Field is dot-separated for
// nested fields ("card.number"). When the failure is one of the common
// rules, Rule and Limit name it, so that each face words it in its own
// style; Message is then a neutral sentence the faces may replace.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Rule    Rule   `json:"-"`
	Limit   int64  `json:"-"`
}

// Rule is a common reason a field is invalid.
type Rule string

// The rules.
const (
	RuleGreaterThan Rule = "greater_than" // the number must be greater than Limit
	RuleMaxLength   Rule = "max_length"   // the string must have at most Limit characters
	RuleScalar      Rule = "scalar"       // the value must be a string, an integer or a boolean
)

// InvalidRule returns an Invalid error for one field that broke rule.
func InvalidRule(op, field string, rule Rule, limit int64) *Error {
	var msg string
	switch rule {
	case RuleGreaterThan:
		msg = fmt.Sprintf("must be greater than %d", limit)
	case RuleMaxLength:
		msg = fmt.Sprintf("must have at most %d characters", limit)
	case RuleScalar:
		msg = "must be a string, an integer or a boolean"
	default:
		msg = "is invalid"
	}
	return &Error{Code: Invalid, Op: op, Message: "The request parameters didn't pass validation.",
		Fields: []FieldError{{Field: field, Message: msg, Rule: rule, Limit: limit}}}
}

func (e *Error) Error() string {
	s := e.Op
	if s != "" {
		s += ": "
	}
	s += string(e.Code)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted client-safe message.
func Errorf(code Code, op, format string, args ...any) *Error {
	return &Error{Code: code, Op: op, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns an Invalid error for one field.
func Invalidf(op, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: Invalid, Op: op, Message: "The request parameters didn't pass validation.",
		Fields: []FieldError{{Field: field, Message: msg}}}
}

// WrapInternal returns an Internal error wrapping err, unless err already is
// an *Error, which is returned unchanged.
func WrapInternal(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Op: op, Err: err}
}

// ErrorCode returns the code of err: that of the first *Error in its chain,
// or Internal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the client-safe message of err; an internal error
// gets a generic message so that causes never leak to clients.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	return "An internal error occurred."
}

// Sentinel errors that stores return; engine code matches them with errors.Is.
var (
	// ErrNoRows is returned by a store lookup that finds nothing.
	ErrNoRows = errors.New("kessai: no rows")
	// ErrDuplicate is returned by a store insert that violates a unique key.
	ErrDuplicate = errors.New("kessai: duplicate key")
	// ErrKeyTaken fails a transaction whose idempotency record could not
	// be stored because a concurrent transaction stored one for the key
	// first (Tx.InsertIdempotencyLater).
	ErrKeyTaken = errors.New("kessai: idempotency key taken")
	// ErrUnavailable is in the chain of a store error that says nothing
	// about the request: the database refused or dropped the connection,
	// did not answer within the store's deadline, or has no space left.
	// Nothing of the transaction was committed unless the failure came
	// during the commit itself (then, as after a crash, an idempotency
	// key tells).
	ErrUnavailable = errors.New("kessai: store unavailable")
)
