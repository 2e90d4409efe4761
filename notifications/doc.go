// Package notifications is the feature of what kessai tells the outside
// world, above the core: webhook endpoints and their sealed signing
// secrets, the delivery of every event a write records to the endpoints
// that want it (a delivery and its job written in the event's own
// transaction), the delivery log and retries, buyer emails about
// completed Amazon refunds with the account's notification settings, and
// the outbox. Package notify makes the deliveries; this package decides
// and records them.
//
// Loading the package registers it with every engine made afterwards: its
// event hook (deliver) and its two job kinds on the notify queue.
package notifications

import "github.com/kessai/kessai/engine"

func init() {
	engine.RegisterEventHook(deliver)
	engine.RegisterOutsideJob(JobDeliverWebhook)
	engine.RegisterOutsideJob(JobSendEmail)
}
