package validator_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kessai/kessai/api"
	"github.com/kessai/kessai/api/validator"
)

// MustValidator returns a Validator for the embedded document.
func MustValidator(tb testing.TB) *validator.Validator {
	tb.Helper()
	v, err := validator.NewValidator()
	if err != nil {
		tb.Fatalf("NewValidator: %v", err)
	}
	return v
}

// MustJSON encodes v.
func MustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("json.Marshal: %v", err)
	}
	return b
}

func TestDocument_Valid(t *testing.T) {
	t.Parallel()
	if len(api.Document()) == 0 {
		t.Fatal("Document() is empty")
	}
	doc, err := validator.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}

	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		for method, op := range doc.Paths.Value(path).Operations() {
			name := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", name)
			}
			if op.Extensions["x-kessai-page"] == true || op.Extensions["x-kessai-file"] == true {
				continue // a browser page (HTML and a form) or a file (a certificate), not part of the JSON API
			}
			if r := op.Responses.Status(http.StatusOK); r == nil || r.Value.Content.Get("application/json") == nil {
				t.Errorf("%s: no 200 application/json response", name)
			}
			security := doc.Security
			if op.Security != nil {
				security = *op.Security
			}
			if len(security) > 0 && op.Responses.Status(http.StatusUnauthorized) == nil {
				t.Errorf("%s: authenticated operation declares no 401", name)
			}
			if method == http.MethodPost {
				if op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "Idempotency-Key") == nil {
					t.Errorf("%s: POST without the Idempotency-Key header", name)
				}
				if op.Responses.Status(http.StatusConflict) == nil {
					t.Errorf("%s: POST declares no 409 for idempotency conflicts", name)
				}
			}
			for code, resp := range op.Responses.Map() {
				if (strings.HasPrefix(code, "4") || strings.HasPrefix(code, "5")) && !isProblem(resp.Value) {
					t.Errorf("%s %s: error response is not only application/problem+json with the Problem schema", name, code)
				}
			}
		}
	}
}

func isProblem(r *openapi3.Response) bool {
	mt := r.Content["application/problem+json"]
	return len(r.Content) == 1 && mt != nil && mt.Schema != nil &&
		mt.Schema.Ref == "#/components/schemas/Problem"
}

// paymentFlow returns a payment flow as kessai answers it, as a fresh map each time.
func paymentFlow() map[string]any {
	return map[string]any{
		"object":                 "payment_flow",
		"id":                     "pfw_01jabcdefghijk",
		"livemode":               false,
		"amount":                 1000,
		"currency":               "jpy",
		"amount_capturable":      1000,
		"amount_received":        nil,
		"client_secret":          "pfw_01jabcdefghijk_secret_abc",
		"customer_id":            "cus_01jabcdefghijk",
		"description":            nil,
		"payment_method_id":      "pm_01jabcdefghijk",
		"payment_method_options": nil,
		"payment_method_types":   []any{"card", "paypay"},
		"status":                 "requires_action",
		"next_action": map[string]any{
			"type": "redirect_to_url",
			"redirect_to_url": map[string]any{
				"url":        "http://127.0.0.1:8080/kessai/v1/checkout/pfw_01jabcdefghijk",
				"return_url": "https://shop.example/return",
			},
		},
		"return_url":          "https://shop.example/return",
		"capture_method":      "manual",
		"last_payment_error":  nil,
		"cancellation_reason": nil,
		"canceled_at":         nil,
		"expired_at":          nil,
		"metadata":            map[string]any{"order_id": "42", "attempt": 2, "gift": true},
		"created_at":          "2026-01-02T03:04:05Z",
		"updated_at":          "2026-01-02T03:04:06Z",
	}
}

func cardPaymentMethod() map[string]any {
	return map[string]any{
		"object":      "payment_method",
		"id":          "pm_01jabcdefghijk",
		"livemode":    false,
		"type":        "card",
		"customer_id": nil,
		"detached_at": nil,
		"billing_details": map[string]any{
			"email": "buyer@example.com", "name": nil, "phone": nil,
			"address": map[string]any{"country": nil, "zip": nil, "state": nil, "city": nil, "line1": nil, "line2": nil},
		},
		"card": map[string]any{
			"brand": "Visa", "last4": "4242", "exp_month": 12, "exp_year": 2030,
			"fingerprint": "fp_abc", "country": nil,
		},
		"metadata":   map[string]any{},
		"created_at": "2026-01-02T03:04:05Z",
		"updated_at": "2026-01-02T03:04:05Z",
	}
}

