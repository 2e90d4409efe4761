package dashboard

import "net/http"

// contentSecurityPolicy is every dashboard page's: its own stylesheet and
// images only, no script, no inline style (the chart's colours are SVG fill
// attributes, which the policy allows), no framing, forms posted to
// kessai only.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; form-action 'self'"

// setPageHeaders sets the headers of every HTML page the dashboard answers
// with: the signed-in pages, the sign-in page and the error pages alike.
func setPageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}
