package processor

import (
	"encoding/json"
	"strings"

	"github.com/kessai/kessai"
)

// Amazon Pay's sandbox decides outcomes from simulation strings that the
// seller puts in a note field of the request:
//
//	{"SandboxSimulation": {"State":"Declined", "ReasonCode":"AmazonRejected"}}
//
// Each note field accepts its own set (Amazon's sandbox table). A note that
// does not mention SandboxSimulation is an ordinary note.

// SimulationTarget names the note field a simulation string came in.
type SimulationTarget int

// The note fields that carry simulations.
const (
	SimOrderNote     SimulationTarget = iota // SellerNote of SetOrderReferenceDetails
	SimOrderClose                            // ClosureReason of CloseOrderReference
	SimAuthorization                         // SellerAuthorizationNote of Authorize
	SimCapture                               // SellerCaptureNote of Capture
	SimRefund                                // SellerRefundNote of Refund
)

// Simulation is a parsed sandbox simulation.
type Simulation struct {
	State                         string `json:"State"`
	ReasonCode                    string `json:"ReasonCode"`
	Constraint                    string `json:"Constraint"`
	PaymentMethodUpdateTimeInMins int    `json:"PaymentMethodUpdateTimeInMins"`
	ExpirationTimeInMins          int    `json:"ExpirationTimeInMins"`
	SoftDecline                   string `json:"SoftDecline"`
}

// simulations lists, per target, the State/ReasonCode (or Constraint)
// pairs the sandbox accepts.
var simulations = map[SimulationTarget][]string{
	SimOrderNote:     {"Constraint:PaymentMethodNotAllowed"},
	SimOrderClose:    {"Closed/AmazonClosed"},
	SimAuthorization: {"Declined/InvalidPaymentMethod", "Declined/AmazonRejected", "Declined/TransactionTimedOut", "Closed/ExpiredUnused", "Closed/AmazonClosed"},
	SimCapture:       {"Pending/", "Declined/AmazonRejected", "Closed/AmazonClosed"},
	SimRefund:        {"Declined/AmazonRejected"},
}

// ParseSimulation reads the simulation in a note for target: nil when the
// note holds none. Errors: invalid_sandbox_simulation, for a note that
// mentions SandboxSimulation but is not a simulation this field accepts.
func ParseSimulation(target SimulationTarget, note string) (*Simulation, error) {
	const op = "processor.ParseSimulation"
	if !strings.Contains(note, "SandboxSimulation") {
		return nil, nil
	}
	bad := func(why string) error {
		return kessai.Errorf(kessai.InvalidSimulation, op, "The sandbox simulation %q is not valid here: %s.", note, why)
	}
	var outer map[string]json.RawMessage
	if err := json.Unmarshal([]byte(note), &outer); err != nil {
		return nil, bad("it is not a JSON object")
	}
	raw, ok := outer["SandboxSimulation"]
	if !ok || len(outer) != 1 {
		return nil, bad(`expected {"SandboxSimulation": {…}}`)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var sim Simulation
	if err := dec.Decode(&sim); err != nil {
		return nil, bad("unknown or malformed members")
	}
	key := sim.State + "/" + sim.ReasonCode
	if sim.Constraint != "" {
		key = "Constraint:" + sim.Constraint
		if sim.State != "" || sim.ReasonCode != "" {
			return nil, bad("a constraint goes alone")
		}
	}
	allowed := false
	for _, k := range simulations[target] {
		allowed = allowed || k == key
	}
	if !allowed {
		return nil, bad("the field does not accept " + key)
	}
	if sim.PaymentMethodUpdateTimeInMins != 0 && key != "Declined/InvalidPaymentMethod" ||
		sim.ExpirationTimeInMins != 0 && key != "Closed/ExpiredUnused" ||
		sim.SoftDecline != "" && key != "Declined/InvalidPaymentMethod" {
		return nil, bad("a member does not belong to " + key)
	}
	if sim.PaymentMethodUpdateTimeInMins < 0 || sim.PaymentMethodUpdateTimeInMins > 24*60 ||
		sim.ExpirationTimeInMins < 0 || sim.ExpirationTimeInMins > 30*24*60 {
		return nil, bad("a time is out of range")
	}
	if sim.SoftDecline != "" && sim.SoftDecline != "true" && sim.SoftDecline != "false" {
		return nil, bad(`SoftDecline is "true" or "false"`)
	}
	return &sim, nil
}
