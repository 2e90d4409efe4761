package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/kessai/kessai"
)

// Group commit. With one writer (SQLite) every write transaction used to
// end in its own fsync, which caps a store near the disk's fsyncs per
// second. The committer is the process's one writer: requests hand it their
// unit of work (the function of Update), it runs every unit that is
// waiting in one transaction, each inside a savepoint so that a unit that
// fails is rolled back alone, commits once (one fsync), and only then
// answers all of them. Nothing is acknowledged before its commit returns.

// The statements around each unit of a batch.
const (
	savepoint           = "SAVEPOINT unit"
	releaseSavepoint    = "RELEASE unit"
	rollbackToSavepoint = "ROLLBACK TO unit"
)

// maxBatch bounds the units of one transaction.
const maxBatch = 128

type unit struct {
	ctx     context.Context
	fn      func(kessai.Tx) error
	done    chan error
	retries int
}

type committer struct {
	s       *Store
	queue   chan *unit
	quit    chan struct{} // closed by stop
	stopped chan struct{} // closed when loop has returned
}

// errClosed answers units submitted to a closed store.
var errClosed = errors.New("sqlstore: the store is closed")

func newCommitter(s *Store) *committer {
	c := &committer{s: s, queue: make(chan *unit, 4*maxBatch), quit: make(chan struct{}), stopped: make(chan struct{})}
	go c.loop()
	return c
}

// stop lets the running batch finish, fails the units still queued and
// returns.
func (c *committer) stop() {
	close(c.quit)
	<-c.stopped
	for {
		select {
		case u := <-c.queue:
			u.done <- errClosed
		default:
			return
		}
	}
}

// submit runs fn in the next batch and waits for its commit.
func (c *committer) submit(ctx context.Context, fn func(kessai.Tx) error) error {
	u := &unit{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case <-c.quit:
		return errClosed
	default:
	}
	select {
	case c.queue <- u:
	case <-ctx.Done():
		return ctx.Err()
	case <-c.quit:
		return errClosed
	}
	// Once queued, the unit is answered: it may already be running, and a
	// caller that stopped waiting would not learn whether it committed.
	return <-u.done
}

func (c *committer) loop() {
	defer close(c.stopped)
	for {
		var first *unit
		select {
		case first = <-c.queue:
		case <-c.quit:
			return
		}
		batch := []*unit{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case u := <-c.queue:
				batch = append(batch, u)
			default:
				break drain
			}
		}
		if c.s.walFull.Swap(false) {
			// The writer is idle: nothing is appended while this catches up,
			// so the next batch starts the WAL again.
			_, _ = c.s.d.Checkpoint(context.Background(), c.s.write)
		}
		c.run(batch)
	}
}

// run runs one batch in one transaction.
func (c *committer) run(batch []*unit) {
	ctx := context.Background()
	sqlTx, err := c.s.write.BeginTx(ctx, nil)
	if err != nil {
		for _, u := range batch {
			u.done <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	conn := &sqlConn{s: c.s, tx: sqlTx, db: c.s.write}
	// One savepoint name for every unit (each is released or rolled back
	// before the next begins), so that the three statements are prepared
	// once rather than parsed for each unit.
	sp := func(q string) error { _, err := conn.Exec(ctx, q); return err }
	var committed, retry []*unit
	batchSums := &sums{}
	for i, u := range batch {
		if err := u.ctx.Err(); err != nil {
			u.done <- err
			continue
		}
		if err := sp(savepoint); err != nil {
			u.done <- fmt.Errorf("savepoint: %w", err)
			continue
		}
		t := &tx{s: c.s, c: conn, adds: &sums{}}
		err := runUnit(t, u) // its own tx: nothing it saw outlives its savepoint
		if err == nil {
			if err = sp(releaseSavepoint); err == nil {
				committed = append(committed, u)
				batchSums.merge(t.adds)
				continue
			}
		}
		// The unit failed: undo what it did, and answer it now (nothing of
		// it will be committed), or run it again later if the failure was
		// one a fresh attempt can avoid.
		if rerr := sp(rollbackToSavepoint); rerr != nil {
			err = errors.Join(err, rerr)
			_ = sqlTx.Rollback()
			c.fail(append(committed, u), err)
			c.fail(batch[i+1:], err)
			return
		}
		_ = sp(releaseSavepoint)
		if c.s.d.IsRetryable != nil && c.s.d.IsRetryable(err) && u.retries < 5 {
			u.retries++
			retry = append(retry, u)
			continue
		}
		u.done <- err
	}
	if err := batchSums.write(ctx, &tx{s: c.s, c: conn}); err != nil {
		_ = sqlTx.Rollback()
		c.fail(committed, fmt.Errorf("aggregates: %w", err))
		committed = nil
	} else if err := sqlTx.Commit(); err != nil {
		c.fail(committed, fmt.Errorf("commit: %w", err))
	} else {
		for _, u := range committed {
			u.done <- nil
		}
	}
	for _, u := range retry {
		go func() { u.done <- c.submitAgain(u) }()
	}
}

func (c *committer) submitAgain(u *unit) error {
	return c.submit(u.ctx, u.fn)
}

func (c *committer) fail(units []*unit, err error) {
	for _, u := range units {
		u.done <- err
	}
}

// runUnit runs a unit's function, turning a panic into its error so that
// one request cannot take the batch down.
func runUnit(t *tx, u *unit) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("sqlstore: unit of work panicked: %v", v)
		}
	}()
	return u.fn(t)
}
