package server_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// received is one request a receiver got.
type received struct {
	Header http.Header
	Body   []byte
}

// receiver is a webhook receiver on loopback: it records every request and
// answers each as answer says for the request's number (1-based). It is
// closed when the test ends, after anything answer waits on is released.
type receiver struct {
	t   testing.TB
	srv *httptest.Server
	URL string

	mu     sync.Mutex
	got    []received
	answer func(n int, w http.ResponseWriter, r *http.Request)
	news   chan struct{} // a request arrived
	down   bool          // drop connections without answering
}

// ok answers 200.
func ok(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }

func newReceiver(t testing.TB, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	rc := &receiver{t: t, answer: answer, news: make(chan struct{}, 1000)}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	rc.URL = rc.srv.URL + "/hooks"
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	if rc.down {
		rc.mu.Unlock()
		// A receiver that is down: the connection closes without an answer.
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
		return
	}
	rc.got = append(rc.got, received{Header: r.Header.Clone(), Body: body})
	n := len(rc.got)
	answer := rc.answer
	rc.mu.Unlock()
	rc.news <- struct{}{}
	answer(n, w, r)
}

// setDown makes the receiver drop (true) or serve (false) requests.
func (rc *receiver) setDown(down bool) {
	rc.mu.Lock()
	rc.down = down
	rc.mu.Unlock()
}

// requests returns the requests so far.
func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// waitFor waits until the receiver has had n requests, and returns them.
func (rc *receiver) waitFor(n int, within time.Duration) []received {
	rc.t.Helper()
	deadline := time.After(within)
	for {
		if got := rc.requests(); len(got) >= n {
			return got
		}
		select {
		case <-rc.news:
		case <-deadline:
			rc.t.Fatalf("the receiver got %d requests in %v, want %d", len(rc.requests()), within, n)
		}
	}
}

// metric returns the value of a sample of the server's /metrics, the line
// that starts with series (name{labels}); -1 when there is none.
func metric(t testing.TB, baseURL, series string) float64 {
	t.Helper()
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return -1
}
