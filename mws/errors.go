package mws

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kessai/kessai"
)

// faceError is a refusal the face makes in MWS's own terms, before or
// instead of asking the engine: a malformed request, bad credentials, a
// throttled seller.
type faceError struct {
	code    string
	status  int
	message string
}

func (e *faceError) Error() string { return "mws: " + e.code + ": " + e.message }

func refuse(code string, status int, format string, args ...any) error {
	return &faceError{code: code, status: status, message: fmt.Sprintf(format, args...)}
}

func invalidParameter(format string, args ...any) error {
	return refuse("InvalidParameterValue", http.StatusBadRequest, format, args...)
}

func missingParameter(name string) error {
	return refuse("MissingParameter", http.StatusBadRequest, "The request must contain the parameter %s.", name)
}

// wireError is an error as MWS writes it.
type wireError struct {
	Code    string
	Status  int
	Type    string // Sender (the request is at fault) or Server
	Message string
}

func wire(code string, status int, message string) wireError {
	typ := "Sender"
	if status >= 500 {
		typ = "Server"
	}
	return wireError{Code: code, Status: status, Type: typ, Message: message}
}

// internalMessage is all a client learns of an internal error.
const internalMessage = "There was an unknown error in the service."

// errorOf maps an error of action to its MWS code, HTTP status, Type and
// message: the one place where engine codes become MWS codes. Errors the
// face made itself pass through. Unknown errors are InternalServerError
// with a generic message (the caller logs the cause).
func errorOf(action string, err error) wireError {
	var fe *faceError
	if errors.As(err, &fe) {
		return wire(fe.code, fe.status, fe.message)
	}
	msg := kessai.ErrorMessage(err)
	switch code := kessai.ErrorCode(err); code {
	case kessai.Invalid, kessai.Malformed, kessai.TooLarge, kessai.MetadataLimitExceeded, kessai.TestModeOnly:
		return wire("InvalidParameterValue", http.StatusBadRequest, invalidMessage(action, err))
	case kessai.Unauthorized:
		return wire("UnauthorizedAccess", http.StatusUnauthorized, msg)
	case kessai.NotFound:
		if objectOf(action) == objectOrderReference {
			return wire("InvalidOrderReferenceId", http.StatusNotFound, msg)
		}
		return wire("InvalidTransactionId", http.StatusNotFound, msg)
	case kessai.InvalidStatus:
		switch action {
		case "SetOrderReferenceDetails":
			return wire("OrderReferenceNotModifiable", http.StatusBadRequest, msg)
		case "Capture", "CloseAuthorization":
			return wire("InvalidAuthorizationStatus", http.StatusMethodNotAllowed, msg)
		case "Refund":
			return wire("CaptureNotRefundable", http.StatusMethodNotAllowed, msg)
		}
		return wire("InvalidOrderReferenceStatus", http.StatusBadRequest, msg)
	case kessai.AmountExceeded, kessai.RefundExceedsPayment, kessai.AlreadyRefunded:
		return wire("TransactionAmountExceeded", http.StatusBadRequest, msg)
	case kessai.CountExceeded:
		return wire("TransactionCountExceeded", http.StatusBadRequest, msg)
	case kessai.CurrencyMismatch:
		return wire("CurrencyMismatch", http.StatusBadRequest, msg)
	case kessai.ConstraintsExist:
		return wire("ConstraintsExist", http.StatusBadRequest, msg)
	case kessai.InvalidSimulation:
		return wire("InvalidSandboxSimulationSpecified", http.StatusBadRequest, msg)
	case kessai.IdempotencyConflict:
		return wire("DuplicateRequest", http.StatusBadRequest, msg)
	case kessai.ReferenceIDInUse:
		return wire("DuplicateReferenceId", http.StatusBadRequest, msg)
	case kessai.LiveModeUnsupported:
		return wire("InvalidAccountStatus", http.StatusForbidden, msg)
	case kessai.RateLimited:
		return wire("RequestThrottled", http.StatusServiceUnavailable, msg)
	case kessai.IdempotencyInProgress, kessai.Conflict, kessai.Unavailable:
		// Every MWS client retries a 503.
		return wire("ServiceUnavailable", http.StatusServiceUnavailable, msg)
	}
	return wire("InternalServerError", http.StatusInternalServerError, internalMessage)
}

// invalidMessage is the message of a validation error with its fields
// named as the action's parameters, as MWS has no structured field list.
func invalidMessage(action string, err error) string {
	var ke *kessai.Error
	if !errors.As(err, &ke) || len(ke.Fields) == 0 {
		return kessai.ErrorMessage(err)
	}
	parts := make([]string, 0, len(ke.Fields))
	for _, f := range ke.Fields {
		parts = append(parts, paramName(action, f.Field)+": "+f.Message)
	}
	return strings.Join(parts, "; ")
}

// The object an action's id names, for InvalidOrderReferenceId versus
// InvalidTransactionId.
const (
	objectOrderReference = "order_reference"
	objectTransaction    = "transaction"
)

func objectOf(action string) string {
	switch action {
	case "SetOrderReferenceDetails", "GetOrderReferenceDetails", "ConfirmOrderReference",
		"CancelOrderReference", "CloseOrderReference", "Authorize":
		return objectOrderReference
	}
	return objectTransaction
}

// priceParams are the price parameters of each action.
var priceParams = map[string]string{
	"SetOrderReferenceDetails": "OrderReferenceAttributes.OrderTotal",
	"Authorize":                "AuthorizationAmount",
	"Capture":                  "CaptureAmount",
	"Refund":                   "RefundAmount",
}

// fieldParams are the parameters of the engine's field names.
var fieldParams = map[string]string{
	"seller_note":               "OrderReferenceAttributes.SellerNote",
	"platform_id":               "OrderReferenceAttributes.PlatformId",
	"seller_order_id":           "OrderReferenceAttributes.SellerOrderAttributes.SellerOrderId",
	"store_name":                "OrderReferenceAttributes.SellerOrderAttributes.StoreName",
	"custom_information":        "OrderReferenceAttributes.SellerOrderAttributes.CustomInformation",
	"supplementary_data":        "OrderReferenceAttributes.SellerOrderAttributes.SupplementaryData",
	"cancelation_reason":        "CancelationReason",
	"closure_reason":            "ClosureReason",
	"seller_authorization_note": "SellerAuthorizationNote",
	"seller_capture_note":       "SellerCaptureNote",
	"seller_refund_note":        "SellerRefundNote",
	"soft_descriptor":           "SoftDescriptor",
}

// paramName is the MWS parameter of an engine field in action, or the
// field itself when there is none.
func paramName(action, field string) string {
	if p, ok := fieldParams[field]; ok {
		return p
	}
	if prefix, ok := priceParams[action]; ok {
		switch field {
		case "amount":
			return prefix + ".Amount"
		case "currency", "currency_code":
			return prefix + ".CurrencyCode"
		}
	}
	return field
}
