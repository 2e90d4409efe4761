package postgres_test

import (
	"testing"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/internal/testdb"
	"github.com/kessai/kessai/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kessai.Store { return testdb.Open(t, "postgres") })
}