func TestValidator_ValidateResponse(t *testing.T) {
	t.Parallel()
	v := MustValidator(t)

	const base = "http://127.0.0.1:54321"
	flowURL := base + "/v2/payment_flows/pfw_01jabcdefghijk"
	jsonCT := "application/json"
	problemCT := "application/problem+json"
	problem := func() map[string]any {
		return map[string]any{
			"type": "about:blank", "title": "Not Found", "status": 404, "code": "not_found",
			"detail": "payment_flow: pfw_x not found.", "instance": "/v2/payment_flows/pfw_x",
		}
	}
	with := func(m map[string]any, key string, value any) map[string]any {
		m[key] = value
		return m
	}
	without := func(m map[string]any, key string) map[string]any {
		delete(m, key)
		return m
	}
	paypay := with(without(cardPaymentMethod(), "card"), "type", "paypay")

	tests := []struct {
		name        string
		method, url string
		status      int
		contentType string
		body        any
		wantErr     string // "" when the response fits the document
	}{
		{"valid flow passes", http.MethodGet, flowURL, 200, jsonCT, paymentFlow(), ""},
		{"flow with charset passes", http.MethodGet, flowURL, 200, jsonCT + "; charset=utf-8", paymentFlow(), ""},
		{"captured flow passes", http.MethodPost, flowURL + "/capture", 200, jsonCT,
			with(with(with(paymentFlow(), "status", "succeeded"), "amount_received", 1000), "next_action", nil), ""},
		{"flow list passes", http.MethodGet, base + "/v2/payment_flows?limit=2&customer_id=cus_1", 200, jsonCT,
			map[string]any{"object": "list", "data": []any{paymentFlow()}, "has_more": false, "url": "/v2/payment_flows"}, ""},
		{"expired flow passes", http.MethodGet, flowURL, 200, jsonCT,
			with(with(with(with(paymentFlow(), "status", "canceled"), "cancellation_reason", "expired"), "canceled_at", "2026-01-09T03:04:05Z"), "next_action", nil), ""},
		{"unknown cancellation reason fails", http.MethodGet, flowURL, 200, jsonCT, with(paymentFlow(), "cancellation_reason", "bored"), `"/cancellation_reason": value is not one of the allowed values`},
		{"missing required field fails", http.MethodGet, flowURL, 200, jsonCT, without(paymentFlow(), "client_secret"), `"client_secret" is missing`},
		{"missing nullable field fails", http.MethodGet, flowURL, 200, jsonCT, without(paymentFlow(), "canceled_at"), `"canceled_at" is missing`},
		{"amount as string fails", http.MethodGet, flowURL, 200, jsonCT, with(paymentFlow(), "amount", "1000"), `"/amount": value must be an integer`},
		{"unknown status fails", http.MethodGet, flowURL, 200, jsonCT, with(paymentFlow(), "status", "done"), `"/status": value is not one of the allowed values`},
		{"non-UTC timestamp fails", http.MethodGet, flowURL, 200, jsonCT, with(paymentFlow(), "created_at", "2026-01-02T12:04:05+09:00"), `"/created_at": string doesn't match`},
		{"nested metadata fails", http.MethodGet, flowURL, 200, jsonCT, with(paymentFlow(), "metadata", map[string]any{"a": map[string]any{}}), `"/metadata/a"`},
		{"flow as problem+json fails", http.MethodGet, flowURL, 200, problemCT, paymentFlow(), `Content-Type has unexpected value`},
		{"undeclared status fails", http.MethodGet, flowURL, 201, jsonCT, paymentFlow(), `status is not supported`},
		{"problem 404 passes", http.MethodGet, flowURL, 404, problemCT, problem(), ""},
		{"problem as application/json fails", http.MethodGet, flowURL, 404, jsonCT, problem(), `Content-Type has unexpected value`},
		{"problem without code fails", http.MethodGet, flowURL, 404, problemCT, without(problem(), "code"), `"code" is missing`},
		{"card payment method passes", http.MethodGet, base + "/v2/payment_methods/pm_01jabcdefghijk", 200, jsonCT, cardPaymentMethod(), ""},
		{"paypay payment method passes", http.MethodGet, base + "/v2/payment_methods/pm_01jabcdefghijk", 200, jsonCT, paypay, ""},
		{"paypay with card details fails", http.MethodGet, base + "/v2/payment_methods/pm_01jabcdefghijk", 200, jsonCT,
			with(with(cardPaymentMethod(), "type", "paypay"), "customer_id", "cus_1"), `doesn't match schema`},
		{"card without card details fails", http.MethodGet, base + "/v2/payment_methods/pm_01jabcdefghijk", 200, jsonCT, without(cardPaymentMethod(), "card"), `"card" is missing`},
		{"deleted customer passes", http.MethodDelete, base + "/v2/customers/cus_1", 200, jsonCT,
			map[string]any{"id": "cus_1", "object": "customer", "livemode": false, "email": nil, "description": nil,
				"default_payment_method_id": nil, "metadata": map[string]any{}, "created_at": "2026-01-02T03:04:05Z",
				"updated_at": "2026-01-02T03:04:05Z", "deleted": true}, ""},
		{"clock passes", http.MethodGet, base + "/kessai/v1/clock", 200, jsonCT, map[string]any{"now": "2026-01-02T03:04:05Z"}, ""},
		{"health passes", http.MethodGet, base + "/healthz", 200, jsonCT, map[string]any{"status": "ok"}, ""},
		{"unknown route fails", http.MethodGet, base + "/v2/charges", 200, jsonCT, map[string]any{}, `no such operation`},
		{"undeclared method fails", http.MethodDelete, flowURL, 200, jsonCT, paymentFlow(), `no such operation`},
		{"trailing slash fails", http.MethodGet, flowURL + "/", 200, jsonCT, paymentFlow(), `no such operation`},
		{"empty path parameter fails", http.MethodPost, base + "/v2/payment_flows//capture", 200, jsonCT, paymentFlow(), `no such operation`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, tt.url, nil)
			header := http.Header{"Content-Type": {tt.contentType}}
			err := v.ValidateResponse(req, tt.status, header, MustJSON(t, tt.body))
			checkErr(t, err, tt.wantErr)
		})
	}
}

