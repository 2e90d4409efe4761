// Package api holds kessai's OpenAPI 3.0 document, openapi.yaml, which describes the
// PAY.JP v2-compatible face (/v2), kessai's own sandbox API (/kessai/v1) and the health
// probes. The document is embedded in the binary, which serves it at GET /openapi.yaml;
// package api/validator holds every answer of the real server to it in tests.
//
// The package imports nothing but the standard library, so that the binary carries the
// document without the OpenAPI library the validator needs.
package api

import (
	"bytes"
	_ "embed"
)

//go:embed openapi.yaml
var document []byte

// Document returns a copy of the raw OpenAPI document (YAML).
func Document() []byte {
	return bytes.Clone(document)
}
