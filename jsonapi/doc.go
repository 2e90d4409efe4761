// Package jsonapi is the HTTP plumbing that kessai's JSON faces share: the
// PAY.JP v2 face (package payjp) and kessai's own API (package kessaiapi)
// stand side by side on it. It authenticates secret keys (Bearer or Basic),
// decodes JSON bodies strictly, answers errors as RFC 9457 problem
// documents, and runs every POST under its Idempotency-Key through the
// engine, which decides the key in the write's own transaction.
package jsonapi
