package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kessai/kessai"
)

// The catalog of Checkout: products, their prices and tax rates. Plain
// objects with their metadata and events; the rules are the official ones
// (a product with prices cannot be deleted; a default price is one of the
// product's own).

// ProductParams creates or updates a product; nil fields are left alone
// (update) or absent (create).
type ProductParams struct {
	ID             *string // merchant-chosen, on create
	Name           *string
	Active         *bool
	DefaultPriceID *string // update only
	Description    *string
	UnitLabel      *string
	URL            *string
}

func (p ProductParams) validate(op string, create bool) error {
	if create && (p.Name == nil || strings.TrimSpace(*p.Name) == "") {
		return kessai.Invalidf(op, "name", "Field required")
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"name", p.Name, 250}, {"description", p.Description, 500}, {"unit_label", p.UnitLabel, 12}, {"url", p.URL, 2048}} {
		if err := checkLen(op, f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if p.ID != nil && !kessai.ValidCustomID(*p.ID) {
		return kessai.Invalidf(op, "id", "String should match pattern '^[0-9A-Za-z_-]{1,100}$'")
	}
	return nil
}

// CreateProduct creates a product. Errors: validation_error,
// already_exists_id.
func (e *Engine) CreateProduct(ctx context.Context, acct *kessai.Account, p ProductParams) (*kessai.Product, error) {
	const op = "engine.CreateProduct"
	if err := p.validate(op, true); err != nil {
		return nil, err
	}
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		pr := &kessai.Product{AccountID: w.acct.ID, ID: kessai.NewID(kessai.PrefixProduct), Livemode: w.acct.Livemode,
			Name: *p.Name, Active: true, Description: nilIfEmpty(p.Description), UnitLabel: nilIfEmpty(p.UnitLabel),
			URL: nilIfEmpty(p.URL), CreatedAt: w.now, UpdatedAt: w.now}
		if p.ID != nil {
			pr.ID = *p.ID
		}
		if p.Active != nil {
			pr.Active = *p.Active
		}
		if err := w.tx.Insert(ctx, pr); err != nil {
			if errors.Is(err, kessai.ErrDuplicate) {
				return nil, kessai.Errorf(kessai.AlreadyExistsID, op, "The specified product ID %s already exists.", pr.ID)
			}
			return nil, err
		}
		return pr, w.emit("product.created", "product", pr.ID, pr)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Product), nil
}

// UpdateProduct changes a product. Errors: not_found, validation_error,
// invalid_default_price.
func (e *Engine) UpdateProduct(ctx context.Context, acct *kessai.Account, id string, p ProductParams) (*kessai.Product, error) {
	const op = "engine.UpdateProduct"
	if err := p.validate(op, false); err != nil {
		return nil, err
	}
	if p.Name != nil && strings.TrimSpace(*p.Name) == "" {
		return nil, kessai.Invalidf(op, "name", "String should have at least 1 character")
	}
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		var pr kessai.Product
		if err := get(ctx, w.tx, kessai.KindProduct, w.acct.ID, id, true, &pr, op, "product"); err != nil {
			return nil, err
		}
		if p.DefaultPriceID != nil && *p.DefaultPriceID != "" {
			var price kessai.Price
			err := get(ctx, w.tx, kessai.KindPrice, w.acct.ID, *p.DefaultPriceID, false, &price, op, "price")
			if err != nil && kessai.ErrorCode(err) != kessai.NotFound {
				return nil, err
			}
			if err != nil || price.ProductID != pr.ID {
				return nil, kessai.Errorf(kessai.InvalidDefaultPrice, op, "Price %s is not a price of product %s.", *p.DefaultPriceID, pr.ID)
			}
			pr.DefaultPriceID = p.DefaultPriceID
		} else if p.DefaultPriceID != nil {
			pr.DefaultPriceID = nil
		}
		if p.Name != nil {
			pr.Name = *p.Name
		}
		if p.Active != nil {
			pr.Active = *p.Active
		}
		if p.Description != nil {
			pr.Description = nilIfEmpty(p.Description)
		}
		if p.UnitLabel != nil {
			pr.UnitLabel = nilIfEmpty(p.UnitLabel)
		}
		if p.URL != nil {
			pr.URL = nilIfEmpty(p.URL)
		}
		pr.UpdatedAt = w.now
		if err := w.tx.Put(ctx, &pr); err != nil {
			return nil, err
		}
		return &pr, w.emit("product.updated", "product", pr.ID, &pr)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Product), nil
}

