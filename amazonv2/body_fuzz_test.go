package amazonv2

import "testing"

// FuzzSessionBody: no checkout session body makes the decoder or the
// parameters' checks panic, and an accepted amount is within MaxAmount.
func FuzzSessionBody(f *testing.F) {
	f.Add([]byte(`{"webCheckoutDetails":{"checkoutReviewReturnUrl":"https://x.example"},"storeId":"s","paymentDetails":{"paymentIntent":"Authorize","chargeAmount":{"amount":"1000","currencyCode":"JPY"}}}`))
	f.Add([]byte(`{"paymentDetails":{"chargeAmount":{"amount":"-1","currencyCode":"JPY"}}}`))
	f.Add([]byte(`{"chargePermissionType":"Recurring"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in sessionIn
		if err := decode(body, &in); err != nil {
			if errorOf(err).ReasonCode != "InvalidRequestFormat" {
				t.Fatalf("decode: %v", err)
			}
			return
		}
		p, err := in.params()
		if err != nil {
			if we := errorOf(err); we.Status != 400 {
				t.Fatalf("params: %v", err)
			}
			return
		}
		if p.ChargeAmount != nil && (*p.ChargeAmount < 0 || *p.ChargeAmount > MaxAmount) {
			t.Fatalf("amount %d accepted", *p.ChargeAmount)
		}
	})
}
