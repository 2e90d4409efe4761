package notify

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kessai/kessai/notifications"
)

// Amazon IPNs are delivered as Amazon SNS delivers them: a POST of an SNS
// envelope (JSON) whose Message is the notification (JSON again) — for the
// MWS face with its NotificationData (XML, rendered by the MWS face), for
// API v2 (IPN v2) the ids of the object that changed — signed with
// SignatureVersion 1: SHA1withRSA over the SNS string to sign, with
// kessai's own key, whose certificate kessai serves at SigningCertURL.

// IPNCertPath is where kessai serves its IPN signing certificates:
// IPNCertPath + id + ".pem".
const IPNCertPath = "/kessai/v1/ipn/certificates/"

// SNSEnvelope is an SNS notification as its receiver gets it.
type SNSEnvelope struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	TopicArn         string `json:"TopicArn"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
}

// StringToSign is what an SNS notification's Signature signs (the
// notification has no Subject).
func (e *SNSEnvelope) StringToSign() string {
	return "Message\n" + e.Message + "\nMessageId\n" + e.MessageID + "\nTimestamp\n" + e.Timestamp +
		"\nTopicArn\n" + e.TopicArn + "\nType\n" + e.Type + "\n"
}

// ipnMessage is an IPN's Message.
type ipnMessage struct {
	NotificationReferenceID string `json:"NotificationReferenceId"`
	MarketplaceID           string `json:"MarketplaceID"`
	NotificationType        string `json:"NotificationType"`
	SellerID                string `json:"SellerId"`
	ReleaseEnvironment      string `json:"ReleaseEnvironment"`
	Version                 string `json:"Version"`
	NotificationData        string `json:"NotificationData"`
	Timestamp               string `json:"Timestamp"`
	IsSample                bool   `json:"IsSample"`
}

func snsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ipnMessageOf renders the IPN of a delivery, signed at the time at.
func (n *Notifier) ipnMessageOf(ctx context.Context, t *notifications.DeliveryTarget, at time.Time) (*message, error) {
	if n.cfg.RenderIPN == nil {
		return nil, errors.New("no IPN renderer is configured")
	}
	typ, data, err := n.cfg.RenderIPN(t.Event)
	if err != nil {
		return nil, fmt.Errorf("render the IPN of event %s: %w", t.Event.ID, err)
	}
	env := "Sandbox"
	if t.Account.Livemode {
		env = "Live"
	}
	region := t.Account.MWS.Region
	if region == "" {
		region = "jp"
	}
	inner, err := json.Marshal(ipnMessage{NotificationReferenceID: t.Event.ID, MarketplaceID: "kessai-" + region,
		NotificationType: typ, SellerID: t.Account.MWS.SellerID, ReleaseEnvironment: env, Version: "2013-01-01",
		NotificationData: string(data), Timestamp: snsTime(t.Event.CreatedAt)})
	if err != nil {
		return nil, err
	}
	return n.snsMessage(ctx, t, region, inner, at)
}

// ipnV2Message is an IPN v2's Message: ids only, which the merchant reads
// the object by.
type ipnV2Message struct {
	MerchantID          string `json:"MerchantID"`
	ObjectType          string `json:"ObjectType"`
	ObjectID            string `json:"ObjectId"`
	ChargePermissionID  string `json:"ChargePermissionId"`
	NotificationType    string `json:"NotificationType"`
	NotificationID      string `json:"NotificationId"`
	NotificationVersion string `json:"NotificationVersion"`
}

// ipnV2MessageOf renders the IPN v2 of a delivery (an event of the API v2
// face), signed at the time at. Its NotificationId is the event's id, the
// same on every retry and to every endpoint.
func (n *Notifier) ipnV2MessageOf(ctx context.Context, t *notifications.DeliveryTarget, at time.Time) (*message, error) {
	typ, permission, err := notifications.IPNV2Object(t.Event)
	if err != nil {
		return nil, err
	}
	if typ == "" {
		return nil, fmt.Errorf("event %s (%s) has no IPN v2", t.Event.ID, t.Event.Type)
	}
	inner, err := json.Marshal(ipnV2Message{MerchantID: t.Account.MWS.SellerID, ObjectType: typ, ObjectID: t.Event.ResourceID,
		ChargePermissionID: permission, NotificationType: "STATE_CHANGE", NotificationID: t.Event.ID, NotificationVersion: "V2"})
	if err != nil {
		return nil, err
	}
	region := t.Account.MWS.Region
	if region == "" {
		region = "jp"
	}
	return n.snsMessage(ctx, t, region, inner, at)
}

// snsMessage wraps a notification's Message in an SNS envelope signed at
// the time at (SignatureVersion 1, kessai's IPN signing key) whose
// MessageId is the delivery's id.
func (n *Notifier) snsMessage(ctx context.Context, t *notifications.DeliveryTarget, region string, inner []byte, at time.Time) (*message, error) {
	key, err := n.e.IPNSigningKey(ctx)
	if err != nil {
		return nil, err
	}
	e := &SNSEnvelope{Type: "Notification", MessageID: t.Delivery.ID,
		TopicArn: "arn:kessai:sns:" + region + ":kessai:" + t.Account.MWS.SellerID, Message: string(inner),
		Timestamp: snsTime(at), SignatureVersion: "1",
		SigningCertURL: strings.TrimSuffix(n.e.Config.PublicURL, "/") + IPNCertPath + key.ID + ".pem"}
	sum := sha1.Sum([]byte(e.StringToSign()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.Key, crypto.SHA1, sum[:])
	if err != nil {
		return nil, err
	}
	e.Signature = base64.StdEncoding.EncodeToString(sig)
	body, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=UTF-8") // as SNS sends it
	h.Set("x-amz-sns-message-type", e.Type)
	h.Set("x-amz-sns-message-id", e.MessageID)
	h.Set("x-amz-sns-topic-arn", e.TopicArn)
	return &message{body: body, header: h}, nil
}