// DeleteProduct deletes a product that has no prices. Errors: not_found,
// product_has_prices.
func (e *Engine) DeleteProduct(ctx context.Context, acct *kessai.Account, id string) (*kessai.Product, error) {
	const op = "engine.DeleteProduct"
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		var pr kessai.Product
		if err := get(ctx, w.tx, kessai.KindProduct, w.acct.ID, id, true, &pr, op, "product"); err != nil {
			return nil, err
		}
		prices, _, err := w.tx.List(ctx, kessai.KindPrice, w.acct.ID, map[string]string{"product_id": id}, kessai.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(prices) > 0 {
			return nil, kessai.Errorf(kessai.ProductHasPrices, op, "Product %s has prices and cannot be deleted; deactivate it instead.", id)
		}
		if err := w.tx.Delete(ctx, kessai.KindProduct, w.acct.ID, id); err != nil {
			return nil, err
		}
		return &pr, w.emit("product.deleted", "product", pr.ID, &pr)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Product), nil
}

// PriceParams creates or updates a price.
type PriceParams struct {
	ID         *string
	ProductID  *string
	UnitAmount *int64
	Currency   *string
	Active     *bool
	Nickname   *string
	LookupKey  *string
	Metadata   kessai.Metadata
}

// CreatePrice creates a one-time price of a product. Errors:
// validation_error, not_found (product), already_exists_id,
// metadata_limit_exceeded.
func (e *Engine) CreatePrice(ctx context.Context, acct *kessai.Account, p PriceParams) (*kessai.Price, error) {
	const op = "engine.CreatePrice"
	for field, set := range map[string]bool{"product_id": p.ProductID != nil, "unit_amount": p.UnitAmount != nil, "currency": p.Currency != nil} {
		if !set {
			return nil, kessai.Invalidf(op, field, "Field required")
		}
	}
	if *p.Currency != "jpy" {
		return nil, kessai.Invalidf(op, "currency", "Input should be 'jpy'")
	}
	if *p.UnitAmount < 0 || *p.UnitAmount > MaxAmount {
		return nil, kessai.Invalidf(op, "unit_amount", "Input should be between 0 and %d", MaxAmount)
	}
	if err := checkLen(op, "nickname", p.Nickname, 250); err != nil {
		return nil, err
	}
	if err := checkLen(op, "lookup_key", p.LookupKey, 200); err != nil {
		return nil, err
	}
	md, err := mergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		var pr kessai.Product
		if err := get(ctx, w.tx, kessai.KindProduct, w.acct.ID, *p.ProductID, false, &pr, op, "product"); err != nil {
			return nil, err
		}
		price := &kessai.Price{AccountID: w.acct.ID, ID: kessai.NewID(kessai.PrefixPrice), Livemode: w.acct.Livemode,
			ProductID: pr.ID, UnitAmount: *p.UnitAmount, Currency: "jpy", Active: true, Nickname: nilIfEmpty(p.Nickname),
			LookupKey: nilIfEmpty(p.LookupKey), Metadata: md, CreatedAt: w.now, UpdatedAt: w.now}
		if p.ID != nil {
			price.ID = *p.ID
		}
		if p.Active != nil {
			price.Active = *p.Active
		}
		if err := w.tx.Insert(ctx, price); err != nil {
			if errors.Is(err, kessai.ErrDuplicate) {
				return nil, kessai.Errorf(kessai.AlreadyExistsID, op, "The specified price ID %s already exists.", price.ID)
			}
			return nil, err
		}
		return price, w.emit("price.created", "price", price.ID, price)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Price), nil
}

