package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/api"
)

// ReadyTimeout is how long /readyz waits for the store to answer.
const ReadyTimeout = 2 * time.Second

// WorkerStall is how long a process's worker may go without beginning a
// round before /readyz says the process is not ready.
const WorkerStall = time.Minute

// handleOps registers what a process is watched through: /livez (the
// process serves HTTP), /healthz (the same, its older name), /readyz (the
// store answers a trivial query within ReadyTimeout) and /metrics, with reg
// holding the queue collectors.
func (m *Main) handleOps(mux interface {
	Handle(string, http.Handler)
	HandleFunc(string, func(http.ResponseWriter, *http.Request))
}, reg *prometheus.Registry) {
	reg.MustRegister(&jobCollector{m: m}, m.deliveries, &notifyCollector{m: m}, &admissionCollector{m: m}, m.queueWait)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	live := func(w http.ResponseWriter, r *http.Request) { writeStatus(w, http.StatusOK, "ok") }
	mux.HandleFunc("GET /livez", live)
	mux.HandleFunc("GET /healthz", live)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Ready(r.Context()); err != nil {
			m.Log.WarnContext(r.Context(), "not ready", "err", err)
			writeStatus(w, http.StatusServiceUnavailable, "store unreachable")
			return
		}
		writeStatus(w, http.StatusOK, "ok")
	})
}

// handleDocuments serves the API documents embedded in the binary: GET
// /openapi.yaml, the OpenAPI 3 document of the PAY.JP face, kessai's own API
// and the probes, and GET /amazonpay-v2.yaml, the Amazon Pay API v2 face's
// (package api). The MWS face has no machine-readable document of its own:
// Amazon published none (docs/mws.md describes it).
func handleDocuments(mux interface {
	HandleFunc(string, func(http.ResponseWriter, *http.Request))
}) {
	for path, doc := range map[string][]byte{"/openapi.yaml": api.Document(), "/amazonpay-v2.yaml": api.AmazonPayV2Document()} {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/yaml") // RFC 9512
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(doc)
		})
	}
}

// Ready reports whether the store answers a trivial query (one read of the
// settings table, outside admission) within ReadyTimeout, and whether the
// process's worker, if it runs one, began a round within WorkerStall.
func (m *Main) Ready(ctx context.Context) error {
	if m.W != nil && m.W.Stalled(WorkerStall) {
		return fmt.Errorf("the worker has not begun a round for %s", WorkerStall)
	}
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	return m.Store.View(ctx, func(tx kessai.Tx) error {
		_, err := tx.Setting(ctx, "kessai.readyz")
		if errors.Is(err, kessai.ErrNoRows) {
			return nil // answered: there is no such setting
		}
		return err
	})
}

// OpsHandler serves /livez, /healthz, /readyz and /metrics (the queue's
// gauges, the notification counters, Go's and the process's), for a
// process that does not serve the API: 'kessai worker --ops-addr'.
func (m *Main) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	m.handleOps(mux, reg)
	return mux
}
