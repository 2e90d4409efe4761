package jsonapi_test

import (
	"encoding/json"
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/jsonapi"
)

// TestProblemOf_WordsRulesAsPAYJP: the engine names a broken rule and its
// limit; the JSON face words it as PAY.JP does, and the wire carries only
// field and message.
func TestProblemOf_WordsRulesAsPAYJP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"greater_than", kessai.InvalidRule("engine.X", "amount", kessai.RuleGreaterThan, 0), "Input should be greater than 0"},
		{"max_length", kessai.InvalidRule("engine.X", "description", kessai.RuleMaxLength, 255), "String should have at most 255 characters"},
		{"scalar", kessai.InvalidRule("engine.X", "metadata.k", kessai.RuleScalar, 0), "Input should be a string, an integer or a boolean"},
		{"free_text_kept", kessai.Invalidf("engine.X", "currency", "Input should be 'jpy'"), "Input should be 'jpy'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := jsonapi.ProblemBody(tt.err, "/v2/x")
			var p struct {
				Code   string           `json:"code"`
				Errors []map[string]any `json:"errors"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			if status != 422 || p.Code != "validation_error" || len(p.Errors) != 1 {
				t.Fatalf("status %d, body %s", status, body)
			}
			if got := p.Errors[0]["message"]; got != tt.want {
				t.Errorf("message = %q, want %q", got, tt.want)
			}
			if len(p.Errors[0]) != 2 {
				t.Errorf("field error on the wire = %v, want only field and message", p.Errors[0])
			}
		})
	}
}
