package jsonapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/httpface"
)

// limit answers 429 with Retry-After when the account's bucket is empty.
func (f *Face) limit(w http.ResponseWriter, r *http.Request, acct *kessai.Account) bool {
	if f.Limiter == nil {
		return true
	}
	ok, wait := f.Limiter.Allow(acct.ID)
	if !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
		f.Fail(w, r, kessai.Errorf(kessai.RateLimited, "jsonapi.limit", "Too many requests for this account; retry after %d s.", max(1, secs)))
	}
	return ok
}

// after misbehaves once the request's write has committed: true when it
// answered (or dropped the connection) instead of the normal response.
func after(s httpface.Simulation, f *Face, w http.ResponseWriter, r *http.Request) bool {
	switch {
	case s.Drop:
		// The server closes the connection without writing anything.
		panic(http.ErrAbortHandler)
	case s.Fail:
		f.Fail(w, r, kessai.Errorf(kessai.Internal, "jsonapi.Simulate", "%s", fmt.Sprintf("simulated failure after commit (%s)", httpface.SimulateHeader)))
		return true
	}
	return false
}
