package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/amazonpay"
	"github.com/kessai/kessai/amazonv2"
	"github.com/kessai/kessai/server"
)

// amazonCmd groups the commands of the Amazon Pay API v2 face.
type amazonCmd struct {
	Keys amazonKeysCmd `cmd:"" help:"The RSA public keys that verify an account's API v2 request signatures."`
}

// amazonKeysCmd groups the public key commands.
type amazonKeysCmd struct {
	Add    amazonKeysAddCmd    `cmd:"" help:"Register a public key (PEM) for an account and print its public key id."`
	List   amazonKeysListCmd   `cmd:"" help:"List an account's public keys, revoked ones included."`
	Revoke amazonKeysRevokeCmd `cmd:"" help:"Revoke a public key: requests signed with it are refused from then on."`
}

// accountFlag is the account a key command acts on.
type accountFlag struct {
	Account string `name:"account" env:"KESSAI_ACCOUNT" placeholder:"ACCOUNT_ID" help:"The account's id (acct_…), as 'kessai accounts create' printed it (required)."`
	JSON    bool   `name:"json" env:"KESSAI_AMAZON_KEYS_JSON" help:"Print JSON, as GET /kessai/v1/amazon/public_keys answers."`
}

// open opens the database and finds the account.
func (a *accountFlag) open(ctx context.Context, d *database, s *streams) (*server.Main, error) {
	if strings.TrimSpace(a.Account) == "" {
		return nil, usageError{errors.New("--account is required: the account's id, e.g. --account acct_…")}
	}
	u, err := d.url()
	if err != nil {
		return nil, err
	}
	m := &server.Main{DatabaseURL: u, Log: d.logger(s)}
	if err := m.Open(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

func printKeys(s *streams, asJSON, live bool, keys ...*amazonpay.PublicKey) error {
	if asJSON {
		enc := json.NewEncoder(s.out)
		for _, k := range keys {
			if err := enc.Encode(amazonv2.KeyJSON(k, live)); err != nil {
				return err
			}
		}
		return nil
	}
	for _, k := range keys {
		status := "active"
		if !k.Active() {
			status = "revoked " + k.RevokedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		fmt.Fprintf(s.out, "public key id  %s\nmerchant id    %s\nstore id       %s\nstatus         %s\n\n", k.ID, k.MerchantID, k.StoreID, status)
	}
	return nil
}

// amazonKeysAddCmd registers a public key.
type amazonKeysAddCmd struct {
	database
	accountFlag
	PublicKeyFile string `name:"public-key-file" env:"KESSAI_PUBLIC_KEY_FILE" placeholder:"PATH" help:"The PEM file of the RSA public key (openssl rsa -in private.pem -pubout); - reads stdin (required)."`
}

// Run registers the key and prints it.
func (c *amazonKeysAddCmd) Run(ctx context.Context, s *streams, stdin *os.File) error {
	if c.PublicKeyFile == "" {
		return usageError{errors.New("--public-key-file is required: the PEM file of the RSA public key, or - for stdin")}
	}
	var text []byte
	var err error
	if c.PublicKeyFile == "-" {
		text, err = io.ReadAll(io.LimitReader(stdin, amazonpay.MaxPEM+1))
	} else {
		text, err = os.ReadFile(c.PublicKeyFile)
	}
	if err != nil {
		return fmt.Errorf("read the public key: %w", err)
	}
	m, err := c.open(ctx, &c.database, s)
	if err != nil {
		return err
	}
	defer m.Store.Close()
	acct, err := m.E.AccountByID(ctx, c.Account)
	if err != nil {
		return fmt.Errorf("account %s: %w", c.Account, err)
	}
	k, err := amazonpay.RegisterPublicKey(ctx, m.E, acct, string(text))
	if err != nil {
		return fieldError(err)
	}
	return printKeys(s, c.JSON, acct.Livemode, k)
}

// amazonKeysListCmd lists keys.
type amazonKeysListCmd struct {
	database
	accountFlag
}

// Run lists the account's keys.
func (c *amazonKeysListCmd) Run(ctx context.Context, s *streams) error {
	m, err := c.open(ctx, &c.database, s)
	if err != nil {
		return err
	}
	defer m.Store.Close()
	acct, err := m.E.AccountByID(ctx, c.Account)
	if err != nil {
		return fmt.Errorf("account %s: %w", c.Account, err)
	}
	keys, err := amazonpay.PublicKeys(ctx, m.E, acct)
	if err != nil {
		return err
	}
	return printKeys(s, c.JSON, acct.Livemode, keys...)
}

// amazonKeysRevokeCmd revokes a key.
type amazonKeysRevokeCmd struct {
	database
	accountFlag
	ID string `arg:"" name:"public-key-id" help:"The key's public key id (SANDBOX-… or LIVE-…)."`
}

// Run revokes the key and prints it.
func (c *amazonKeysRevokeCmd) Run(ctx context.Context, s *streams) error {
	m, err := c.open(ctx, &c.database, s)
	if err != nil {
		return err
	}
	defer m.Store.Close()
	acct, err := m.E.AccountByID(ctx, c.Account)
	if err != nil {
		return fmt.Errorf("account %s: %w", c.Account, err)
	}
	k, err := amazonpay.RevokePublicKey(ctx, m.E, acct, c.ID)
	if err != nil {
		return err
	}
	return printKeys(s, c.JSON, acct.Livemode, k)
}

// fieldError is a validation error with what its fields say.
func fieldError(err error) error {
	var ke *kessai.Error
	if !errors.As(err, &ke) || len(ke.Fields) == 0 {
		return err
	}
	parts := make([]string, 0, len(ke.Fields))
	for _, f := range ke.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return usageError{errors.New(strings.Join(parts, "; "))}
}
