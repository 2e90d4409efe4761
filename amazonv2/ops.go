package amazonv2

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonpay"
)

// routes registers the operations kessai serves, on paths without the
// environment.
func (f *Face) routes() {
	f.ops.HandleFunc("GET /v2/buyers/{buyerToken}", f.getBuyer)
	f.ops.HandleFunc("POST /v2/checkoutSessions", f.createCheckoutSession)
	f.ops.HandleFunc("GET /v2/checkoutSessions/{id}", f.getCheckoutSession)
	f.ops.HandleFunc("PATCH /v2/checkoutSessions/{id}", f.updateCheckoutSession)
	f.ops.HandleFunc("POST /v2/checkoutSessions/{id}/complete", f.completeCheckoutSession)
	f.ops.HandleFunc("POST /v2/checkoutSessions/{id}/finalize", f.finalizeCheckoutSession)
	f.ops.HandleFunc("GET /v2/chargePermissions/{id}", f.getChargePermission)
	f.ops.HandleFunc("PATCH /v2/chargePermissions/{id}", f.updateChargePermission)
	f.ops.HandleFunc("DELETE /v2/chargePermissions/{id}/close", f.closeChargePermission)
	f.ops.HandleFunc("POST /v2/charges", f.createCharge)
	f.ops.HandleFunc("GET /v2/charges/{id}", f.getCharge)
	f.ops.HandleFunc("POST /v2/charges/{id}/capture", f.captureCharge)
	f.ops.HandleFunc("DELETE /v2/charges/{id}/cancel", f.cancelCharge)
	f.ops.HandleFunc("POST /v2/refunds", f.createRefund)
	f.ops.HandleFunc("GET /v2/refunds/{id}", f.getRefund)
}

// ok answers v as JSON with status.
func (f *Face) ok(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		f.fail(w, r, kessai.WrapInternal("amazonv2.render", err))
		return
	}
	writeJSON(w, status, body)
}

// buyerJSON is Get Buyer's answer.
type buyerJSON struct {
	BuyerID              string             `json:"buyerId"`
	Name                 string             `json:"name"`
	Email                string             `json:"email"`
	PostalCode           string             `json:"postalCode"`
	CountryCode          string             `json:"countryCode"`
	PhoneNumber          string             `json:"phoneNumber"`
	ShippingAddress      *amazonpay.Address `json:"shippingAddress"`
	BillingAddress       *amazonpay.Address `json:"billingAddress"`
	PrimeMembershipTypes []string           `json:"primeMembershipTypes"`
}

// getBuyer is Get Buyer: in the sandbox, any buyer token is the sandbox
// buyer's (kessai's simulated buyer signs in to every button).
func (f *Face) getBuyer(w http.ResponseWriter, r *http.Request) {
	req := requestOf(r)
	token := r.PathValue("buyerToken")
	if strings.TrimSpace(token) == "" || len(token) > 1024 {
		f.fail(w, r, invalidParameter("The buyer token is not valid."))
		return
	}
	if req.acct.Livemode {
		f.fail(w, r, kessai.Errorf(kessai.LiveModeUnsupported, "amazonv2.GetBuyer", "kessai has no live Amazon buyers: use a sandbox key."))
		return
	}
	b := amazonpay.SandboxBuyer(req.acct)
	addr := b.Address
	f.ok(w, r, http.StatusOK, buyerJSON{BuyerID: b.BuyerID, Name: b.Name, Email: b.Email, PostalCode: b.PostalCode,
		CountryCode: b.CountryCode, PhoneNumber: b.PhoneNumber, ShippingAddress: &addr, BillingAddress: &addr, PrimeMembershipTypes: nil})
}
