package kessai

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// ID prefixes of the PAY.JP face's objects.
const (
	PrefixPaymentFlow   = "pfw_"
	PrefixPaymentMethod = "pm_"
	PrefixCustomer      = "cus_"
	PrefixRefund        = "re_"
	PrefixTransaction   = "ptxn_"
	PrefixEvent         = "evnt_"
	PrefixAccount       = "acct_"
	PrefixAuthorization = "auth_"
	PrefixCapture       = "cap_"
	PrefixJob           = "job_"
	PrefixLedgerTxn     = "ltx_"
	PrefixClientSecret  = "pfws_"
	PrefixTerm          = "tm_"
	PrefixSetupFlow     = "setfw_"
	PrefixMethodConfig  = "pmc_"
	PrefixProduct       = "prod_"
	PrefixPrice         = "price_"
	PrefixTaxRate       = "txr_"
	PrefixCheckout      = "cs_"
	PrefixLineItem      = "li_"
	PrefixLegacyCard    = "car_"
	PrefixDispute       = "pdsp_"
	PrefixStatement     = "st_"
	PrefixBalance       = "ba_"
	// kessai's own objects.
	PrefixWebhookEndpoint = "we_"
	PrefixWebhookDelivery = "msg_" // a delivery's id is the webhook-id of its message
	PrefixEmail           = "em_"
)

const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

var idGen struct {
	sync.Mutex
	lastMS uint64
	seq    [10]byte
}

// NewID returns prefix followed by 26 characters of Crockford base32: a
// 48-bit millisecond timestamp and 80 bits that are random for the first id
// of a millisecond and incremented after it, so ids made by one process sort
// in the order they were made.
func NewID(prefix string) string {
	idGen.Lock()
	ms := uint64(time.Now().UnixMilli())
	if ms <= idGen.lastMS {
		ms = idGen.lastMS
		for i := len(idGen.seq) - 1; i >= 0; i-- {
			idGen.seq[i]++
			if idGen.seq[i] != 0 {
				break
			}
		}
	} else {
		idGen.lastMS = ms
		_, _ = rand.Read(idGen.seq[:])
		idGen.seq[0] &= 0x7f // leave room to increment
	}
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], ms<<16)
	copy(raw[6:], idGen.seq[:])
	idGen.Unlock()
	return prefix + encode128(raw)
}

func encode128(b [16]byte) string {
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// RandomToken returns prefix followed by n random bytes in Crockford base32;
// it is for secrets (API keys, client secrets), which must not be guessable.
func RandomToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	var sb strings.Builder
	sb.WriteString(prefix)
	var acc uint32
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint32(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			sb.WriteByte(crockford[(acc>>bits)&31])
		}
	}
	if bits > 0 {
		sb.WriteByte(crockford[(acc<<(5-bits))&31])
	}
	return sb.String()
}

// ValidID reports whether s looks like an id of ours with the prefix: the
// prefix, then 1 to 100 characters of [0-9A-Za-z_-]. Lookups of ids that
// fail this check answer not found without touching the store.
func ValidID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || rest == "" || len(rest) > 100 {
		return false
	}
	return validIDChars(rest)
}

// ValidCustomID reports whether s is a merchant-chosen id: 1 to 100
// characters of [0-9A-Za-z_-].
func ValidCustomID(s string) bool {
	return s != "" && len(s) <= 100 && validIDChars(s)
}

func validIDChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
