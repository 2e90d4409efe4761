// Package amazonv2 is kessai's Amazon Pay API v2 face ("CV2"): the paths
// the official SDKs call (/sandbox/v2/…, /live/v2/…, and /v2/… when the
// public key id names its environment), their RSA-PSS request signatures
// (AMZN-PAY-RSASSA-PSS, salt 20, and AMZN-PAY-RSASSA-PSS-V2, salt 32)
// verified against the public keys merchants register, and Amazon's error
// shape {reasonCode, message} with its HTTP statuses.
//
// Merchants register their public keys on kessai's own API,
// POST /kessai/v1/amazon/public_keys (secret-key authentication), which
// this package serves too; package amazonpay keeps them.
//
// Where a path is PAY.JP's as well (/v2/refunds), the Authorization
// header's scheme decides: Signed reports whether a request is this
// face's, and the server hands such requests to Face.ServeHTTP.
package amazonv2
