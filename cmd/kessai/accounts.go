package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounts"
	"github.com/kessai/kessai/engine"
	"github.com/kessai/kessai/server"
)

// openEngine opens the database of d for a short command and returns its
// engine and a func that closes it.
func openEngine(ctx context.Context, d *database, s *streams) (*engine.Engine, string, func(), error) {
	u, err := d.url()
	if err != nil {
		return nil, "", nil, err
	}
	m := &server.Main{DatabaseURL: u, Log: d.logger(s)}
	if err := m.Open(ctx); err != nil {
		return nil, "", nil, err
	}
	return m.E, u, func() { m.Store.Close() }, nil
}

// accountView is an account as 'accounts list' shows it: never a secret,
// nor a secret's hash.
type accountView struct {
	ID                   string     `json:"id"`
	Name                 string     `json:"name"`
	Mode                 string     `json:"mode"` // test or live
	Region               string     `json:"region"`
	MWSSellerID          string     `json:"mws_seller_id"`
	CreatedAt            time.Time  `json:"created_at"`
	DisabledAt           *time.Time `json:"disabled_at"`
	PreviousKeyExpiresAt *time.Time `json:"previous_key_expires_at"` // a rotated key's end of grace
}

func viewOf(a *kessai.Account, now time.Time) accountView {
	v := accountView{ID: a.ID, Name: a.Name, Mode: "test", Region: a.MWS.Region, MWSSellerID: a.MWS.SellerID,
		CreatedAt: a.CreatedAt, DisabledAt: a.DisabledAt}
	if a.Livemode {
		v.Mode = "live"
	}
	if a.PreviousKeyExpiresAt != nil && now.Before(*a.PreviousKeyExpiresAt) {
		v.PreviousKeyExpiresAt = a.PreviousKeyExpiresAt
	}
	return v
}

// accountsListCmd lists the accounts.
type accountsListCmd struct {
	database
	JSON bool `name:"json" env:"KESSAI_ACCOUNT_JSON" help:"Print one JSON array."`
}

// Run lists every account, oldest id first.
func (c *accountsListCmd) Run(ctx context.Context, s *streams) error {
	e, _, done, err := openEngine(ctx, &c.database, s)
	if err != nil {
		return err
	}
	defer done()
	views := []accountView{}
	for after := ""; ; {
		page, err := e.Accounts(ctx, after, 100)
		if err != nil {
			return err
		}
		for _, a := range page {
			views = append(views, viewOf(a, e.Clock.Now()))
		}
		if len(page) < 100 {
			break
		}
		after = page[len(page)-1].ID
	}
	if c.JSON {
		return json.NewEncoder(s.out).Encode(views)
	}
	w := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tMODE\tREGION\tCREATED\tSTATE")
	for _, v := range views {
		state := "enabled"
		if v.DisabledAt != nil {
			state = "disabled since " + v.DisabledAt.Format(time.RFC3339)
		}
		if v.PreviousKeyExpiresAt != nil {
			state += ", old key until " + v.PreviousKeyExpiresAt.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.Name, v.Mode, v.Region, v.CreatedAt.Format(time.RFC3339), state)
	}
	return w.Flush()
}

// accountsRotateKeyCmd gives an account a new secret key.
type accountsRotateKeyCmd struct {
	database
	Account string        `arg:"" name:"account" help:"The account's id (acct_…, see 'kessai accounts list')."`
	Grace   time.Duration `name:"grace" env:"KESSAI_KEY_GRACE" default:"24h" help:"How long the replaced key keeps working (default ${default}; 0s: it stops at once)."`
	JSON    bool          `name:"json" env:"KESSAI_ACCOUNT_JSON" help:"Print the new key as one JSON object."`
}

// Help is the long help of 'kessai accounts rotate-key --help'.
func (accountsRotateKeyCmd) Help() string {
	return `Gives the account a new secret key, printed this once, and keeps the key it replaces working for --grace, so that its clients can move to the new one. A key replaced by an earlier rotation stops at once. Running servers take the change within 2 seconds. The publishable key, the webhook token and the MWS credentials do not change.

Example:
  kessai accounts rotate-key acct_01jabcdefghijk --grace 1h`
}

// Run rotates the key and prints the new one.
func (c *accountsRotateKeyCmd) Run(ctx context.Context, s *streams) error {
	e, u, done, err := openEngine(ctx, &c.database, s)
	if err != nil {
		return err
	}
	defer done()
	r, err := accounts.RotateSecretKey(e, ctx, c.Account, c.Grace)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.err, "kessai: account %s has a new secret key in database %s\n", r.AccountID, describeDatabase(u))
	if c.JSON {
		return json.NewEncoder(s.out).Encode(r)
	}
	old := "stopped working"
	if r.PreviousKeyExpiresAt != nil {
		old = "works until " + r.PreviousKeyExpiresAt.Format(time.RFC3339)
	}
	fmt.Fprintf(s.out, "account     %s\nsecret key  %s\nold key     %s\n", r.AccountID, r.SecretKey, old)
	return nil
}

// accountsDisableCmd and accountsEnableCmd switch an account off and on.
type accountsDisableCmd struct {
	database
	Account string `arg:"" name:"account" help:"The account's id (acct_…)."`
}

type accountsEnableCmd accountsDisableCmd

// Help is the long help of 'kessai accounts disable --help'.
func (accountsDisableCmd) Help() string {
	return `Refuses the account's secret keys, MWS credentials and dashboard sign-in, on every running server within 2 seconds, until 'kessai accounts enable'. Its data stays, and its jobs (settlements and expiries already due, webhooks) still run.`
}

// Run disables the account.
func (c *accountsDisableCmd) Run(ctx context.Context, s *streams) error {
	return setDisabled(ctx, &c.database, s, c.Account, true)
}

// Run enables the account.
func (c *accountsEnableCmd) Run(ctx context.Context, s *streams) error {
	return setDisabled(ctx, &c.database, s, c.Account, false)
}

func setDisabled(ctx context.Context, d *database, s *streams, id string, disabled bool) error {
	e, _, done, err := openEngine(ctx, d, s)
	if err != nil {
		return err
	}
	defer done()
	a, err := accounts.SetAccountDisabled(e, ctx, id, disabled)
	if err != nil {
		return err
	}
	state := "enabled"
	if a.DisabledAt != nil {
		state = "disabled since " + a.DisabledAt.Format(time.RFC3339)
	}
	fmt.Fprintf(s.out, "account %s (%s): %s\n", a.ID, a.Name, state)
	return nil
}
