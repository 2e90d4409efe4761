// Package payjp is kessai's PAY.JP v2-compatible JSON face: its routes, its
// request shapes, and kessai's objects rendered as PAY.JP's. The plumbing it
// shares with kessai's own API (authentication, strict JSON, problem+json,
// Idempotency-Key) is package jsonapi.
package payjp

import (
	"log/slog"
	"net/http"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/jsonapi"
)

// Face serves the PAY.JP v2 API on the shared JSON plumbing.
type Face struct {
	*jsonapi.Face
}

// NewFace returns the PAY.JP face.
func NewFace(e *engine.Engine, log *slog.Logger) *Face {
	return &Face{Face: jsonapi.NewFace(e, log, Render)}
}

// listOf renders a page as a list object.
func listOf[T any](r *http.Request, items []*T, hasMore bool) (any, error) {
	data := make([]any, 0, len(items))
	for _, it := range items {
		v, err := Render(it)
		if err != nil {
			return nil, err
		}
		data = append(data, v)
	}
	return rawList{listJSON{Object: "list", Data: data, HasMore: hasMore, URL: r.URL.Path}}, nil
}

// rawList is an already rendered value.
type rawList struct{ v listJSON }

// listed renders the page that list returns for the request's page
// parameters: the one shape of every simple list route.
func listed[T any](r *http.Request, list func(kessai.Page) ([]*T, bool, error)) (any, error) {
	p, err := jsonapi.ParsePage(r)
	if err != nil {
		return nil, err
	}
	items, more, err := list(p)
	if err != nil {
		return nil, err
	}
	return listOf(r, items, more)
}
