package mws

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want Params
	}{
		{"empty body", "", Params{}},
		{"plain pairs", "Action=Authorize&SellerId=A1", Params{"Action": "Authorize", "SellerId": "A1"}},
		{"plus is a space", "SellerNote=two+words", Params{"SellerNote": "two words"}},
		{"percent escapes in either case", "T=2015-12-31T23%3a59%3A58Z&S=a%2Fb%3d", Params{"T": "2015-12-31T23:59:58Z", "S": "a/b="}},
		{"name without value", "CaptureNow&Action=Capture", Params{"CaptureNow": "", "Action": "Capture"}},
		{"empty value", "SellerNote=", Params{"SellerNote": ""}},
		{"value with '='", "Signature=abc%3D%3D&X=a=b", Params{"Signature": "abc==", "X": "a=b"}},
		{"empty pairs skipped", "&A=1&&B=2&", Params{"A": "1", "B": "2"}},
		{"multibyte UTF-8", "SellerNote=%E6%B1%BA%E6%B8%88", Params{"SellerNote": "決済"}},
		{"unknown names kept", "SoftDecriptor=typo", Params{"SoftDecriptor": "typo"}},
		{"names are case-sensitive", "action=a&Action=b", Params{"action": "a", "Action": "b"}},
		{"semicolon is not a separator", "A=1;B=2", Params{"A": "1;B=2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseForm([]byte(tc.body))
			if err != nil {
				t.Fatalf("ParseForm(%q): %v", tc.body, err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("ParseForm(%q) = %v, want %v", tc.body, got, tc.want)
			}
			for k, v := range tc.want {
				if got.Get(k) != v || !got.Has(k) {
					t.Errorf("ParseForm(%q)[%q] = %q, want %q", tc.body, k, got.Get(k), v)
				}
			}
		})
	}
}

func TestParseForm_Refused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, inMessage string
	}{
		{"duplicate name", "Action=Authorize&Amount=1&Action=Capture", "Action is given more than once"},
		{"duplicate name with equal values", "A=1&A=1", "A is given more than once"},
		{"duplicate after decoding", "A=1&%41=2", "A is given more than once"},
		{"empty name", "=x", "no name"},
		{"bad escape in value", "A=%zz", "A is not valid form encoding"},
		{"truncated escape", "A=%4", "not valid form encoding"},
		{"bad escape in name", "%G1=2", "not valid form encoding"},
		{"value not UTF-8", "A=%FF%FE", "A is not UTF-8"},
		{"name not UTF-8", "%C3=1", "name is not UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseForm([]byte(tc.body))
			var fe *faceError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseForm(%q) = %v, want an InvalidParameterValue", tc.body, err)
			}
			if fe.code != "InvalidParameterValue" || fe.status != http.StatusBadRequest {
				t.Errorf("ParseForm(%q): %s %d, want InvalidParameterValue 400", tc.body, fe.code, fe.status)
			}
			if !strings.Contains(fe.message, tc.inMessage) {
				t.Errorf("ParseForm(%q): message %q does not say %q", tc.body, fe.message, tc.inMessage)
			}
		})
	}
}

func TestReadForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType, body string
		ok                      bool
	}{
		{"SDK content type", "application/x-www-form-urlencoded", "A=1", true},
		{"with a charset", "application/x-www-form-urlencoded; charset=UTF-8", "A=1", true},
		{"Amazon's sample content type", "x-www-form-urlencoded", "A=1", true},
		{"no content type", "", "A=1", true},
		{"JSON refused", "application/json", `{"A":1}`, false},
		{"multipart refused", "multipart/form-data; boundary=x", "A=1", false},
		{"body over the limit", "application/x-www-form-urlencoded", "A=" + strings.Repeat("x", MaxBody), false},
		{"body at the limit", "application/x-www-form-urlencoded", "A=" + strings.Repeat("x", MaxBody-2), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "/OffAmazonPayments_Sandbox/2013-01-01", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			p, err := readForm(httptest.NewRecorder(), r)
			if tc.ok && (err != nil || p.Get("A") == "") {
				t.Fatalf("readForm: %v, %v", p, err)
			}
			var fe *faceError
			if !tc.ok && (!errors.As(err, &fe) || fe.code != "InvalidParameterValue") {
				t.Fatalf("readForm = %v, want InvalidParameterValue", err)
			}
		})
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 100)
	got := clip(long)
	if !utf8.ValidString(got) || len(got) > 64+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("clip(100 × é) = %q", got)
	}
	if clip("short") != "short" {
		t.Error("clip changed a short string")
	}
}

// encodeForm writes p as a form body in sorted order.
func encodeForm(p Params) string {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, k := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(p[k]))
	}
	return b.String()
}

// FuzzParseForm: any body either parses or is refused with
// InvalidParameterValue; what parses has UTF-8 names and values, no empty
// name, and encodes back to a body that parses to the same parameters.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{
		"", "A=1", "A=1&A=2", "=", "&&", "A", "%", "%zz=1", "A=%FF", "a+b=c+d",
		"AWSAccessKeyId=AKIA&Action=Authorize&Timestamp=2015-12-31T23%3A59%3A58Z",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParseForm(body)
		if err != nil {
			var fe *faceError
			if !errors.As(err, &fe) || fe.code != "InvalidParameterValue" || fe.status != http.StatusBadRequest {
				t.Fatalf("ParseForm(%q): %v, want InvalidParameterValue 400", body, err)
			}
			if !utf8.ValidString(fe.message) {
				t.Fatalf("ParseForm(%q): message not UTF-8: %q", body, fe.message)
			}
			return
		}
		for k, v := range p {
			if k == "" || !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("ParseForm(%q) kept %q=%q", body, k, v)
			}
		}
		again, err := ParseForm([]byte(encodeForm(p)))
		if err != nil || len(again) != len(p) {
			t.Fatalf("round trip of %q: %v, %v", body, again, err)
		}
		for k, v := range p {
			if again[k] != v {
				t.Fatalf("round trip of %q: %q=%q became %q", body, k, v, again[k])
			}
		}
	})
}
