package amazonpay

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/kessai/kessai"
)

// Address is a buyer's address as API v2 shows it.
type Address struct {
	Name          string `json:"name"`
	AddressLine1  string `json:"addressLine1"`
	AddressLine2  string `json:"addressLine2"`
	AddressLine3  string `json:"addressLine3"`
	City          string `json:"city"`
	County        string `json:"county"`
	District      string `json:"district"`
	StateOrRegion string `json:"stateOrRegion"`
	PostalCode    string `json:"postalCode"`
	CountryCode   string `json:"countryCode"`
	PhoneNumber   string `json:"phoneNumber"`
}

// Buyer is the buyer of a test-mode account: Amazon's sandbox buyer,
// signed in to every checkout session, with one address for shipping and
// billing.
type Buyer struct {
	BuyerID     string  `json:"buyerId"`
	Name        string  `json:"name"`
	Email       string  `json:"email"`
	PostalCode  string  `json:"postalCode"`
	CountryCode string  `json:"countryCode"`
	PhoneNumber string  `json:"phoneNumber"`
	Address     Address `json:"-"`
}

// SandboxBuyer is acct's sandbox buyer; it is fixed by the account's id,
// so it is the same on every call and every process.
func SandboxBuyer(acct *kessai.Account) Buyer {
	sum := sha256.Sum256([]byte("kessai sandbox buyer\x00" + acct.ID))
	id := strings.ToUpper(hex.EncodeToString(sum[:10]))
	a := Address{Name: "テスト 太郎", AddressLine1: "港区テスト町9-9-9", AddressLine2: "kessaiビル 101", City: "",
		StateOrRegion: "東京都", PostalCode: "105-0000", CountryCode: "JP", PhoneNumber: "0312345678"}
	return Buyer{BuyerID: "amzn1.account." + id, Name: a.Name, Email: "buyer+" + strings.ToLower(id[:8]) + "@sandbox.kessai.test",
		PostalCode: a.PostalCode, CountryCode: a.CountryCode, PhoneNumber: a.PhoneNumber, Address: a}
}
