package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/sqlite"
	"golang.org/x/sync/errgroup"
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

// TestWALStaysBounded: under writes that never pause (several writers
// keep the one writer busy), the WAL is started again from its beginning
// (the writer catches the background checkpoint up between two batches),
// instead of growing for as long as the writes go on.
func TestWALStaysBounded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	defer sqlite.SetWALLimit(1000)() // 4 MB, so that a few times that is quick to write
	s, err := sqlite.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pad := `{"pad":"` + strings.Repeat("x", 2000) + `"}`
	var written, most atomic.Int64
	// About 24 MB of events (6,000 pages) with a limit of 1,000 frames: the
	// WAL would hold all of it if it never started again.
	var g errgroup.Group
	for range 8 {
		g.Go(func() error {
			for written.Load() < 24<<20 {
				err := s.Update(ctx, func(tx kessai.Tx) error {
					for range 20 {
						e := &kessai.Event{AccountID: "acct_w", ID: kessai.NewID(kessai.PrefixEvent), Type: "t", Object: "o",
							ResourceID: "r", Data: []byte(pad)}
						if err := tx.Insert(ctx, e); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
				written.Add(20 * int64(len(pad)))
				if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > most.Load() {
					most.Store(fi.Size())
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d MB written; the WAL file was at most %d MB", written.Load()>>20, most.Load()>>20)
	if limit := int64(20 << 20); most.Load() > limit {
		t.Fatalf("the WAL file grew to %d MB while %d MB were written: it was not started again", most.Load()>>20, written.Load()>>20)
	}
}
