// Package payjpflow is the PAY.JP v2 application above the core: payment
// flows (create, update, confirm, approve or decline, capture, cancel,
// expire), setup flows, checkout sessions and their buyer pages,
// customers and payment methods, the catalogue (products, prices, tax
// rates) and payment method configurations, and PAY.JP refunds. Its
// policy (PAY.JP's caps, refund windows, ids, synchronous card refunds and
// pending PayPay ones, event names) is registered with the core when the
// package is loaded, with the jobs that expire authorizations and
// checkout sessions. Money moves only through the core's operations
// (engine.W's NewAuthorization, CaptureAuthorization, ReleaseAuthorization,
// Refund); fees and payment transactions are package accounting's.
package payjpflow
