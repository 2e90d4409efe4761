package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kessai/kessai/amazonv2"
)

// v2Account is what the amazon-v2 workload signs with: a key pair made
// for the run, its public key registered with the account's secret key.
type v2Account struct {
	signer *amazonv2.Signer
	store  string
}

// registerV2 makes the run's key pair and registers its public key.
func (c *client) registerV2(ctx context.Context) (*v2Account, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	status, out, err := c.do(ctx, "POST", "/kessai/v1/amazon/public_keys",
		map[string]any{"public_key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}, false)
	if err != nil || status != 200 {
		return nil, fmt.Errorf("register a public key: %s", errKey(status, out, err))
	}
	id, _ := out["public_key_id"].(string)
	store, _ := out["store_id"].(string)
	return &v2Account{signer: &amazonv2.Signer{Key: key, PublicKeyID: id}, store: store}, nil
}

// v2Unit is one API v2 checkout: Create Checkout Session, Update (¥1,000,
// AuthorizeWithCapture), the sandbox buyer's approval, Complete, and a
// ¥100 Create Refund, through the signed face.
func (c *client) v2Unit(ctx context.Context) (int, map[string]any, error) {
	key := func(step string) string { return fmt.Sprintf("%s%s%d", step, c.run[len(c.run)-8:], c.seq.Add(1)) }
	status, s, err := c.v2(ctx, "POST", "/v2/checkoutSessions", key("s"), map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutReviewReturnUrl": "https://bench.example/review"}, "storeId": c.v2acct.store})
	if err != nil || status != 201 {
		return status, map[string]any{"code": "v2 CreateCheckoutSession"}, err
	}
	id, _ := s["checkoutSessionId"].(string)
	status, s, err = c.v2(ctx, "PATCH", "/v2/checkoutSessions/"+id, "", map[string]any{
		"webCheckoutDetails": map[string]any{"checkoutResultReturnUrl": "https://bench.example/result"},
		"paymentDetails":     map[string]any{"paymentIntent": "AuthorizeWithCapture", "chargeAmount": map[string]string{"amount": "1000", "currencyCode": "JPY"}}})
	if err != nil || status != 200 {
		return status, map[string]any{"code": "v2 UpdateCheckoutSession"}, err
	}
	wc, _ := s["webCheckoutDetails"].(map[string]any)
	redirect, _ := wc["amazonPayRedirectUrl"].(string)
	req, err := http.NewRequestWithContext(ctx, "POST", redirect, strings.NewReader("payment_method=1111"))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Transport.RoundTrip(req) // the 303 is the answer; not followed
	if err != nil {
		return 0, nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return resp.StatusCode, map[string]any{"code": "v2 approval"}, nil
	}
	status, s, err = c.v2(ctx, "POST", "/v2/checkoutSessions/"+id+"/complete", "", map[string]any{
		"chargeAmount": map[string]string{"amount": "1000", "currencyCode": "JPY"}})
	if err != nil || status != 200 {
		return status, map[string]any{"code": "v2 CompleteCheckoutSession"}, err
	}
	charge, _ := s["chargeId"].(string)
	status, s, err = c.v2(ctx, "POST", "/v2/refunds", key("r"), map[string]any{"chargeId": charge,
		"refundAmount": map[string]string{"amount": "100", "currencyCode": "JPY"}})
	if err != nil || status != 201 {
		return status, map[string]any{"code": "v2 CreateRefund"}, err
	}
	return 200, nil, nil
}

// v2 sends one signed API v2 request; key, if set, is its idempotency key.
func (c *client) v2(ctx context.Context, method, path, key string, body any) (int, map[string]any, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.URL+path, bytes.NewReader(raw))
	if err != nil {
		return 0, nil, err
	}
	if key != "" {
		req.Header.Set(amazonv2.IdempotencyHeader, key)
	}
	if err := c.v2acct.signer.Sign(req, raw, time.Now()); err != nil {
		return 0, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out, nil
}
