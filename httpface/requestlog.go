package httpface

import (
	"context"
	"sync"
)

// RequestFacts are what the faces learn about a request that its line in
// the server's request log shows: the account it acts for and the error
// code it was answered with (kessai's code on the JSON faces, Amazon's on
// the MWS face). The server puts one in each request's context
// (WithRequestFacts); the faces fill it in (SetAccount, SetErrorCode).
type RequestFacts struct {
	mu        sync.Mutex
	accountID string
	errorCode string
}

type factsKey struct{}

// WithRequestFacts returns ctx with new, empty RequestFacts.
func WithRequestFacts(ctx context.Context) (context.Context, *RequestFacts) {
	f := &RequestFacts{}
	return context.WithValue(ctx, factsKey{}, f), f
}

func factsOf(ctx context.Context) *RequestFacts {
	f, _ := ctx.Value(factsKey{}).(*RequestFacts)
	return f
}

// SetAccount records the account a request authenticated as. Without
// RequestFacts in ctx (a face served on its own, in a test) it does
// nothing.
func SetAccount(ctx context.Context, accountID string) {
	if f := factsOf(ctx); f != nil {
		f.mu.Lock()
		f.accountID = accountID
		f.mu.Unlock()
	}
}

// SetErrorCode records the error code a request was answered with.
func SetErrorCode(ctx context.Context, code string) {
	if f := factsOf(ctx); f != nil {
		f.mu.Lock()
		f.errorCode = code
		f.mu.Unlock()
	}
}

// Get returns the account id and the error code recorded, "" for each
// that was not.
func (f *RequestFacts) Get() (accountID, errorCode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accountID, f.errorCode
}
