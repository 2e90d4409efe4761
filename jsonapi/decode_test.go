package jsonapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
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
		{"duplicate key, last would win", `{"amount":1,"amount":4000}`, "amount"},
		{"duplicate key in metadata", `{"metadata":{"k":"a","k":"b"}}`, "metadata.k"},
		{"null amount is not absent", `{"amount":null}`, "amount"},
		{"same key in two objects is fine", `{"metadata":{"amount":"1"},"amount":2}`, ""},
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

func TestDecodeJSON_Malformed(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"invalid UTF-8 in a value": "{\"currency\":\"\xff\xfe\"}",
		"invalid UTF-8 in a key":   "{\"metadata\":{\"\xff\":\"v\"}}",
		"nested too deeply":        `{"metadata":` + strings.Repeat("[", jsonapi.MaxDepth) + strings.Repeat("]", jsonapi.MaxDepth) + `}`,
	} {
		t.Run(name, func(t *testing.T) {
			var b flowBody
			err := jsonapi.DecodeJSON([]byte(body), &b)
			if kessai.ErrorCode(err) != kessai.Malformed {
				t.Fatalf("err %v, want invalid_request_body", err)
			}
			if status, _ := jsonapi.ProblemBody(err, "/v2/payment_flows"); status != 400 {
				t.Errorf("status %d, want 400", status)
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
		code := kessai.ErrorCode(err)
		if code != kessai.Invalid && code != kessai.Malformed {
			t.Fatalf("body %q: code %s, want validation_error or invalid_request_body (%v)", body, code, err)
		}
		status, raw := jsonapi.ProblemBody(err, "/v2/payment_flows")
		var p map[string]any
		want := map[kessai.Code]int{kessai.Invalid: 422, kessai.Malformed: 400}[code]
		if status != want || json.Unmarshal(raw, &p) != nil || p["code"] != string(code) {
			t.Fatalf("body %q: problem %d %s", body, status, raw)
		}
	})
}

// FuzzDecodeJSON_Differential compares DecodeJSON with encoding/json
// (unknown fields refused, numbers kept): whatever DecodeJSON accepts,
// encoding/json accepts with the same result; whatever encoding/json
// accepts and DecodeJSON refuses is refused for one of DecodeJSON's own
// rules (a key twice, invalid UTF-8, nesting, an integer given as null).
func FuzzDecodeJSON_Differential(f *testing.F) {
	for _, s := range []string{`{}`, `{"amount":1000,"currency":"jpy"}`, `{"amount":1,"amount":2}`, `{"amount":null}`,
		`{"metadata":{"a":"1","b":2,"c":true}}`, `{"payment_method_types":["card"]}`, "{\"currency\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(bytes.TrimSpace(body)) == 0 {
			return
		}
		var ours, std flowBody
		errOurs := jsonapi.DecodeJSON(body, &ours)
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		errStd := dec.Decode(&std)
		if errStd == nil {
			if _, err := dec.Token(); err != io.EOF {
				errStd = errors.New("trailing data")
			}
		}
		switch {
		case errOurs == nil && errStd != nil:
			t.Fatalf("body %q: DecodeJSON accepts what encoding/json refuses (%v)", body, errStd)
		case errOurs == nil && !reflect.DeepEqual(ours, std):
			t.Fatalf("body %q: DecodeJSON %+v, encoding/json %+v", body, ours, std)
		case errOurs != nil && errStd == nil:
			msg := errOurs.Error()
			var ke *kessai.Error
			if errors.As(errOurs, &ke) && len(ke.Fields) > 0 {
				msg += " " + ke.Fields[0].Message
			}
			if kessai.ErrorCode(errOurs) != kessai.Malformed && !strings.Contains(msg, "Duplicate key") && !bytes.Contains(body, []byte("null")) {
				t.Fatalf("body %q: DecodeJSON refuses what encoding/json accepts, for no rule of its own: %v", body, errOurs)
			}
		}
	})
}
