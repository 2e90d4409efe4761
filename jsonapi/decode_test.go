package jsonapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/jsonapi"
)

type flowBody struct {
	Amount   jsonapi.Int      `json:"amount"`
	Currency *string          `json:"currency"`
	Confirm  *bool            `json:"confirm"`
	Types    []string         `json:"payment_method_types"`
	Metadata jsonapi.Metadata `json:"metadata"`
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, field string // field "" = accepted
	}{
		{"empty body is an empty object", ``, ""},
		{"valid", `{"amount":1000,"currency":"jpy","metadata":{"a":"b","n":3,"t":true}}`, ""},
		{"fraction amount", `{"amount":10.5}`, "amount"},
		{"string amount", `{"amount":"1000"}`, "amount"},
		{"overflowing amount", `{"amount":99999999999999999999}`, "amount"},
		{"unknown field", `{"amont":1}`, "amont"},
		{"wrong type", `{"currency":5}`, "currency"},
		{"nested metadata value", `{"metadata":{"a":{"b":1}}}`, "metadata.a"},
		{"metadata not an object", `{"metadata":[1]}`, "metadata"},
		{"syntax error", `{"amount":`, "body"},
		{"array body", `[1]`, "body"},
		{"trailing data", `{} {}`, "body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b flowBody
			err := jsonapi.DecodeJSON([]byte(c.body), &b)
			if c.field == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var ke *kessai.Error
			if err == nil || !asError(err, &ke) || ke.Code != kessai.Invalid || len(ke.Fields) == 0 || ke.Fields[0].Field != c.field {
				t.Fatalf("err %v, want validation_error on field %q", err, c.field)
			}
		})
	}
}

func asError(err error, target **kessai.Error) bool {
	e, ok := err.(*kessai.Error)
	*target = e
	return ok
}

// FuzzDecodeJSON: any body either decodes or is a validation_error whose
// problem document renders as valid JSON with status 422.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"amount":1000,"currency":"jpy"}`, `{"amount":1e400}`, `{"metadata":{"a":null}}`,
		`{"payment_method_types":["card",1]}`, `{"amount":-0}`, "{\"currency\":\"\xff\"}", `{"confirm":"true"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var b flowBody
		err := jsonapi.DecodeJSON(body, &b)
		if err == nil {
			return
		}
		if kessai.ErrorCode(err) != kessai.Invalid {
			t.Fatalf("body %q: code %s, want validation_error (%v)", body, kessai.ErrorCode(err), err)
		}
		status, raw := jsonapi.ProblemBody(err, "/v2/payment_flows")
		var p map[string]any
		if status != 422 || json.Unmarshal(raw, &p) != nil || !strings.Contains(string(raw), `"validation_error"`) {
			t.Fatalf("body %q: problem %d %s", body, status, raw)
		}
	})
}