// UpdatePrice changes a price's active flag, nickname, lookup key and
// metadata (amounts never change). Errors: not_found, validation_error,
// metadata_limit_exceeded.
func (e *Engine) UpdatePrice(ctx context.Context, acct *kessai.Account, id string, p PriceParams) (*kessai.Price, error) {
	const op = "engine.UpdatePrice"
	if err := checkLen(op, "nickname", p.Nickname, 250); err != nil {
		return nil, err
	}
	if err := checkLen(op, "lookup_key", p.LookupKey, 200); err != nil {
		return nil, err
	}
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		var price kessai.Price
		if err := get(ctx, w.tx, kessai.KindPrice, w.acct.ID, id, true, &price, op, "price"); err != nil {
			return nil, err
		}
		md, err := mergeMetadata(op, price.Metadata, p.Metadata)
		if err != nil {
			return nil, err
		}
		price.Metadata = md
		if p.Active != nil {
			price.Active = *p.Active
		}
		if p.Nickname != nil {
			price.Nickname = nilIfEmpty(p.Nickname)
		}
		if p.LookupKey != nil {
			price.LookupKey = nilIfEmpty(p.LookupKey)
		}
		price.UpdatedAt = w.now
		if err := w.tx.Put(ctx, &price); err != nil {
			return nil, err
		}
		return &price, w.emit("price.updated", "price", price.ID, &price)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Price), nil
}

// TaxRateParams creates or updates a tax rate.
type TaxRateParams struct {
	DisplayName *string
	Inclusive   *bool
	Percentage  *string // a decimal, e.g. "10" or "8.5"
	Active      *bool
	Country     *string
	Description *string
	Metadata    kessai.Metadata
}

// ParsePercentage parses a decimal percentage from 0 to 100 with at most
// four fraction digits into ten-thousandths of a percent ("8.5" → 85000).
// Errors: validation_error.
func ParsePercentage(s string) (int64, error) {
	const op = "engine.ParsePercentage"
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 4 || whole == "" || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, kessai.Invalidf(op, "percentage", "Input should be a number from 0 to 100 with at most 4 decimals")
	}
	frac += strings.Repeat("0", 4-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n < 0 || n > 100_0000 {
		return 0, kessai.Invalidf(op, "percentage", "Input should be a number from 0 to 100 with at most 4 decimals")
	}
	return n, nil
}

// FormatPercentage writes ten-thousandths of a percent as a decimal.
func FormatPercentage(n int64) string {
	s := fmt.Sprintf("%d.%04d", n/10000, n%10000)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// CreateTaxRate creates a tax rate. Errors: validation_error,
// metadata_limit_exceeded.
func (e *Engine) CreateTaxRate(ctx context.Context, acct *kessai.Account, p TaxRateParams) (*kessai.TaxRate, error) {
	const op = "engine.CreateTaxRate"
	for field, set := range map[string]bool{"display_name": p.DisplayName != nil, "inclusive": p.Inclusive != nil, "percentage": p.Percentage != nil} {
		if !set {
			return nil, kessai.Invalidf(op, field, "Field required")
		}
	}
	pct, err := ParsePercentage(*p.Percentage)
	if err != nil {
		return nil, err
	}
	if err := p.check(op); err != nil {
		return nil, err
	}
	md, err := mergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		t := &kessai.TaxRate{AccountID: w.acct.ID, ID: kessai.NewID(kessai.PrefixTaxRate), Livemode: w.acct.Livemode,
			DisplayName: *p.DisplayName, Inclusive: *p.Inclusive, Percentage: pct, Active: true, Country: "JP",
			Description: nilIfEmpty(p.Description), Metadata: md, CreatedAt: w.now, UpdatedAt: w.now}
		if p.Active != nil {
			t.Active = *p.Active
		}
		if err := w.tx.Insert(ctx, t); err != nil {
			return nil, err
		}
		return t, w.emit("tax_rate.created", "tax_rate", t.ID, t)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.TaxRate), nil
}

