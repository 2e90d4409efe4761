package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/sqlite"
)

// TestCheckpointInBackground: the writer leaves its WAL alone (no
// checkpoint inside a commit), and the store copies it into the database
// file in the background.
func TestCheckpointInBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	s, err := sqlite.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	// Let a checkpoint of the migrations pass, then write a few MB.
	time.Sleep(700 * time.Millisecond)
	before := size(path)
	for i := range 20 {
		err := s.Update(ctx, func(tx kessai.Tx) error {
			for range 200 {
				e := &kessai.Event{AccountID: "acct_c", ID: kessai.NewID(kessai.PrefixEvent), Type: "t", Object: "o",
					ResourceID: "r", Data: []byte(`{"pad":"0123456789012345678901234567890123456789012345678901234567890123456789"}`)}
				if err := tx.Insert(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for size(path) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes (WAL %d): nothing checkpointed it", size(path), size(path+"-wal"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
