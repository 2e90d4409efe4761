package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kessai/kessai"
)

// Deliveries. Every event a write records goes to each of the account's
// enabled endpoints of the event's face (PAY.JP events to payjp endpoints,
// MWS events to amazon_ipn endpoints) that wants its type: a delivery and
// the job that makes it are written in the event's own transaction, so an
// event is never committed without its deliveries, nor a delivery without
// its event. The job (package notify's handler) runs outside any
// transaction: LoadDelivery reads what an attempt needs, the handler talks
// to the receiver, and RecordDeliveryAttempt writes the outcome.

// maxAttemptLog bounds the attempts a delivery keeps (the newest).
const maxAttemptLog = 100

// deliver records the deliveries of ev. The write reads the account's
// enabled endpoints once, on its first event, through the index on
// (account_id, status): a write of an account with no endpoints costs one
// indexed lookup that finds nothing.
func (w *W) deliver(ev *kessai.Event) error {
	if e := w.acct.WebhookEndpoints; e != nil && !*e {
		w.endpointsRead = true // read with the account: none is enabled
	}
	if !w.endpointsRead {
		docs, _, err := w.tx.List(w.ctx, kessai.KindWebhookEndpoint, w.acct.ID,
			map[string]string{"status": kessai.EndpointEnabled}, kessai.Page{Limit: MaxWebhookEndpoints})
		if err != nil {
			return fmt.Errorf("webhook endpoints: %w", err)
		}
		for _, d := range docs {
			ep := new(kessai.WebhookEndpoint)
			if err := json.Unmarshal(d, ep); err != nil {
				return err
			}
			w.endpoints = append(w.endpoints, ep)
		}
		w.endpointsRead = true
	}
	for _, ep := range w.endpoints {
		if wants(ep, ev) {
			if _, err := w.newDelivery(ep, ev); err != nil {
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
	if ep.Kind != kessai.EndpointKindOf(ev.Face) || !ep.Wants(ev.Type) {
		return false
	}
	return ep.Kind != kessai.EndpointAmazonIPN || IPNType(ev) != ""
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
func (w *W) newDelivery(ep *kessai.WebhookEndpoint, ev *kessai.Event) (*kessai.WebhookDelivery, error) {
	d := &kessai.WebhookDelivery{AccountID: w.acct.ID, ID: kessai.NewID(kessai.PrefixWebhookDelivery), Livemode: w.acct.Livemode,
		EndpointID: ep.ID, EventID: ev.ID, EventType: ev.Type, Kind: ep.Kind, Status: kessai.DeliveryPending,
		Attempts: []kessai.DeliveryAttempt{}, CreatedAt: w.now, UpdatedAt: w.now}
	if err := w.queueDelivery(d); err != nil {
		return nil, err
	}
	return d, w.tx.Insert(w.ctx, d)
}

// queueDelivery makes d pending with a new job due now; the caller saves d.
func (w *W) queueDelivery(d *kessai.WebhookDelivery) error {
	j, err := w.scheduleJob(JobDeliverWebhook, deliveryRef{ID: d.ID}, w.now)
	if err != nil {
		return err
	}
	d.Status, d.FailureReason, d.JobID, d.QueuedAt, d.UpdatedAt = kessai.DeliveryPending, "", j.ID, w.e.Clock.Now().UTC(), w.now
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
func (e *Engine) LoadDelivery(ctx context.Context, accountID, deliveryID, jobID string) (*DeliveryTarget, error) {
	const op = "engine.LoadDelivery"
	t := &DeliveryTarget{Delivery: new(kessai.WebhookDelivery), Endpoint: new(kessai.WebhookEndpoint), Event: new(kessai.Event)}
	var reason string
	err := e.view(ctx, op, func(tx kessai.Tx) error {
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
		return nil, e.failDelivery(ctx, accountID, deliveryID, jobID, reason)
	case t.Account == nil:
		return nil, nil
	}
	return t, nil
}

// failDelivery ends a pending delivery as failed.
func (e *Engine) failDelivery(ctx context.Context, accountID, deliveryID, jobID, reason string) error {
	const op = "engine.failDelivery"
	_, err := e.write(ctx, &kessai.Account{ID: accountID}, op, func(w *W) (any, error) {
		var d kessai.WebhookDelivery
		if err := w.tx.Get(w.ctx, kessai.KindWebhookDelivery, accountID, deliveryID, true, &d); err != nil {
			return nil, err
		}
		if d.Status != kessai.DeliveryPending || d.JobID != jobID {
			return nil, nil
		}
		d.Status, d.FailureReason, d.UpdatedAt = kessai.DeliveryFailed, reason, w.now
		return nil, w.tx.Put(w.ctx, &d)
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
func (e *Engine) RecordDeliveryAttempt(ctx context.Context, accountID, deliveryID, jobID string, a kessai.DeliveryAttempt, final bool) (string, error) {
	const op = "engine.RecordDeliveryAttempt"
	res, err := e.write(ctx, &kessai.Account{ID: accountID}, op, func(w *W) (any, error) {
		var d kessai.WebhookDelivery
		if err := w.tx.Get(w.ctx, kessai.KindWebhookDelivery, accountID, deliveryID, true, &d); err != nil {
			return nil, err
		}
		d.Attempts = append(d.Attempts, a)
		if n := len(d.Attempts); n > maxAttemptLog {
			d.Attempts = d.Attempts[n-maxAttemptLog:]
		}
		d.UpdatedAt = w.now
		if d.Status == kessai.DeliveryPending && d.JobID == jobID {
			switch {
			case a.HTTPStatus >= 200 && a.HTTPStatus < 300:
				d.Status = kessai.DeliverySucceeded
			case a.HTTPStatus == 410:
				d.Status, d.FailureReason = kessai.DeliveryFailed, "the receiver answered 410 Gone; the endpoint is disabled"
				if err := w.disableEndpoint(d.EndpointID, "the receiver answered 410 Gone"); err != nil {
					return nil, err
				}
			case final:
				d.Status, d.FailureReason = kessai.DeliveryFailed, fmt.Sprintf("no success after %d attempts", len(d.Attempts))
			}
		}
		return d.Status, w.tx.Put(w.ctx, &d)
	})
	if err != nil {
		return "", err
	}
	return res.(string), nil
}

// disableEndpoint disables an endpoint, if it is still there.
func (w *W) disableEndpoint(id, reason string) error {
	var ep kessai.WebhookEndpoint
	err := w.tx.Get(w.ctx, kessai.KindWebhookEndpoint, w.acct.ID, id, true, &ep)
	if errors.Is(err, kessai.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	ep.Status, ep.DisabledReason, ep.UpdatedAt = kessai.EndpointDisabled, reason, w.now
	return w.tx.Put(w.ctx, &ep)
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
func (e *Engine) ListWebhookDeliveries(ctx context.Context, acct *kessai.Account, f DeliveryFilter, page kessai.Page) ([]*kessai.WebhookDelivery, bool, error) {
	const op = "engine.ListWebhookDeliveries"
	if f.Status != "" && !statusIn(f.Status, kessai.DeliveryPending, kessai.DeliverySucceeded, kessai.DeliveryFailed) {
		return nil, false, kessai.Invalidf(op, "status", "Input should be 'pending', 'succeeded' or 'failed'")
	}
	filter := map[string]string{"endpoint_id": f.EndpointID, "event_id": f.EventID, "status": f.Status}
	return list[kessai.WebhookDelivery](ctx, e, acct, kessai.KindWebhookDelivery, filter, page, op, "webhook_delivery")
}

// GetWebhookDelivery returns a delivery with its attempts. Errors:
// not_found.
func (e *Engine) GetWebhookDelivery(ctx context.Context, acct *kessai.Account, id string) (*kessai.WebhookDelivery, error) {
	const op = "engine.GetWebhookDelivery"
	var d kessai.WebhookDelivery
	err := e.view(ctx, op, func(tx kessai.Tx) error {
		return get(ctx, tx, kessai.KindWebhookDelivery, acct.ID, id, false, &d, op, "webhook_delivery")
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
func (e *Engine) RetryWebhookDelivery(ctx context.Context, acct *kessai.Account, id string) (*kessai.WebhookDelivery, error) {
	const op = "engine.RetryWebhookDelivery"
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		var d kessai.WebhookDelivery
		if err := get(w.ctx, w.tx, kessai.KindWebhookDelivery, w.acct.ID, id, true, &d, op, "webhook_delivery"); err != nil {
			return nil, err
		}
		var ep kessai.WebhookEndpoint
		err := w.tx.Get(w.ctx, kessai.KindWebhookEndpoint, w.acct.ID, d.EndpointID, false, &ep)
		switch {
		case errors.Is(err, kessai.ErrNoRows):
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "The endpoint %s of delivery %s was deleted.", d.EndpointID, d.ID)
		case err != nil:
			return nil, err
		case ep.Status != kessai.EndpointEnabled:
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "The endpoint %s is disabled; enable it before retrying.", ep.ID)
		}
		if err := w.queueDelivery(&d); err != nil {
			return nil, err
		}
		return &d, w.tx.Put(w.ctx, &d)
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
func (e *Engine) RedeliverEvent(ctx context.Context, acct *kessai.Account, eventID, endpointID string) ([]*kessai.WebhookDelivery, error) {
	const op = "engine.RedeliverEvent"
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		var ev kessai.Event
		if err := get(w.ctx, w.tx, kessai.KindEvent, w.acct.ID, eventID, false, &ev, op, "event"); err != nil {
			return nil, err
		}
		var targets []*kessai.WebhookEndpoint
		if endpointID != "" {
			var ep kessai.WebhookEndpoint
			if err := get(w.ctx, w.tx, kessai.KindWebhookEndpoint, w.acct.ID, endpointID, false, &ep, op, "webhook_endpoint"); err != nil {
				return nil, err
			}
			if ep.Status != kessai.EndpointEnabled {
				return nil, kessai.Errorf(kessai.InvalidStatus, op, "The endpoint %s is disabled; enable it first.", ep.ID)
			}
			if ep.Kind != kessai.EndpointKindOf(ev.Face) || (ep.Kind == kessai.EndpointAmazonIPN && IPNType(&ev) == "") {
				return nil, kessai.Errorf(kessai.InvalidStatus, op, "A %s endpoint does not receive the event %s (%s).", ep.Kind, ev.ID, ev.Type)
			}
			targets = append(targets, &ep)
		} else {
			docs, _, err := w.tx.List(w.ctx, kessai.KindWebhookEndpoint, w.acct.ID,
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
			d, err := w.newDelivery(ep, &ev)
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
