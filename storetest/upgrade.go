package storetest

// V1Fixture names what a "v1" fixture holds: a database that kessai d9a9013
// (the hand-written migrator, schema_migrations at version 1, no goose
// table) wrote through its HTTP API. internal/testdb/v1fixture/make.sh
// makes the dumps and v1fixture.go, which records their ids.
type V1Fixture struct {
	AccountID string
	SecretKey string // authenticates AccountID

	PaidFlow    string    // card, automatic capture: 3000 JPY succeeded
	PaidRefunds [2]string // of PaidFlow: 1000 and 500 JPY, both succeeded
	CardMethod  string    // PaidFlow's payment method

	ManualFlow   string // card, manual capture: 2000 JPY in requires_capture
	ManualMethod string

	PayPayFlow   string // PayPay: 1200 JPY approved by the buyer, succeeded
	PayPayMethod string
	PayPayRefund string // of PayPayFlow: 400 JPY, pending

	Customer       string // with the saved card CustomerMethod
	CustomerMethod string

	ExpireJob string // pending expire_authorization of ManualFlow
	SettleJob string // pending settle_refund of PayPayRefund
}
