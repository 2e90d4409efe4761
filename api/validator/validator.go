// Package validator checks HTTP exchanges against kessai's OpenAPI document (package
// api, openapi.yaml), so that tests can hold every answer of the real server to it:
//
//	v, err := validator.NewValidator()
//	...
//	if err := v.ValidateResponse(req, resp.StatusCode, resp.Header, body); err != nil {
//		t.Error(err)
//	}
package validator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/kessai/kessai/api"
)

// Load parses the document and checks it against the OpenAPI 3.0 rules, including that
// every example in it fits its schema.
func Load() (*openapi3.T, error) {
	return load(openAPI)
}

// LoadAmazonPayV2 is Load for the Amazon Pay API v2 face's document (amazonpay-v2.yaml).
func LoadAmazonPayV2() (*openapi3.T, error) {
	return load(amazonPayV2)
}

// A document: its name and raw YAML.
type document struct {
	name string
	raw  func() []byte
}

var (
	openAPI     = document{"openapi.yaml", api.Document}
	amazonPayV2 = document{"amazonpay-v2.yaml", api.AmazonPayV2Document}
)

func load(d document) (*openapi3.T, error) {
	doc, err := parse(d)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validator: invalid %s: %w", d.name, err)
	}
	return doc, nil
}

func parse(d document) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(d.raw())
	if err != nil {
		return nil, fmt.Errorf("validator: parse %s: %w", d.name, err)
	}
	return doc, nil
}

// schemaOptions keep schema errors to one line each: the path and the reason, without the
// schema and the value (a value may be a client_secret or a card number).
var schemaOptions = []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}

// Validator checks HTTP exchanges against the document. It is safe for concurrent use.
type Validator struct {
	router routers.Router
	name   string // the document's
}

// NewValidator loads the document and prepares a Validator. Routes are matched on the
// request path alone, so requests to any host and port (http://127.0.0.1:PORT/v2/…)
// find their operation.
func NewValidator() (*Validator, error) {
	return newValidator(openAPI)
}

// NewAmazonPayV2Validator is NewValidator for the Amazon Pay API v2 face's document, whose
// paths start /v2/: a request to /sandbox/v2/… or /live/v2/… must have its environment
// taken off its path before it is checked. Requests are not checked against its security
// scheme (Amazon's signature).
func NewAmazonPayV2Validator() (*Validator, error) {
	return newValidator(amazonPayV2)
}

func newValidator(d document) (*Validator, error) {
	doc, err := parse(d)
	if err != nil {
		return nil, err
	}
	// The router would otherwise require the request URL to start with a server URL;
	// without servers it matches URL.Path, which is what a test of a server on :0 needs.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc) // validates the document
	if err != nil {
		return nil, fmt.Errorf("validator: %w", err)
	}
	return &Validator{router: router, name: d.name}, nil
}

// ValidateResponse checks that the response with the given status, header and body is one
// the document declares for req's operation: the status must be listed, the Content-Type
// must be one declared for it (application/json or application/problem+json), and the body
// must fit that schema. A request that matches no operation is an error.
func (v *Validator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.findRoute(req)
	if err != nil {
		return err
	}
	options := &openapi3filter.Options{
		IncludeResponseStatus:   true,
		MultiError:              true,
		SchemaValidationOptions: schemaOptions,
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
			Options:    options,
		},
		Status:  status,
		Header:  header,
		Options: options,
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(req.Context(), input); err != nil {
		return fmt.Errorf("%s %s → %d: %w", req.Method, req.URL.Path, status, err)
	}
	return nil
}

// ValidateRequest checks req, with the given body, against its operation: path, query and
// header parameters (Idempotency-Key included), the JSON body, and that an Authorization
// header of a declared scheme (Basic with a user name, or Bearer with a token) is present
// where the operation needs one. It does not check that the key is valid. req.Body is not
// read or changed. A request that matches no operation is an error.
func (v *Validator) ValidateRequest(req *http.Request, body []byte) error {
	route, params, err := v.findRoute(req)
	if err != nil {
		return err
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:              true,
			SkipSettingDefaults:     true,
			AuthenticationFunc:      checkAuthorization,
			SchemaValidationOptions: schemaOptions,
		},
	}
	if err := openapi3filter.ValidateRequest(req.Context(), input); err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// findRoute finds req's operation. The router forgives a trailing slash and an empty path
// parameter; the document declares neither, so both count as unknown routes here.
func (v *Validator) findRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	path := req.URL.Path
	route, params, err := v.router.FindRoute(req)
	if err == nil && len(path) > 1 && strings.HasSuffix(path, "/") {
		err = errors.New("path ends in a slash")
	}
	for name, value := range params {
		if err == nil && value == "" {
			err = fmt.Errorf("path parameter %s is empty", name)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: no such operation in %s: %w", req.Method, path, v.name, err)
	}
	return route, params, nil
}

// checkAuthorization accepts a request whose Authorization header has the shape of the
// security scheme being tried.
func checkAuthorization(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	switch scheme := strings.ToLower(in.SecurityScheme.Scheme); scheme {
	case "basic":
		if user, _, ok := req.BasicAuth(); ok && user != "" {
			return nil
		}
		return errors.New("no HTTP Basic credentials with a user name")
	case "bearer":
		prefix, token, ok := strings.Cut(req.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(prefix, "Bearer") && strings.TrimSpace(token) != "" {
			return nil
		}
		return errors.New("no Bearer token")
	default:
		return fmt.Errorf("unsupported security scheme %q", scheme)
	}
}
