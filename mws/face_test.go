package mws

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestTransactionTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		sent bool
		want time.Duration
		ok   bool
	}{
		{"", false, 1440 * time.Minute, true},
		{"0", true, 0, true},
		{"5", true, 5 * time.Minute, true},
		{"1440", true, 1440 * time.Minute, true},
		{"60", true, time.Hour, true},
		{"7", true, 0, false},
		{"1445", true, 0, false},
		{"-5", true, 0, false},
		{"+5", true, 0, false},
		{"5.0", true, 0, false},
		{"", true, 0, false},
		{"99999999999999999999", true, 0, false},
	}
	for _, tc := range tests {
		p := Params{}
		if tc.sent {
			p["TransactionTimeout"] = tc.in
		}
		got, err := transactionTimeout(p)
		if tc.ok != (err == nil) || (tc.ok && got != tc.want) {
			t.Errorf("TransactionTimeout %q (sent %v) = %v, %v", tc.in, tc.sent, got, err)
		}
		if !tc.ok && !isCode(err, "InvalidParameterValue") {
			t.Errorf("TransactionTimeout %q: %v, want InvalidParameterValue", tc.in, err)
		}
	}
}

func TestReferenceID(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a", "A-b_9", strings.Repeat("x", 32)} {
		if _, err := referenceID(Params{"R": ok}, "R"); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{strings.Repeat("x", 33), "a.b", "a b", "é", "a/b"} {
		if _, err := referenceID(Params{"R": bad}, "R"); !isCode(err, "InvalidParameterValue") {
			t.Errorf("%q: %v, want InvalidParameterValue", bad, err)
		}
	}
	if _, err := referenceID(Params{}, "R"); !isCode(err, "MissingParameter") {
		t.Errorf("absent: %v, want MissingParameter", err)
	}
}

func TestBoolParam(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"": false, "false": false, "true": true, "TRUE": true, "False": false} {
		if got, err := boolParam(Params{"B": in}, "B"); err != nil || got != want {
			t.Errorf("%q = %v, %v", in, got, err)
		}
	}
	if _, err := boolParam(Params{"B": "1"}, "B"); !isCode(err, "InvalidParameterValue") {
		t.Errorf("1: %v", err)
	}
}

func TestRequestHash(t *testing.T) {
	t.Parallel()
	base := Params{"Action": "Authorize", "AuthorizationAmount.Amount": "100", "AWSAccessKeyId": "K",
		"Signature": "s1", "SignatureMethod": HmacSHA256, "SignatureVersion": "2", "Timestamp": "t1", "Version": Version}
	h := requestHash(base)
	transport := Params{}
	for k, v := range base {
		transport[k] = v
	}
	transport["Signature"], transport["SignatureMethod"], transport["Timestamp"], transport["MWSAuthToken"] = "s2", HmacSHA1, "t2", "tok"
	delete(transport, "Timestamp")
	transport["Expires"] = "e"
	if requestHash(transport) != h {
		t.Error("the transport parameters changed the hash")
	}
	for name, edit := range map[string]func(Params){
		"amount":          func(p Params) { p["AuthorizationAmount.Amount"] = "100.00" },
		"a note added":    func(p Params) { p["SellerAuthorizationNote"] = "" },
		"name/value move": func(p Params) { delete(p, "AuthorizationAmount.Amount"); p["AuthorizationAmount.Amount1"] = "00" },
	} {
		p := Params{}
		for k, v := range base {
			p[k] = v
		}
		edit(p)
		if requestHash(p) == h {
			t.Errorf("%s: same hash", name)
		}
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	th := &throttle{m: map[string]*rate.Limiter{}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if !th.allow("a", now) || !th.allow("a", now) || th.allow("a", now) {
		t.Fatal("burst of 2 not kept")
	}
	if !th.allow("b", now) {
		t.Error("another key shares the bucket")
	}
	if th.allow("a", now.Add(ThrottleEvery-time.Millisecond)) || !th.allow("a", now.Add(ThrottleEvery)) {
		t.Error("not one per ThrottleEvery")
	}
}