func TestValidator_ValidateRequest(t *testing.T) {
	t.Parallel()
	v := MustValidator(t)

	const base = "http://127.0.0.1:54321"
	flow := `{"amount":1000,"currency":"jpy","capture_method":"manual","metadata":{"order_id":"42"}}`
	tests := []struct {
		name        string
		method, url string
		header      map[string]string
		body        string
		wantErr     string // "" when the request fits the document
	}{
		{"bearer create passes", http.MethodPost, base + "/v2/payment_flows",
			map[string]string{"Authorization": "Bearer sk_test_abc", "Idempotency-Key": "order-42_a"}, flow, ""},
		{"basic create passes", http.MethodPost, base + "/v2/payment_flows",
			map[string]string{"Authorization": "Basic c2tfdGVzdF9hYmM6"}, flow, ""},
		{"no credentials fail", http.MethodPost, base + "/v2/payment_flows", nil, flow, `security requirements failed`},
		{"amount below 50 fails", http.MethodPost, base + "/v2/payment_flows",
			map[string]string{"Authorization": "Bearer sk_test_abc"}, `{"amount":49,"currency":"jpy"}`, `"/amount": number must be at least 50`},
		{"missing currency fails", http.MethodPost, base + "/v2/payment_flows",
			map[string]string{"Authorization": "Bearer sk_test_abc"}, `{"amount":1000}`, `"currency" is missing`},
		{"malformed idempotency key fails", http.MethodPost, base + "/v2/payment_flows",
			map[string]string{"Authorization": "Bearer sk_test_abc", "Idempotency-Key": "has space"}, flow, `"Idempotency-Key" in header has an error`},
		{"card payment method passes", http.MethodPost, base + "/v2/payment_methods",
			map[string]string{"Authorization": "Bearer sk_test_abc"},
			`{"type":"card","card":{"number":"4242424242424242","exp_month":12,"exp_year":2030,"cvc":"123"},"billing_details":{"email":"a@example.com"}}`, ""},
		{"unknown refund reason fails", http.MethodPost, base + "/v2/refunds",
			map[string]string{"Authorization": "Bearer sk_test_abc"}, `{"payment_flow":"pfw_1","reason":"other"}`, `"/reason": value is not one of the allowed values`},
		{"limit over 100 fails", http.MethodGet, base + "/v2/events?limit=101",
			map[string]string{"Authorization": "Bearer sk_test_abc"}, "", `"limit" in query has an error`},
		{"cancel without body passes", http.MethodPost, base + "/v2/payment_flows/pfw_1/cancel",
			map[string]string{"Authorization": "Bearer sk_test_abc"}, "", ""},
		{"health without credentials passes", http.MethodGet, base + "/readyz", nil, "", ""},
		{"unknown route fails", http.MethodGet, base + "/v1/charges",
			map[string]string{"Authorization": "Bearer sk_test_abc"}, "", `no such operation`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, tt.url, nil) // the body goes in as bytes
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, val := range tt.header {
				req.Header.Set(k, val)
			}
			err := v.ValidateRequest(req, []byte(tt.body))
			checkErr(t, err, tt.wantErr)
		})
	}
}

// checkErr fails the test unless err is nil when want is empty, or mentions want.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Errorf("no error, want one mentioning %s", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("error = %v, want one mentioning %s", err, want)
	}
}

func TestAmazonPayV2Document_Valid(t *testing.T) {
	t.Parallel()
	doc, err := validator.LoadAmazonPayV2()
	if err != nil {
		t.Fatalf("LoadAmazonPayV2: %v", err)
	}
	n := 0
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		if !strings.HasPrefix(path, "/v2/") {
			t.Errorf("%s: the face's paths start /v2/", path)
		}
		for method, op := range doc.Paths.Value(path).Operations() {
			n++
			name := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", name)
			}
			for _, status := range []int{400, 401, 403, 404, 422, 429, 500, 503} {
				r := op.Responses.Status(status)
				if r == nil || r.Value.Content.Get("application/json") == nil || r.Value.Content.Get("application/json").Schema.Ref != "#/components/schemas/Error" {
					t.Errorf("%s: no %d answer of Amazon's error shape", name, status)
				}
			}
		}
	}
	if n != 15 {
		t.Errorf("%d operations, want the 15 the face serves", n)
	}
}
