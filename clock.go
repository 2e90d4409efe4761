package kessai

import (
	"sync"
	"time"
)

// Clock tells the time. Every rule reads it through an injected Clock so
// that tests and the per-account test clock can move time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current wall-clock time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// ManualClock is a Clock that stands still until it is set or advanced.
// Tests use it as the base clock of a whole server.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock showing t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t.UTC()} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set sets the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t.UTC()
	c.mu.Unlock()
}

// Tokyo is Japan Standard Time, in which PayPay's refund deadline is stated.
// It is a fixed zone (Japan has no daylight saving time) so that kessai does
// not depend on the host's tz database.
var Tokyo = time.FixedZone("Asia/Tokyo", 9*60*60)