func (p TaxRateParams) check(op string) error {
	if p.Country != nil && *p.Country != "JP" {
		return kessai.Invalidf(op, "country", "Input should be 'JP'")
	}
	if err := checkLen(op, "display_name", p.DisplayName, 50); err != nil {
		return err
	}
	return checkLen(op, "description", p.Description, 500)
}

// UpdateTaxRate changes a tax rate's name, description, country, active
// flag and metadata (percentage and inclusive never change). Errors:
// not_found, validation_error, metadata_limit_exceeded.
func (e *Engine) UpdateTaxRate(ctx context.Context, acct *kessai.Account, id string, p TaxRateParams) (*kessai.TaxRate, error) {
	const op = "engine.UpdateTaxRate"
	if err := p.check(op); err != nil {
		return nil, err
	}
	res, err := e.write(ctx, acct, op, func(w *W) (any, error) {
		var t kessai.TaxRate
		if err := get(ctx, w.tx, kessai.KindTaxRate, w.acct.ID, id, true, &t, op, "tax_rate"); err != nil {
			return nil, err
		}
		md, err := mergeMetadata(op, t.Metadata, p.Metadata)
		if err != nil {
			return nil, err
		}
		t.Metadata = md
		if p.DisplayName != nil {
			t.DisplayName = *p.DisplayName
		}
		if p.Active != nil {
			t.Active = *p.Active
		}
		if p.Description != nil {
			t.Description = nilIfEmpty(p.Description)
		}
		t.UpdatedAt = w.now
		if err := w.tx.Put(ctx, &t); err != nil {
			return nil, err
		}
		return &t, w.emit("tax_rate.updated", "tax_rate", t.ID, &t)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.TaxRate), nil
}

// GetProduct, GetPrice and GetTaxRate return one object. Errors: not_found.
func (e *Engine) GetProduct(ctx context.Context, acct *kessai.Account, id string) (*kessai.Product, error) {
	return getDoc[kessai.Product](ctx, e, acct, kessai.KindProduct, id, "product")
}

// GetPrice returns a price. Errors: not_found.
func (e *Engine) GetPrice(ctx context.Context, acct *kessai.Account, id string) (*kessai.Price, error) {
	return getDoc[kessai.Price](ctx, e, acct, kessai.KindPrice, id, "price")
}

// GetTaxRate returns a tax rate. Errors: not_found.
func (e *Engine) GetTaxRate(ctx context.Context, acct *kessai.Account, id string) (*kessai.TaxRate, error) {
	return getDoc[kessai.TaxRate](ctx, e, acct, kessai.KindTaxRate, id, "tax_rate")
}

// ListProducts pages through products, newest first.
func (e *Engine) ListProducts(ctx context.Context, acct *kessai.Account, page kessai.Page) ([]*kessai.Product, bool, error) {
	return list[kessai.Product](ctx, e, acct, kessai.KindProduct, nil, page, "engine.ListProducts", "product")
}

// ListPrices pages through prices, newest first, optionally with one
// lookup key.
func (e *Engine) ListPrices(ctx context.Context, acct *kessai.Account, lookupKey string, page kessai.Page) ([]*kessai.Price, bool, error) {
	return list[kessai.Price](ctx, e, acct, kessai.KindPrice, map[string]string{"lookup_key": lookupKey}, page, "engine.ListPrices", "price")
}

// ListTaxRates pages through tax rates, newest first.
func (e *Engine) ListTaxRates(ctx context.Context, acct *kessai.Account, page kessai.Page) ([]*kessai.TaxRate, bool, error) {
	return list[kessai.TaxRate](ctx, e, acct, kessai.KindTaxRate, nil, page, "engine.ListTaxRates", "tax_rate")
}
