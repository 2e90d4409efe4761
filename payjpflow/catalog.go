package payjpflow

import (
	"context"
	"errors"
	"strings"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/accounting"
	"github.com/kessai/kessai/engine"
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
		if err := engine.CheckLen(op, f.name, f.v, f.max); err != nil {
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
func CreateProduct(e *engine.Engine, ctx context.Context, acct *kessai.Account, p ProductParams) (*kessai.Product, error) {
	const op = "payjpflow.CreateProduct"
	if err := p.validate(op, true); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		pr := &kessai.Product{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixProduct), Livemode: w.Account().Livemode,
			Name: *p.Name, Active: true, Description: nilIfEmpty(p.Description), UnitLabel: nilIfEmpty(p.UnitLabel),
			URL: nilIfEmpty(p.URL), CreatedAt: w.Now(), UpdatedAt: w.Now()}
		if p.ID != nil {
			pr.ID = *p.ID
		}
		if p.Active != nil {
			pr.Active = *p.Active
		}
		if err := w.Tx().Insert(ctx, pr); err != nil {
			if errors.Is(err, kessai.ErrDuplicate) {
				return nil, kessai.Errorf(kessai.AlreadyExistsID, op, "The specified product ID %s already exists.", pr.ID)
			}
			return nil, err
		}
		return pr, w.Emit("product.created", "product", pr.ID, pr)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Product), nil
}

