package mws

import (
	"fmt"
	"testing"

	"github.com/kessai/kessai"
)

func TestErrorOf(t *testing.T) {
	t.Parallel()
	kerr := func(code kessai.Code) error { return kessai.Errorf(code, "engine.X", "message of %s", code) }
	tests := []struct {
		action string
		err    error
		code   string
		status int
		typ    string
	}{
		{"Authorize", kerr(kessai.Invalid), "InvalidParameterValue", 400, "Sender"},
		{"Authorize", kerr(kessai.NotFound), "InvalidOrderReferenceId", 404, "Sender"},
		{"SetOrderReferenceDetails", kerr(kessai.NotFound), "InvalidOrderReferenceId", 404, "Sender"},
		{"GetOrderReferenceDetails", kerr(kessai.NotFound), "InvalidOrderReferenceId", 404, "Sender"},
		{"ConfirmOrderReference", kerr(kessai.NotFound), "InvalidOrderReferenceId", 404, "Sender"},
		{"CancelOrderReference", kerr(kessai.NotFound), "InvalidOrderReferenceId", 404, "Sender"},
		{"CloseOrderReference", kerr(kessai.NotFound), "InvalidOrderReferenceId", 404, "Sender"},
		{"GetAuthorizationDetails", kerr(kessai.NotFound), "InvalidTransactionId", 404, "Sender"},
		{"CloseAuthorization", kerr(kessai.NotFound), "InvalidTransactionId", 404, "Sender"},
		{"Capture", kerr(kessai.NotFound), "InvalidTransactionId", 404, "Sender"},
		{"GetCaptureDetails", kerr(kessai.NotFound), "InvalidTransactionId", 404, "Sender"},
		{"Refund", kerr(kessai.NotFound), "InvalidTransactionId", 404, "Sender"},
		{"GetRefundDetails", kerr(kessai.NotFound), "InvalidTransactionId", 404, "Sender"},
		{"SetOrderReferenceDetails", kerr(kessai.InvalidStatus), "OrderReferenceNotModifiable", 400, "Sender"},
		{"ConfirmOrderReference", kerr(kessai.InvalidStatus), "InvalidOrderReferenceStatus", 400, "Sender"},
		{"CancelOrderReference", kerr(kessai.InvalidStatus), "InvalidOrderReferenceStatus", 400, "Sender"},
		{"CloseOrderReference", kerr(kessai.InvalidStatus), "InvalidOrderReferenceStatus", 400, "Sender"},
		{"Authorize", kerr(kessai.InvalidStatus), "InvalidOrderReferenceStatus", 400, "Sender"},
		{"Capture", kerr(kessai.InvalidStatus), "InvalidAuthorizationStatus", 405, "Sender"},
		{"CloseAuthorization", kerr(kessai.InvalidStatus), "InvalidAuthorizationStatus", 405, "Sender"},
		{"Refund", kerr(kessai.InvalidStatus), "CaptureNotRefundable", 405, "Sender"},
		{"Authorize", kerr(kessai.AmountExceeded), "TransactionAmountExceeded", 400, "Sender"},
		{"Refund", kerr(kessai.AmountExceeded), "TransactionAmountExceeded", 400, "Sender"},
		{"Refund", kerr(kessai.CountExceeded), "TransactionCountExceeded", 400, "Sender"},
		{"Capture", kerr(kessai.CurrencyMismatch), "CurrencyMismatch", 400, "Sender"},
		{"ConfirmOrderReference", kerr(kessai.ConstraintsExist), "ConstraintsExist", 400, "Sender"},
		{"Authorize", kerr(kessai.InvalidSimulation), "InvalidSandboxSimulationSpecified", 400, "Sender"},
		{"Authorize", kerr(kessai.IdempotencyConflict), "DuplicateRequest", 400, "Sender"},
		{"Refund", kerr(kessai.ReferenceIDInUse), "DuplicateReferenceId", 400, "Sender"},
		{"Authorize", kerr(kessai.LiveModeUnsupported), "InvalidAccountStatus", 403, "Sender"},
		{"Authorize", kerr(kessai.RateLimited), "RequestThrottled", 503, "Server"},
		{"Authorize", kerr(kessai.TooLarge), "InvalidParameterValue", 400, "Sender"},
		{"Authorize", kerr(kessai.Conflict), "ServiceUnavailable", 503, "Server"},
		{"Authorize", kerr(kessai.IdempotencyInProgress), "ServiceUnavailable", 503, "Server"},
		{"Refund", kerr(kessai.Unavailable), "ServiceUnavailable", 503, "Server"},
		{"Authorize", kerr(kessai.Internal), "InternalServerError", 500, "Server"},
		{"Authorize", fmt.Errorf("disk on fire"), "InternalServerError", 500, "Server"},
		{"Authorize", kerr(kessai.CardDeclined), "InternalServerError", 500, "Server"},
		{"Authorize", fmt.Errorf("wrapped: %w", kerr(kessai.AmountExceeded)), "TransactionAmountExceeded", 400, "Sender"},
		{"Authorize", refuse("RequestThrottled", 503, "slow down"), "RequestThrottled", 503, "Server"},
		{"Authorize", missingParameter("AuthorizationReferenceId"), "MissingParameter", 400, "Sender"},
		{"Authorize", refuse("SignatureDoesNotMatch", 403, "no"), "SignatureDoesNotMatch", 403, "Sender"},
	}
	for _, tc := range tests {
		t.Run(tc.action+"/"+tc.code, func(t *testing.T) {
			t.Parallel()
			got := errorOf(tc.action, tc.err)
			if got.Code != tc.code || got.Status != tc.status || got.Type != tc.typ {
				t.Fatalf("errorOf(%s, %v) = %+v, want %s %d %s", tc.action, tc.err, got, tc.code, tc.status, tc.typ)
			}
			if got.Message == "" {
				t.Error("no message")
			}
			if tc.status == 500 && got.Message != internalMessage {
				t.Errorf("an internal error shows %q", got.Message)
			}
		})
	}
}

func TestErrorOf_InvalidFields(t *testing.T) {
	t.Parallel()
	err := kessai.Invalidf("engine.Authorize", "seller_authorization_note", "At most 255 characters")
	if got := errorOf("Authorize", err).Message; got != "SellerAuthorizationNote: At most 255 characters" {
		t.Errorf("message %q", got)
	}
	err = kessai.Invalidf("engine.CheckTransactionAmount", "amount", "too much")
	if got := errorOf("Refund", err).Message; got != "RefundAmount.Amount: too much" {
		t.Errorf("message %q", got)
	}
	err = kessai.Invalidf("engine.X", "something_else", "odd")
	if got := errorOf("Refund", err).Message; got != "something_else: odd" {
		t.Errorf("message %q", got)
	}
}
