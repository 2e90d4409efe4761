package server_test

import (
	"testing"

	"github.com/kessai/kessai/internal/kessaitest"
	"github.com/kessai/kessai/internal/testdb"
)

func TestSmoke(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, dialect string) {
		s := kessaitest.Start(t, dialect, kessaitest.Options{})
		id := s.PaidCardFlow(3000)
		kessaitest.Must(t, s.Post("/v2/refunds", map[string]any{"payment_flow": id, "amount": 1000}), 200)
		s.CheckLedger()
	})
}