// UpdateProduct changes a product. Errors: not_found, validation_error,
// invalid_default_price.
func UpdateProduct(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, p ProductParams) (*kessai.Product, error) {
	const op = "payjpflow.UpdateProduct"
	if err := p.validate(op, false); err != nil {
		return nil, err
	}
	if p.Name != nil && strings.TrimSpace(*p.Name) == "" {
		return nil, kessai.Invalidf(op, "name", "String should have at least 1 character")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var pr kessai.Product
		if err := engine.Get(ctx, w.Tx(), kessai.KindProduct, w.Account().ID, id, true, &pr, op, "product"); err != nil {
			return nil, err
		}
		if p.DefaultPriceID != nil && *p.DefaultPriceID != "" {
			var price kessai.Price
			err := engine.Get(ctx, w.Tx(), kessai.KindPrice, w.Account().ID, *p.DefaultPriceID, false, &price, op, "price")
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
		pr.UpdatedAt = w.Now()
		if err := w.Tx().Put(ctx, &pr); err != nil {
			return nil, err
		}
		return &pr, w.Emit("product.updated", "product", pr.ID, &pr)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Product), nil
}

// DeleteProduct deletes a product that has no prices. Errors: not_found,
// product_has_prices.
func DeleteProduct(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Product, error) {
	const op = "payjpflow.DeleteProduct"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var pr kessai.Product
		if err := engine.Get(ctx, w.Tx(), kessai.KindProduct, w.Account().ID, id, true, &pr, op, "product"); err != nil {
			return nil, err
		}
		prices, _, err := w.Tx().List(ctx, kessai.KindPrice, w.Account().ID, map[string]string{"product_id": id}, kessai.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(prices) > 0 {
			return nil, kessai.Errorf(kessai.ProductHasPrices, op, "Product %s has prices and cannot be deleted; deactivate it instead.", id)
		}
		if err := w.Tx().Delete(ctx, kessai.KindProduct, w.Account().ID, id); err != nil {
			return nil, err
		}
		return &pr, w.Emit("product.deleted", "product", pr.ID, &pr)
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
func CreatePrice(e *engine.Engine, ctx context.Context, acct *kessai.Account, p PriceParams) (*kessai.Price, error) {
	const op = "payjpflow.CreatePrice"
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
	if err := engine.CheckLen(op, "nickname", p.Nickname, 250); err != nil {
		return nil, err
	}
	if err := engine.CheckLen(op, "lookup_key", p.LookupKey, 200); err != nil {
		return nil, err
	}
	md, err := engine.MergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var pr kessai.Product
		if err := engine.Get(ctx, w.Tx(), kessai.KindProduct, w.Account().ID, *p.ProductID, false, &pr, op, "product"); err != nil {
			return nil, err
		}
		price := &kessai.Price{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixPrice), Livemode: w.Account().Livemode,
			ProductID: pr.ID, UnitAmount: *p.UnitAmount, Currency: "jpy", Active: true, Nickname: nilIfEmpty(p.Nickname),
			LookupKey: nilIfEmpty(p.LookupKey), Metadata: md, CreatedAt: w.Now(), UpdatedAt: w.Now()}
		if p.ID != nil {
			price.ID = *p.ID
		}
		if p.Active != nil {
			price.Active = *p.Active
		}
		if err := w.Tx().Insert(ctx, price); err != nil {
			if errors.Is(err, kessai.ErrDuplicate) {
				return nil, kessai.Errorf(kessai.AlreadyExistsID, op, "The specified price ID %s already exists.", price.ID)
			}
			return nil, err
		}
		return price, w.Emit("price.created", "price", price.ID, price)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.Price), nil
}

// UpdatePrice changes a price's active flag, nickname, lookup key and
// metadata (amounts never change). Errors: not_found, validation_error,
// metadata_limit_exceeded.
func UpdatePrice(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, p PriceParams) (*kessai.Price, error) {
	const op = "payjpflow.UpdatePrice"
	if err := engine.CheckLen(op, "nickname", p.Nickname, 250); err != nil {
		return nil, err
	}
	if err := engine.CheckLen(op, "lookup_key", p.LookupKey, 200); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var price kessai.Price
		if err := engine.Get(ctx, w.Tx(), kessai.KindPrice, w.Account().ID, id, true, &price, op, "price"); err != nil {
			return nil, err
		}
		md, err := engine.MergeMetadata(op, price.Metadata, p.Metadata)
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
		price.UpdatedAt = w.Now()
		if err := w.Tx().Put(ctx, &price); err != nil {
			return nil, err
		}
		return &price, w.Emit("price.updated", "price", price.ID, &price)
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

// CreateTaxRate creates a tax rate. Errors: validation_error,
// metadata_limit_exceeded.
func CreateTaxRate(e *engine.Engine, ctx context.Context, acct *kessai.Account, p TaxRateParams) (*kessai.TaxRate, error) {
	const op = "payjpflow.CreateTaxRate"
	for field, set := range map[string]bool{"display_name": p.DisplayName != nil, "inclusive": p.Inclusive != nil, "percentage": p.Percentage != nil} {
		if !set {
			return nil, kessai.Invalidf(op, field, "Field required")
		}
	}
	pct, err := accounting.ParsePercentage(*p.Percentage)
	if err != nil {
		return nil, err
	}
	if err := p.check(op); err != nil {
		return nil, err
	}
	md, err := engine.MergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		t := &kessai.TaxRate{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixTaxRate), Livemode: w.Account().Livemode,
			DisplayName: *p.DisplayName, Inclusive: *p.Inclusive, Percentage: pct, Active: true, Country: "JP",
			Description: nilIfEmpty(p.Description), Metadata: md, CreatedAt: w.Now(), UpdatedAt: w.Now()}
		if p.Active != nil {
			t.Active = *p.Active
		}
		if err := w.Tx().Insert(ctx, t); err != nil {
			return nil, err
		}
		return t, w.Emit("tax_rate.created", "tax_rate", t.ID, t)
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
	if err := engine.CheckLen(op, "display_name", p.DisplayName, 50); err != nil {
		return err
	}
	return engine.CheckLen(op, "description", p.Description, 500)
}

// UpdateTaxRate changes a tax rate's name, description, country, active
// flag and metadata (percentage and inclusive never change). Errors:
// not_found, validation_error, metadata_limit_exceeded.
func UpdateTaxRate(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, p TaxRateParams) (*kessai.TaxRate, error) {
	const op = "payjpflow.UpdateTaxRate"
	if err := p.check(op); err != nil {
		return nil, err
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		var t kessai.TaxRate
		if err := engine.Get(ctx, w.Tx(), kessai.KindTaxRate, w.Account().ID, id, true, &t, op, "tax_rate"); err != nil {
			return nil, err
		}
		md, err := engine.MergeMetadata(op, t.Metadata, p.Metadata)
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
		t.UpdatedAt = w.Now()
		if err := w.Tx().Put(ctx, &t); err != nil {
			return nil, err
		}
		return &t, w.Emit("tax_rate.updated", "tax_rate", t.ID, &t)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.TaxRate), nil
}

// GetProduct, GetPrice and GetTaxRate return one object. Errors: not_found.
func GetProduct(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Product, error) {
	return engine.GetDoc[kessai.Product](ctx, e, acct, kessai.KindProduct, id, "product")
}

// GetPrice returns a price. Errors: not_found.
func GetPrice(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.Price, error) {
	return engine.GetDoc[kessai.Price](ctx, e, acct, kessai.KindPrice, id, "price")
}

// GetTaxRate returns a tax rate. Errors: not_found.
func GetTaxRate(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.TaxRate, error) {
	return engine.GetDoc[kessai.TaxRate](ctx, e, acct, kessai.KindTaxRate, id, "tax_rate")
}

// ListProducts pages through products, newest first.
func ListProducts(e *engine.Engine, ctx context.Context, acct *kessai.Account, page kessai.Page) ([]*kessai.Product, bool, error) {
	return engine.ListOf[kessai.Product](ctx, e, acct, kessai.KindProduct, nil, page, "payjpflow.ListProducts", "product")
}

// ListPrices pages through prices, newest first, optionally with one
// lookup key.
func ListPrices(e *engine.Engine, ctx context.Context, acct *kessai.Account, lookupKey string, page kessai.Page) ([]*kessai.Price, bool, error) {
	return engine.ListOf[kessai.Price](ctx, e, acct, kessai.KindPrice, map[string]string{"lookup_key": lookupKey}, page, "payjpflow.ListPrices", "price")
}

// ListTaxRates pages through tax rates, newest first.
func ListTaxRates(e *engine.Engine, ctx context.Context, acct *kessai.Account, page kessai.Page) ([]*kessai.TaxRate, bool, error) {
	return engine.ListOf[kessai.TaxRate](ctx, e, acct, kessai.KindTaxRate, nil, page, "payjpflow.ListTaxRates", "tax_rate")
}
