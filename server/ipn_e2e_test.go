package server_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

// snsNotification is an SNS envelope, read as a receiver reads it.
type snsNotification struct {
	Type, MessageId, TopicArn, Message, Timestamp, SignatureVersion, Signature, SigningCertURL string
}

// verifySNS checks an SNS notification's SignatureVersion 1 signature
// (SHA1withRSA over the SNS string to sign, spelled out here from the
// reference, not taken from kessai) with the certificate at its
// SigningCertURL.
func verifySNS(t testing.TB, n snsNotification) error {
	t.Helper()
	resp, err := http.Get(n.SigningCertURL)
	if err != nil {
		t.Fatalf("fetch the signing certificate: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	block, _ := pem.Decode(raw)
	if resp.StatusCode != 200 || block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("SigningCertURL %s: %d %q", n.SigningCertURL, resp.StatusCode, raw)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("the certificate's key is a %T", cert.PublicKey)
	}
	sig, err := base64.StdEncoding.DecodeString(n.Signature)
	if err != nil {
		return err
	}
	toSign := "Message\n" + n.Message + "\nMessageId\n" + n.MessageId + "\nTimestamp\n" + n.Timestamp +
		"\nTopicArn\n" + n.TopicArn + "\nType\n" + n.Type + "\n"
	sum := sha1.Sum([]byte(toSign))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig)
}

func TestIPN_CompletedRefundIsASignedSNSNotification(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		rc := newReceiver(t, ok)
		must(t, s.Post("/kessai/v1/webhook_endpoints", map[string]any{"url": rc.URL, "kind": "amazon_ipn",
			"enabled_events": []string{"amazon_refund.completed"}}), 200)
		order, refundID := completedAmazonRefund(t, s, s.Key, kessai.Buyer{Name: "Test Buyer", Email: "buyer@example.com"}, 10000, 1200)

		got := rc.waitFor(1, 10*time.Second)[0]
		var n snsNotification
		if err := json.Unmarshal(got.Body, &n); err != nil {
			t.Fatalf("envelope: %v: %s", err, got.Body)
		}
		if n.Type != "Notification" || n.SignatureVersion != "1" || n.MessageId == "" || !strings.HasPrefix(n.SigningCertURL, s.URL+"/") {
			t.Errorf("envelope %+v", n)
		}
		if got.Header.Get("x-amz-sns-message-type") != "Notification" || got.Header.Get("x-amz-sns-topic-arn") != n.TopicArn {
			t.Errorf("SNS headers %v, want the envelope's type and topic", got.Header)
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", n.Timestamp); err != nil {
			t.Errorf("Timestamp %q: %v", n.Timestamp, err)
		}
		if err := verifySNS(t, n); err != nil {
			t.Errorf("the signature does not verify with the certificate at SigningCertURL: %v", err)
		}
		forged := n
		forged.Message = strings.Replace(n.Message, "PaymentRefund", "PaymentCapture", 1)
		if verifySNS(t, forged) == nil {
			t.Error("a changed Message still verifies")
		}

		var msg struct {
			NotificationType, SellerId, ReleaseEnvironment, Version, NotificationData string
		}
		if err := json.Unmarshal([]byte(n.Message), &msg); err != nil {
			t.Fatalf("Message: %v: %s", err, n.Message)
		}
		if msg.NotificationType != "PaymentRefund" || msg.SellerId != s.Account.MWS.SellerID || msg.ReleaseEnvironment != "Sandbox" || msg.Version != "2013-01-01" {
			t.Errorf("Message %+v", msg)
		}
		var data struct {
			XMLName       xml.Name
			RefundDetails struct {
				AmazonRefundId string
				RefundAmount   struct{ Amount, CurrencyCode string }
				RefundStatus   struct{ State string }
			}
		}
		if err := xml.Unmarshal([]byte(msg.NotificationData), &data); err != nil {
			t.Fatalf("NotificationData: %v: %s", err, msg.NotificationData)
		}
		if data.XMLName.Space != "https://mws.amazonservices.com/ipn/OffAmazonPayments/2013-01-01" || data.XMLName.Local != "RefundNotification" {
			t.Errorf("NotificationData root %v", data.XMLName)
		}
		d := data.RefundDetails
		if d.AmazonRefundId != refundID || !strings.HasPrefix(refundID, order) || d.RefundStatus.State != "Completed" ||
			d.RefundAmount.Amount != "1200" || d.RefundAmount.CurrencyCode != "JPY" {
			t.Errorf("RefundDetails %+v, want %s Completed 1200 JPY", d, refundID)
		}

		// The delivery log shows it, and the certificate path answers
		// nothing else.
		if r := waitDelivery(t, s, n.MessageId, statusIs("succeeded")); r.Str("kind") != "amazon_ipn" || r.Str("event_type") != "amazon_refund.completed" {
			t.Errorf("delivery %s", r.Body)
		}
		for _, path := range []string{"/kessai/v1/ipn/certificates/nope.pem", "/kessai/v1/ipn/certificates/0123456789abcdef0123456789abcdef.pem"} {
			resp, err := http.Get(s.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("%s: %d, want 404", path, resp.StatusCode)
			}
		}
	})
}
