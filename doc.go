// Package kessai is the domain of the kessai payments server: money and
// currencies, identifiers, the error type with its closed set of codes, the
// clock, the objects of the payment lifecycle (payments, authorizations,
// captures, refunds, events, ledger postings, jobs) and the Store interface
// that the sqlite and postgres packages implement.
//
// The package depends on the standard library only. The rules that move
// objects between states live in package engine; the wire formats live in
// the faces (payjp, kessaiapi).
package kessai
