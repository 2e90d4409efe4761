package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"user and password", "postgres://kessai:hunter2@db:5432/kessai", "postgres://kessai:xxxxx@db:5432/kessai"},
		{"password parameter", "postgres://kessai@db/kessai?sslmode=disable&password=hunter2", "postgres://kessai@db/kessai?password=xxxxx&sslmode=disable"},
		{"sslpassword parameter", "postgresql://db/k?sslpassword=hunter2&user=kessai", "postgresql://db/k?sslpassword=xxxxx&user=kessai"},
		{"parameter name in capitals", "postgres://db/k?PASSWORD=hunter2", "postgres://db/k?PASSWORD=xxxxx"},
		{"token parameter", "https://hooks.example.com/in?token=hunter2", "https://hooks.example.com/in?token=xxxxx"},
		{"both forms", "postgres://u:hunter2@db/k?password=hunter2", "postgres://u:xxxxx@db/k?password=xxxxx"},
		{"nothing secret", "postgres://kessai@127.0.0.1:5432/kessai?sslmode=disable", "postgres://kessai@127.0.0.1:5432/kessai?sslmode=disable"},
		{"smtp", "smtp://mail:hunter2@127.0.0.1:25", "smtp://mail:xxxxx@127.0.0.1:25"},
		{"sqlite path", "sqlite:/var/lib/kessai/kessai.db", "sqlite:/var/lib/kessai/kessai.db"},
		{"opaque with a password", "postgres:u:hunter2@db/k", "postgres:xxxxx@db/k"},
		{"unparseable", "postgres://u:hunter2@db:port/%zz", "(an unparseable URL)"},
		{"bad query", "postgres://db/k?password=hunter2;%zz", "postgres://db/k?xxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := URL(tt.in)
			if got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.Contains(got, "hunter2") {
				t.Errorf("URL(%q) = %q shows the password", tt.in, got)
			}
		})
	}
}
