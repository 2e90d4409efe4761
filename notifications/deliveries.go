package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// Deliveries. Every event a write records goes to each of the account's
// enabled endpoints of the event's face (PAY.JP events to payjp endpoints,
// MWS events to amazon_ipn endpoints, API v2 events to amazon_ipn_v2
// endpoints) that wants its type: a delivery and
// the job that makes it are written in the event's own transaction, so an
// event is never committed without its deliveries, nor a delivery without
// its event. The job (package notify's handler) runs outside any
// transaction: LoadDelivery reads what an attempt needs, the handler talks
// to the receiver, and RecordDeliveryAttempt writes the outcome.

// maxAttemptLog bounds the attempts a delivery keeps (the newest).
const maxAttemptLog = 100

// endpointsKey keeps a write's enabled endpoints, once read (W.Value).
type endpointsKey struct{}

// deliver records the deliveries of ev. The write reads the account's
// enabled endpoints once, on its first event, through the index on
// (account_id, status): a write of an account with no endpoints costs one
// indexed lookup that finds nothing.
func deliver(w *engine.W, ev *kessai.Event) error {
	endpoints, read := w.Value(endpointsKey{}).([]*kessai.WebhookEndpoint)
	if e := w.Account().WebhookEndpoints; e != nil && !*e {
		read = true // read with the account: none is enabled
	}
	if !read {
		docs, _, err := w.Tx().List(w.Ctx(), kessai.KindWebhookEndpoint, w.Account().ID,
			map[string]string{"status": kessai.EndpointEnabled}, kessai.Page{Limit: MaxWebhookEndpoints})
		if err != nil {
			return fmt.Errorf("webhook endpoints: %w", err)
		}
		endpoints = []*kessai.WebhookEndpoint{}
		for _, d := range docs {
			ep := new(kessai.WebhookEndpoint)
			if err := json.Unmarshal(d, ep); err != nil {
				return err
			}
			endpoints = append(endpoints, ep)
		}
		w.SetValue(endpointsKey{}, endpoints)
	}
	for _, ep := range endpoints {
		if wants(ep, ev) {
			if _, err := newDelivery(w, ep, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// wants reports whether an endpoint receives an event: an enabled endpoint
// of the event's face that lists its type, and for IPN endpoints an event
// that Amazon notifies.
func wants(ep *kessai.WebhookEndpoint, ev *kessai.Event) bool {
	if !ep.Wants(ev.Type) {
		return false
	}
	return receives(ep, ev)
}

// receives reports whether an endpoint of ep's kind can receive an event,
// whatever types it lists: one of its face's, and for IPN endpoints one
// that Amazon notifies.
func receives(ep *kessai.WebhookEndpoint, ev *kessai.Event) bool {
	if ep.Kind != kessai.EndpointKindOf(ev.Face) {
		return false
	}
	switch ep.Kind {
	case kessai.EndpointAmazonIPN:
		return IPNType(ev) != ""
	case kessai.EndpointAmazonIPNV2:
		typ, _, err := IPNV2Object(ev)
		return err == nil && typ != ""
	}
	return true
}

// IPN v2 object types: what an API v2 notification is about.
const (
	IPNV2ChargePermission = "CHARGE_PERMISSION"
	IPNV2Charge           = "CHARGE"
	IPNV2Refund           = "REFUND"
)

// IPNV2Object is what Amazon's IPN v2 says of an event of the API v2 face:
// the ObjectType of the object whose state changed and the id of its
// charge permission (the ObjectId is the event's ResourceID). Events that
// Amazon does not notify (a checkout session's, kessai's sandbox
// chargebacks) have no ObjectType. The event objects are package
// amazonpay's (charge_permission, charge, refund), whose data carries the
// permission's id as id or payment_id.
func IPNV2Object(ev *kessai.Event) (objectType, chargePermissionID string, err error) {
	switch {
	case ev.Object == "charge_permission":
		return IPNV2ChargePermission, ev.ResourceID, nil
	case ev.Object == "charge" && ev.Type != "charge.chargeback":
		objectType = IPNV2Charge
	case ev.Object == "refund":
		objectType = IPNV2Refund
	default:
		return "", "", nil
	}
	var data struct {
		PaymentID string `json:"payment_id"`
	}
	if err := json.Unmarshal(ev.Data, &data); err != nil || data.PaymentID == "" {
		return "", "", fmt.Errorf("event %s (%s) names no charge permission", ev.ID, ev.Type)
	}
	return objectType, data.PaymentID, nil
}

// IPNType is Amazon's NotificationType of an MWS event: what its IPN
// reports. Events that Amazon does not notify ("" ) are not delivered to
// IPN endpoints.
func IPNType(ev *kessai.Event) string {
	switch ev.Object {
	case kessai.ObjectOrderReference:
		if ev.Type == "order_reference.updated" {
			return "" // details the seller set; Amazon notifies changes of state
		}
		return "OrderReferenceNotification"
	case kessai.ObjectAuthorization:
		return "PaymentAuthorize"
	case kessai.ObjectCapture:
		if ev.Type == "capture.chargeback" {
			return "" // kessai's sandbox claim, not a capture's state
		}
		return "PaymentCapture"
	case kessai.ObjectAmazonRefund:
		return "PaymentRefund"
	}
	return ""
}

type deliveryRef struct {
	ID string `json:"delivery_id"`
}

// newDelivery writes a pending delivery of ev to ep and schedules it now.
func newDelivery(w *engine.W, ep *kessai.WebhookEndpoint, ev *kessai.Event) (*kessai.WebhookDelivery, error) {
	d := &kessai.WebhookDelivery{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixWebhookDelivery), Livemode: w.Account().Livemode,
		EndpointID: ep.ID, EventID: ev.ID, EventType: ev.Type, Kind: ep.Kind, Status: kessai.DeliveryPending,
		Attempts: []kessai.DeliveryAttempt{}, CreatedAt: w.Now(), UpdatedAt: w.Now()}
	if err := queueDelivery(w, d); err != nil {
		return nil, err
	}
	return d, w.Tx().Insert(w.Ctx(), d)
}

// queueDelivery makes d pending with a new job due now; the caller saves d.
func queueDelivery(w *engine.W, d *kessai.WebhookDelivery) error {
	j, err := w.ScheduleJob(JobDeliverWebhook, deliveryRef{ID: d.ID}, w.Now())
	if err != nil {
		return err
	}
	d.Status, d.FailureReason, d.JobID, d.QueuedAt, d.UpdatedAt = kessai.DeliveryPending, "", j.ID, w.WallNow(), w.Now()
	return nil
}

// DeliveryTarget is what one attempt of a delivery needs.
type DeliveryTarget struct {
	Delivery *kessai.WebhookDelivery
	Endpoint *kessai.WebhookEndpoint
	Event    *kessai.Event
	Account  *kessai.Account
}

// LoadDelivery reads, in one read transaction, the delivery that job jobID
// is to make, with its endpoint, event and account. It returns nil when
// there is nothing to send: the delivery is no longer pending, or another
// job now makes it (a manual retry), or its endpoint is gone or disabled,
// in which case the delivery is failed in a write of its own.
func LoadDelivery(ctx context.Context, e *engine.Engine, accountID, deliveryID, jobID string) (*DeliveryTarget, error) {
	const op = "notifications.LoadDelivery"
	t := &DeliveryTarget{Delivery: new(kessai.WebhookDelivery), Endpoint: new(kessai.WebhookEndpoint), Event: new(kessai.Event)}
	var reason string
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		if err := tx.Get(ctx, kessai.KindWebhookDelivery, accountID, deliveryID, false, t.Delivery); err != nil {
			return err
		}
		if t.Delivery.Status != kessai.DeliveryPending || t.Delivery.JobID != jobID {
			return nil
		}
		err := tx.Get(ctx, kessai.KindWebhookEndpoint, accountID, t.Delivery.EndpointID, false, t.Endpoint)
		switch {
		case errors.Is(err, kessai.ErrNoRows):
			reason = "the endpoint was deleted"
			return nil
		case err != nil:
			return err
		case t.Endpoint.Status != kessai.EndpointEnabled:
			reason = "the endpoint is disabled"
			return nil
		}
		if err := tx.Get(ctx, kessai.KindEvent, accountID, t.Delivery.EventID, false, t.Event); err != nil {
			return err
		}
		t.Account, err = tx.Account(ctx, accountID, false)
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case reason != "":
		return nil, failDelivery(ctx, e, accountID, deliveryID, jobID, reason)
	case t.Account == nil:
		return nil, nil
	}
	return t, nil
}

// failDelivery ends a pending delivery as failed.
func failDelivery(ctx context.Context, e *engine.Engine, accountID, deliveryID, jobID, reason string) error {
	const op = "notifications.failDelivery"
	_, err := e.Write(ctx, &kessai.Account{ID: accountID}, op, func(w *engine.W) (any, error) {
		var d kessai.WebhookDelivery
		if err := w.Tx().Get(w.Ctx(), kessai.KindWebhookDelivery, accountID, deliveryID, true, &d); err != nil {
			return nil, err
		}
		if d.Status != kessai.DeliveryPending || d.JobID != jobID {
			return nil, nil
		}
		d.Status, d.FailureReason, d.UpdatedAt = kessai.DeliveryFailed, reason, w.Now()
		return nil, w.Tx().Put(w.Ctx(), &d)
	})
	return err
}

// RecordDeliveryAttempt adds an attempt made by job jobID to a delivery's
// log and returns the delivery's status after it:
//
//   - a 2xx answer: succeeded;
//   - 410 Gone: failed, and the endpoint is disabled (the receiver asked
//     for no more);
//   - anything else: still pending, to be retried, unless final (the
//     job's last attempt): failed.
//
// An attempt of a job that no longer makes the delivery (it was retried by
// hand meanwhile, or another attempt concluded it) is logged and changes
// nothing else.
func RecordDeliveryAttempt(ctx context.Context, e *engine.Engine, accountID, deliveryID, jobID string, a kessai.DeliveryAttempt, final bool) (string, error) {
	const op = "notifications.RecordDeliveryAttempt"
	res, err := e.Write(ctx, &kessai.Account{ID: accountID}, op, func(w *engine.W) (any, error) {
		var d kessai.WebhookDelivery
		if err := w.Tx().Get(w.Ctx(), kessai.KindWebhookDelivery, accountID, deliveryID, true, &d); err != nil {
			return nil, err
		}
		d.Attempts = append(d.Attempts, a)
		if n := len(d.Attempts); n > maxAttemptLog {
			d.Attempts = d.Attempts[n-maxAttemptLog:]
		}
		d.UpdatedAt = w.Now()
		if d.Status == kessai.DeliveryPending && d.JobID == jobID {
			switch {
			case a.HTTPStatus >= 200 && a.HTTPStatus < 300:
				d.Status = kessai.DeliverySucceeded
			case a.HTTPStatus == 410:
				d.Status, d.FailureReason = kessai.DeliveryFailed, "the receiver answered 410 Gone; the endpoint is disabled"
				if err := disableEndpoint(w, d.EndpointID, "the receiver answered 410 Gone"); err != nil {
					return nil, err
				}
			case final:
				d.Status, d.FailureReason = kessai.DeliveryFailed, fmt.Sprintf("no success after %d attempts", len(d.Attempts))
			}
		}
		return d.Status, w.Tx().Put(w.Ctx(), &d)
	})
	if err != nil {
		return "", err
	}
	return res.(string), nil
}

// disableEndpoint disables an endpoint, if it is still there.
func disableEndpoint(w *engine.W, id, reason string) error {
	var ep kessai.WebhookEndpoint
	err := w.Tx().Get(w.Ctx(), kessai.KindWebhookEndpoint, w.Account().ID, id, true, &ep)
	if errors.Is(err, kessai.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	ep.Status, ep.DisabledReason, ep.UpdatedAt = kessai.EndpointDisabled, reason, w.Now()
	return w.Tx().Put(w.Ctx(), &ep)
}

// DeliveryFilter selects deliveries in a list; empty fields match all.
type DeliveryFilter struct {
	EndpointID string
	EventID    string
	Status     string
}

// ListWebhookDeliveries pages through the account's deliveries, newest
// first. Errors: validation_error (an unknown status), resource_missing (a
// cursor names no delivery).
func ListWebhookDeliveries(ctx context.Context, e *engine.Engine, acct *kessai.Account, f DeliveryFilter, page kessai.Page) ([]*kessai.WebhookDelivery, bool, error) {
	const op = "notifications.ListWebhookDeliveries"
	if f.Status != "" && !engine.StatusIn(f.Status, kessai.DeliveryPending, kessai.DeliverySucceeded, kessai.DeliveryFailed) {
		return nil, false, kessai.Invalidf(op, "status", "Input should be 'pending', 'succeeded' or 'failed'")
	}
	filter := map[string]string{"endpoint_id": f.EndpointID, "event_id": f.EventID, "status": f.Status}
	return engine.ListOf[kessai.WebhookDelivery](ctx, e, acct, kessai.KindWebhookDelivery, filter, page, op, "webhook_delivery")
}

// GetWebhookDelivery returns a delivery with its attempts. Errors:
// not_found.
func GetWebhookDelivery(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.WebhookDelivery, error) {
	const op = "notifications.GetWebhookDelivery"
	var d kessai.WebhookDelivery
	err := e.View(ctx, op, func(tx kessai.Tx) error {
		return engine.Get(ctx, tx, kessai.KindWebhookDelivery, acct.ID, id, false, &d, op, "webhook_delivery")
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// RetryWebhookDelivery makes a delivery pending again with an attempt due
// now, whatever its status: the same message (webhook-id) to the same
// endpoint, with a fresh run of the retry schedule. A pending delivery's
// scheduled retry is superseded. Errors: not_found, invalid_status (its
// endpoint is gone or disabled).
func RetryWebhookDelivery(ctx context.Context, e *engine.Engine, acct *kessai.Account, id string) (*kessai.WebhookDelivery, error) {
	const op = "notifications.RetryWebhookDelivery"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var d kessai.WebhookDelivery
		if err := w.Get(kessai.KindWebhookDelivery, id, true, &d, op, "webhook_delivery"); err != nil {
			return nil, err
		}
		var ep kessai.WebhookEndpoint
		err := w.Tx().Get(w.Ctx(), kessai.KindWebhookEndpoint, w.Account().ID, d.EndpointID, false, &ep)
		switch {
		case errors.Is(err, kessai.ErrNoRows):
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "The endpoint %s of delivery %s was deleted.", d.EndpointID, d.ID)
		case err != nil:
			return nil, err
		case ep.Status != kessai.EndpointEnabled:
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "The endpoint %s is disabled; enable it before retrying.", ep.ID)
		}
		if err := queueDelivery(w, &d); err != nil {
			return nil, err
		}
		return &d, w.Tx().Put(w.Ctx(), &d)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.WebhookDelivery), nil
}

// RedeliverEvent sends an event again as new messages (new webhook-ids):
// to the given endpoint, which need not list the event's type, or else to
// every enabled endpoint that wants it now. Errors: not_found (the event or
// endpoint), invalid_status (the endpoint is disabled or of the other
// face).
func RedeliverEvent(ctx context.Context, e *engine.Engine, acct *kessai.Account, eventID, endpointID string) ([]*kessai.WebhookDelivery, error) {
	const op = "notifications.RedeliverEvent"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var ev kessai.Event
		if err := w.Get(kessai.KindEvent, eventID, false, &ev, op, "event"); err != nil {
			return nil, err
		}
		var targets []*kessai.WebhookEndpoint
		if endpointID != "" {
			var ep kessai.WebhookEndpoint
			if err := w.Get(kessai.KindWebhookEndpoint, endpointID, false, &ep, op, "webhook_endpoint"); err != nil {
				return nil, err
			}
			if ep.Status != kessai.EndpointEnabled {
				return nil, kessai.Errorf(kessai.InvalidStatus, op, "The endpoint %s is disabled; enable it first.", ep.ID)
			}
			if !receives(&ep, &ev) {
				return nil, kessai.Errorf(kessai.InvalidStatus, op, "A %s endpoint does not receive the event %s (%s).", ep.Kind, ev.ID, ev.Type)
			}
			targets = append(targets, &ep)
		} else {
			docs, _, err := w.Tx().List(w.Ctx(), kessai.KindWebhookEndpoint, w.Account().ID,
				map[string]string{"status": kessai.EndpointEnabled}, kessai.Page{Limit: MaxWebhookEndpoints})
			if err != nil {
				return nil, err
			}
			for _, d := range docs {
				ep := new(kessai.WebhookEndpoint)
				if err := json.Unmarshal(d, ep); err != nil {
					return nil, err
				}
				if wants(ep, &ev) {
					targets = append(targets, ep)
				}
			}
		}
		out := []*kessai.WebhookDelivery{}
		for _, ep := range targets {
			d, err := newDelivery(w, ep, &ev)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return res.([]*kessai.WebhookDelivery), nil
}
