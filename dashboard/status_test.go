package dashboard

import "testing"

func TestStatusLabel(t *testing.T) {
	t.Parallel()
	ja, en := labels("ja"), labels("en")
	for _, tt := range []struct{ in, ja, en string }{
		{"succeeded", "成功", "succeeded"},
		{"requires_action", "購入者の操作待ち", "requires_action"},
		{"Open", "オープン", "open"}, // Amazon's capitalised states
		{"something_new", "something_new", "something_new"},
	} {
		if got := statusLabel(ja, tt.in); got != tt.ja {
			t.Errorf("ja %q = %q, want %q", tt.in, got, tt.ja)
		}
		if got := statusLabel(en, tt.in); got != tt.en {
			t.Errorf("en %q = %q, want %q", tt.in, got, tt.en)
		}
	}
}
