package amazonv2

import (
	"context"
	"net/http"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonpay"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
)

// The public keys are kessai's own API (/kessai/v1, secret-key
// authentication, problem+json errors): Amazon's Seller Central has no API
// for them.

// keyJSON is a public key as /kessai/v1 shows it.
type keyJSON struct {
	Object      string  `json:"object"`
	PublicKeyID string  `json:"public_key_id"`
	MerchantID  string  `json:"merchant_id"`
	StoreID     string  `json:"store_id"`
	Livemode    bool    `json:"livemode"`
	Status      string  `json:"status"` // active or revoked
	Bits        int     `json:"bits"`
	PublicKey   string  `json:"public_key"`
	CreatedAt   string  `json:"created_at"`
	RevokedAt   *string `json:"revoked_at"`
}

type keyListJSON struct {
	Object string    `json:"object"`
	Data   []keyJSON `json:"data"`
}

// KeyJSON renders a public key for kessai's API and CLI.
func KeyJSON(k *amazonpay.PublicKey, livemode bool) any {
	out := keyJSON{Object: "amazon_public_key", PublicKeyID: k.ID, MerchantID: k.MerchantID, StoreID: k.StoreID,
		Livemode: livemode, Status: "active", Bits: k.Bits, PublicKey: k.PEM, CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339)}
	if k.RevokedAt != nil {
		s := k.RevokedAt.UTC().Format(time.RFC3339)
		out.Status, out.RevokedAt = "revoked", &s
	}
	return out
}

func (f *Face) registerKeys(mux jsonapi.Router) {
	api := jsonapi.NewFace(f.E, f.Log, nil)
	mux.HandleFunc("POST /kessai/v1/amazon/public_keys", api.Post(f.createKey))
	mux.HandleFunc("GET /kessai/v1/amazon/public_keys", api.Get(f.listKeys))
	mux.HandleFunc("GET /kessai/v1/amazon/public_keys/{id}", api.Get(f.getKey))
	mux.HandleFunc("DELETE /kessai/v1/amazon/public_keys/{id}", api.Get(f.revokeKey))
	mux.HandleFunc("POST /kessai/v1/amazon/v2/charges/{id}/chargeback", api.Post(f.chargeback))
}

// chargeback files a sandbox chargeback on a Captured charge; the answer
// is the charge as API v2 shows it, with chargeback true.
func (f *Face) chargeback(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	ch, err := amazonpay.Chargeback(ctx, e, acct, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return struct {
		*chargeJSON
		Chargeback bool `json:"chargeback"`
	}{chargeJSONOf(ch), ch.Capture.Chargeback}, nil
}

func (f *Face) createKey(ctx context.Context, e *engine.Engine, acct *kessai.Account, r *http.Request, body []byte) (any, error) {
	var req struct {
		PublicKey *string `json:"public_key"`
	}
	if err := jsonapi.DecodeJSON(body, &req); err != nil {
		return nil, err
	}
	if req.PublicKey == nil {
		return nil, kessai.Invalidf("amazonv2.CreatePublicKey", "public_key", "Field required: the RSA public key in PEM.")
	}
	k, err := amazonpay.RegisterPublicKey(ctx, e, acct, *req.PublicKey)
	if err != nil {
		return nil, err
	}
	return KeyJSON(k, acct.Livemode), nil
}

func (f *Face) listKeys(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	keys, err := amazonpay.PublicKeys(ctx, f.E, acct)
	if err != nil {
		return nil, err
	}
	out := keyListJSON{Object: "list", Data: make([]keyJSON, 0, len(keys))}
	for _, k := range keys {
		out.Data = append(out.Data, KeyJSON(k, acct.Livemode).(keyJSON))
	}
	return out, nil
}

func (f *Face) getKey(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	k, err := amazonpay.GetPublicKey(ctx, f.E, acct, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return KeyJSON(k, acct.Livemode), nil
}

func (f *Face) revokeKey(ctx context.Context, acct *kessai.Account, r *http.Request) (any, error) {
	k, err := amazonpay.RevokePublicKey(ctx, f.E, acct, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return KeyJSON(k, acct.Livemode), nil
}
