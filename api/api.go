// Package api holds kessai's OpenAPI 3.0 document, openapi.yaml, which describes the
// PAY.JP v2-compatible face (/v2), kessai's own sandbox API (/kessai/v1) and the health
// probes, and amazonpay-v2.yaml, which describes the Amazon Pay API v2 face. The documents
// are embedded in the binary, which serves them at GET /openapi.yaml and GET
// /amazonpay-v2.yaml; package api/validator holds answers of the real server to them in
// tests.
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

//go:embed amazonpay-v2.yaml
var amazonPayV2 []byte

// Document returns a copy of the raw OpenAPI document (YAML).
func Document() []byte {
	return bytes.Clone(document)
}

// AmazonPayV2Document returns a copy of the raw OpenAPI document of the Amazon Pay API v2
// face (YAML).
func AmazonPayV2Document() []byte {
	return bytes.Clone(amazonPayV2)
}
