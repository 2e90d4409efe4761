// Package accounting is what a merchant's money looks like after the
// payments: the fees kessai charges on captures and gives back on refunds
// and chargebacks, the payment transactions they make, monthly terms and
// the statements and balances that settle them, report URLs, and PAY.JP
// disputes (opened and moved on by the test-mode network, lost ones
// charged back through the core's Chargeback). It sits above the core
// (package engine) and registers the jobs that close terms and balances
// and move disputes on.
package accounting

import "github.com/kessai/kessai/engine"

func init() {
	engine.RegisterJob(JobCloseTerm, engine.JobOf(closeTermJob))
	engine.RegisterJob(JobDisputeDeadline, engine.JobOf(disputeDeadline))
	engine.RegisterJob(JobCloseBalance, engine.JobOf(closeBalanceJob))
}
