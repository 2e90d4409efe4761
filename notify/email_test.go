package notify

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/kessai/kessai"
)

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, addr, from string
		tls, auth, bad bool
	}{
		{in: "smtp://mail.example:2525", addr: "mail.example:2525", from: DefaultFrom},
		{in: "smtp://mail.example", addr: "mail.example:25", from: DefaultFrom},
		{in: "smtps://mail.example", addr: "mail.example:465", from: DefaultFrom, tls: true},
		{in: "smtp://u:p@127.0.0.1:25?from=shop%40example.com", addr: "127.0.0.1:25", from: "shop@example.com", auth: true},
		{in: "http://mail.example", bad: true},
		{in: "smtp://", bad: true},
		{in: "smtp://mail.example/inbox", bad: true},
		{in: "smtp://mail.example?from=nobody", bad: true},
	} {
		s, err := parseSMTPURL(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: accepted", tc.in)
			}
			continue
		}
		if err != nil || s.addr != tc.addr || s.from != tc.from || s.implicitTLS != tc.tls || (s.auth != nil) != tc.auth {
			t.Errorf("%q: %+v %v", tc.in, s, err)
		}
	}
}

func TestComposeEmail(t *testing.T) {
	t.Parallel()
	m := &kessai.Email{ID: "em_1", To: "hanako@buyer.example", ReplyTo: "support@shop.example", Locale: "ja",
		Subject: "Amazon Pay 返金完了のお知らせ（注文番号 S03-1234567-1234567）", Body: strings.Repeat("返金額: ¥1,200\n", 20)}
	raw := composeEmail("payments@shop.example", m, time.Date(2026, 1, 10, 5, 0, 0, 0, time.UTC))
	for _, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Fatalf("a line of %d octets (RFC 5322 allows 998)", len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("subject %q (%v), want %q", subject, err, m.Subject)
	}
	body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
	if err != nil || strings.ReplaceAll(string(body), "\r\n", "\n") != m.Body {
		t.Errorf("body %q (%v)", body, err)
	}
	if msg.Header.Get("Reply-To") != "<support@shop.example>" || msg.Header.Get("Message-Id") != "<em_1@kessai>" {
		t.Errorf("headers %v", msg.Header)
	}
}
