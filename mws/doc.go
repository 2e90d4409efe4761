// Package mws is kessai's Amazon Pay MWS-compatible face: the Off-Amazon
// Payments API, version 2013-01-01, as the official SDKs and community
// clients speak it. It reads form-encoded POSTs, checks their Signature
// Version 2, runs the operation named by Action on package engine and
// answers in Amazon's XML.
//
// The face translates and nothing more: every state, amount and
// reference-id rule lives in the engine, and the face maps the engine's
// error codes onto Amazon's (see errorOf, the one place where that
// happens).
//
// The files, in the order a request meets them:
//
//	form.go       the body: size limit, form decoding, duplicate keys
//	signature.go  Signature Version 2 (HmacSHA256, HmacSHA1) and the client variants accepted
//	face.go       routes, authentication, timestamps, throttling, Action dispatch
//	amount.go     decimal amounts per currency
//	errors.go     engine and face errors → MWS code, HTTP status, Type
//	xml.go        the response and error envelopes and the four Details objects
package mws
