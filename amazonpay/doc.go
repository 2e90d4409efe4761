// Package amazonpay is a feature above kessai's core: what the Amazon Pay
// API v2 face (package amazonv2) keeps of its merchants. For now that is
// the RSA public keys with which merchants sign their API v2 requests:
// registered, listed and revoked per account, and found by their public
// key id when a signed request comes in.
//
// The keys are credentials, not payments: like the MWS credentials and the
// IPN signing key they are kept in the store's settings (one record per
// key, and one list of ids per account), written through engine writes
// that lock the account, so two registrations at once never lose one.
package amazonpay
