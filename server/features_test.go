package server_test

import (
	"testing"

	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/amazonorder"
	"github.com/kessai/kessai/amazonpay"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/notifications"
	"github.com/kessai/kessai/payjpflow"
)

// The engine the server runs knows the jobs of every feature package: a
// server that lacked one would leave its jobs failing (Amazon
// settlements, expiries, term closings, webhook deliveries, emails).
func TestServer_EngineHasEveryFeature(t *testing.T) {
	t.Parallel()
	s := kessaitest.Start(t, "sqlite", kessaitest.Options{})
	for _, kind := range []string{amazonorder.JobAmazonAuthSettle, amazonorder.JobOrderStale, amazonorder.JobAmazonCaptureSettle,
		notifications.JobDeliverWebhook, payjpflow.JobExpireAuthorization, payjpflow.JobExpireCheckoutSession,
		accounting.JobCloseTerm, accounting.JobCloseBalance, accounting.JobDisputeDeadline, engine.JobSettleRefund,
		amazonpay.JobChargeExpire, amazonpay.JobChargeSettle, amazonpay.JobPermissionExpire, amazonpay.JobSessionExpire} {
		if !s.Main.E.Handles(kind) {
			t.Errorf("the server's engine has no handler for %s", kind)
		}
	}
	// Emails are sent only with an SMTP URL, but their kind is always
	// known, with the notifications' retry schedule.
	if _, ok := s.Main.E.JobRetry(notifications.JobSendEmail); !ok {
		t.Errorf("the server's engine does not know %s", notifications.JobSendEmail)
	}
}
