package payjpflow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kessai/kessai"
	"github.com/kessai/kessai/engine"
)

// Checkout sessions: a hosted page where the buyer pays line items (mode
// payment) or saves a card (mode setup). kessai's page is the simulated
// buyer (package kessaiapi); completing it runs the payment flow's or the
// setup flow's own operations in the session's write. Open sessions expire
// at expires_at on the account's clock (a job).

// JobExpireCheckoutSession expires an open checkout session.
const JobExpireCheckoutSession = "expire_checkout_session"

// Checkout session limits.
const (
	MaxLineItems           = 100
	CheckoutMinLifetime    = 30 * time.Minute
	CheckoutMaxLifetime    = 24 * time.Hour
	DefaultCheckoutExpires = 24 * time.Hour
)

// LineItemParams is one requested line: a price, a quantity and tax rates.
type LineItemParams struct {
	PriceID    *string
	Quantity   *int64
	TaxRateIDs []string
}

// CheckoutParams creates a checkout session; nil fields take their
// defaults.
type CheckoutParams struct {
	Mode                 *string
	SuccessURL           *string
	CancelURL            *string
	ClientReferenceID    *string
	Currency             *string
	CustomerCreation     *string
	CustomerEmail        *string
	CustomerID           *string
	ExpiresAt            *time.Time
	LineItems            []LineItemParams
	Locale               *string
	PaymentMethodTypes   []string
	PaymentMethodOptions json.RawMessage
	SubmitType           *string
	UIMode               *string
	PaymentFlowData      *FlowData // payment mode only
	SetupFlowData        *FlowData // setup mode only
	Metadata             kessai.Metadata
}

// FlowData is what a session passes on to the flow it creates.
type FlowData struct {
	CaptureMethod *string // payment flows only
	Metadata      kessai.Metadata
}

func oneOf(op, field string, v *string, allowed ...string) error {
	if v == nil || engine.StatusIn(*v, allowed...) {
		return nil
	}
	return kessai.Invalidf(op, field, "Input should be %s", quoteList(allowed))
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + x + "'"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func validURL(op, field string, u *string) error {
	if u == nil {
		return nil
	}
	parsed, err := url.Parse(*u)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" || len(*u) > 2048 {
		return kessai.Invalidf(op, field, "Input should be a valid URL")
	}
	return nil
}

func (p *CheckoutParams) validate(op string) error {
	if p.Mode == nil {
		return kessai.Invalidf(op, "mode", "Field required")
	}
	checks := []error{
		oneOf(op, "mode", p.Mode, kessai.CheckoutModePayment, kessai.CheckoutModeSetup),
		oneOf(op, "currency", p.Currency, "jpy"),
		oneOf(op, "customer_creation", p.CustomerCreation, "always", "if_required"),
		oneOf(op, "locale", p.Locale, "auto", "ja"),
		oneOf(op, "submit_type", p.SubmitType, "auto", "book", "donate", "pay"),
		oneOf(op, "ui_mode", p.UIMode, "hosted"),
		validURL(op, "success_url", p.SuccessURL),
		validURL(op, "cancel_url", p.CancelURL),
		engine.CheckLen(op, "client_reference_id", p.ClientReferenceID, 200),
		validMethodTypes(op, p.PaymentMethodTypes),
		validOptions(op, p.PaymentMethodOptions),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if p.CustomerEmail != nil && !validEmail(*p.CustomerEmail) {
		return kessai.Invalidf(op, "customer_email", "value is not a valid email address")
	}
	if p.CustomerID != nil && p.CustomerEmail != nil {
		return kessai.Invalidf(op, "customer_email", "customer_email cannot be given with customer_id")
	}
	if *p.Mode == kessai.CheckoutModeSetup {
		switch {
		case p.LineItems != nil:
			return kessai.Invalidf(op, "line_items", "line_items cannot be given in setup mode")
		case p.PaymentFlowData != nil:
			return kessai.Invalidf(op, "payment_flow_data", "payment_flow_data can be given only in payment mode")
		case p.SubmitType != nil:
			return kessai.Invalidf(op, "submit_type", "submit_type can be given only in payment mode")
		}
		for i, t := range p.PaymentMethodTypes {
			if t != kessai.MethodCard {
				return kessai.Invalidf(op, fmt.Sprintf("payment_method_types.%d", i), "Input should be 'card' (setup mode saves cards)")
			}
		}
		return nil
	}
	if p.SetupFlowData != nil {
		return kessai.Invalidf(op, "setup_flow_data", "setup_flow_data can be given only in setup mode")
	}
	if p.PaymentFlowData != nil && p.PaymentFlowData.CaptureMethod != nil {
		if err := validCaptureMethod(op, *p.PaymentFlowData.CaptureMethod); err != nil {
			return kessai.Invalidf(op, "payment_flow_data.capture_method", "Input should be 'automatic' or 'manual'")
		}
	}
	if len(p.LineItems) == 0 {
		return kessai.Invalidf(op, "line_items", "line_items are required in payment mode")
	}
	if len(p.LineItems) > MaxLineItems {
		return kessai.Invalidf(op, "line_items", "List should have at most %d items", MaxLineItems)
	}
	for i, li := range p.LineItems {
		field := fmt.Sprintf("line_items.%d.", i)
		if li.PriceID == nil {
			return kessai.Invalidf(op, field+"price_id", "Field required")
		}
		if li.Quantity == nil {
			return kessai.Invalidf(op, field+"quantity", "Field required")
		}
		if *li.Quantity < 1 || *li.Quantity > MaxAmount {
			return kessai.Invalidf(op, field+"quantity", "Input should be between 1 and %d", MaxAmount)
		}
		seen := map[string]bool{}
		for _, t := range li.TaxRateIDs {
			if seen[t] {
				return kessai.Invalidf(op, field+"tax_rates", "Items must be unique")
			}
			seen[t] = true
		}
	}
	return nil
}

// CreateCheckoutSession creates an open session with its line items priced
// and taxed (ComputeLine). Errors: validation_error, not_found (customer,
// price, tax rate), metadata_limit_exceeded,
// payment_method_not_in_allowed_types (the configuration offers nothing).
func CreateCheckoutSession(e *engine.Engine, ctx context.Context, acct *kessai.Account, p CheckoutParams) (*kessai.CheckoutSession, error) {
	const op = "payjpflow.CreateCheckoutSession"
	if err := p.validate(op); err != nil {
		return nil, err
	}
	md, err := engine.MergeMetadata(op, nil, p.Metadata)
	if err != nil {
		return nil, err
	}
	var flowData *FlowData
	if p.PaymentFlowData != nil {
		flowData = p.PaymentFlowData
	} else if p.SetupFlowData != nil {
		flowData = p.SetupFlowData
	}
	var flowMD kessai.Metadata
	if flowData != nil {
		if flowMD, err = engine.MergeMetadata(op, nil, flowData.Metadata); err != nil {
			return nil, err
		}
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		s := &kessai.CheckoutSession{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixCheckout), Livemode: w.Account().Livemode,
			Mode: *p.Mode, Status: kessai.CheckoutOpen, Currency: "jpy", Locale: "auto", UIMode: "hosted", SubmitType: "auto",
			CustomerID: p.CustomerID, CustomerEmail: p.CustomerEmail, CustomerCreation: "if_required",
			ClientReferenceID: p.ClientReferenceID, PaymentMethodTypes: p.PaymentMethodTypes,
			PaymentMethodOptions: p.PaymentMethodOptions, SuccessURL: p.SuccessURL, CancelURL: p.CancelURL,
			FlowMetadata: flowMD, ExpiresAt: w.Now().Add(DefaultCheckoutExpires), Metadata: md, CreatedAt: w.Now(), UpdatedAt: w.Now()}
		for field, v := range map[string]*string{"locale": p.Locale, "ui_mode": p.UIMode, "submit_type": p.SubmitType, "customer_creation": p.CustomerCreation} {
			if v == nil {
				continue
			}
			switch field {
			case "locale":
				s.Locale = *v
			case "ui_mode":
				s.UIMode = *v
			case "submit_type":
				s.SubmitType = *v
			default:
				s.CustomerCreation = *v
			}
		}
		if p.PaymentFlowData != nil && p.PaymentFlowData.CaptureMethod != nil {
			s.CaptureMethod = *p.PaymentFlowData.CaptureMethod
		}
		if p.ExpiresAt != nil {
			exp := p.ExpiresAt.UTC().Truncate(time.Microsecond)
			if exp.Before(w.Now().Add(CheckoutMinLifetime)) || exp.After(w.Now().Add(CheckoutMaxLifetime)) {
				return nil, kessai.Invalidf(op, "expires_at", "expires_at must be between 30 minutes and 24 hours after the session is created")
			}
			s.ExpiresAt = exp
		}
		if s.CustomerID != nil {
			var c kessai.Customer
			if err := engine.Get(ctx, w.Tx(), kessai.KindCustomer, w.Account().ID, *s.CustomerID, false, &c, op, "customer"); err != nil {
				return nil, err
			}
		}
		if s.PaymentMethodTypes == nil {
			if s.Mode == kessai.CheckoutModeSetup {
				s.PaymentMethodTypes = []string{kessai.MethodCard}
			} else {
				types, err := defaultMethodTypes(w, op)
				if err != nil {
					return nil, err
				}
				s.PaymentMethodTypes = types
			}
		}
		if s.Mode == kessai.CheckoutModePayment {
			if err := priceLines(w, op, s, p.LineItems); err != nil {
				return nil, err
			}
		}
		s.ClientSecret = kessai.RandomToken(s.ID+"_secret_", 16)
		s.URL = strings.TrimRight(w.Engine().Config.PublicURL, "/") + "/kessai/v1/checkout/sessions/" + w.Account().ID + "/" + s.ID +
			"?client_secret=" + url.QueryEscape(s.ClientSecret)
		if err := w.Tx().Insert(ctx, s); err != nil {
			return nil, err
		}
		return s, w.Schedule(JobExpireCheckoutSession, engine.JobRef{ID: s.ID}, s.ExpiresAt)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.CheckoutSession), nil
}

// priceLines reads each line's price and tax rates (active, in yen) and
// computes the line's and the session's amounts; the total must be a
// payable amount.
func priceLines(w *engine.W, op string, s *kessai.CheckoutSession, lines []LineItemParams) error {
	var subtotal, total int64
	taxRates := map[string]*kessai.TaxRate{}
	for i, li := range lines {
		field := fmt.Sprintf("line_items.%d.", i)
		var price kessai.Price
		if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindPrice, w.Account().ID, *li.PriceID, false, &price, op, "price"); err != nil {
			return err
		}
		if !price.Active {
			return kessai.Invalidf(op, field+"price_id", "Price %s is not active", price.ID)
		}
		rates := make([]kessai.TaxRate, 0, len(li.TaxRateIDs))
		for _, id := range li.TaxRateIDs {
			t, ok := taxRates[id]
			if !ok {
				t = new(kessai.TaxRate)
				if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindTaxRate, w.Account().ID, id, false, t, op, "tax_rate"); err != nil {
					return err
				}
				taxRates[id] = t
			}
			if !t.Active {
				return kessai.Invalidf(op, field+"tax_rates", "Tax rate %s is not active", t.ID)
			}
			rates = append(rates, *t)
		}
		amounts, ok := ComputeLine(price.UnitAmount, *li.Quantity, rates)
		if !ok {
			return kessai.Invalidf(op, field+"quantity", "The line's amount must be at most %d", MaxAmount)
		}
		var product kessai.Product
		var desc *string
		if err := w.Tx().Get(w.Ctx(), kessai.KindProduct, w.Account().ID, price.ProductID, false, &product); err == nil {
			desc = &product.Name
		}
		s.LineItems = append(s.LineItems, kessai.LineItem{ID: kessai.NewID(kessai.PrefixLineItem), Price: price, Quantity: *li.Quantity,
			TaxRates: rates, Description: desc, AmountSubtotal: amounts.Subtotal, AmountTax: amounts.Tax, AmountTotal: amounts.Total})
		subtotal += amounts.Subtotal
		total += amounts.Total
		if total > MaxAmount {
			return kessai.Invalidf(op, "line_items", "The session's amount_total must be at most %d", MaxAmount)
		}
	}
	if total < MinAmount {
		return kessai.Invalidf(op, "line_items", "The session's amount_total must be at least %d", MinAmount)
	}
	s.AmountSubtotal, s.AmountTotal = &subtotal, &total
	return nil
}

func ownedBySession(op, what, sessionID string) error {
	return kessai.Errorf(kessai.InvalidStatus, op, "This %s belongs to checkout session %s: the session's page confirms it; expire the session to cancel it.", what, sessionID)
}

func lockSession(w *engine.W, op, id string) (*kessai.CheckoutSession, error) {
	var s kessai.CheckoutSession
	if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindCheckoutSession, w.Account().ID, id, true, &s, op, "checkout_session"); err != nil {
		return nil, err
	}
	return &s, nil
}

func saveSession(w *engine.W, s *kessai.CheckoutSession) error {
	s.UpdatedAt = w.Now()
	return w.Tx().Put(w.Ctx(), s)
}

// UpdateCheckoutSession changes a session's metadata. Errors: not_found,
// metadata_limit_exceeded.
func UpdateCheckoutSession(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, metadata kessai.Metadata) (*kessai.CheckoutSession, error) {
	const op = "payjpflow.UpdateCheckoutSession"
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		s, err := lockSession(w, op, id)
		if err != nil {
			return nil, err
		}
		if s.Metadata, err = engine.MergeMetadata(op, s.Metadata, metadata); err != nil {
			return nil, err
		}
		return s, saveSession(w, s)
	})
	if err != nil {
		return nil, err
	}
	return res.(*kessai.CheckoutSession), nil
}

// GetCheckoutSession returns a session. Errors: not_found.
func GetCheckoutSession(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string) (*kessai.CheckoutSession, error) {
	return engine.GetDoc[kessai.CheckoutSession](ctx, e, acct, kessai.KindCheckoutSession, id, "checkout_session")
}

// ListCheckoutSessions pages through sessions, newest first.
func ListCheckoutSessions(e *engine.Engine, ctx context.Context, acct *kessai.Account, page kessai.Page) ([]*kessai.CheckoutSession, bool, error) {
	return engine.ListOf[kessai.CheckoutSession](ctx, e, acct, kessai.KindCheckoutSession, nil, page, "payjpflow.ListCheckoutSessions", "checkout_session")
}

// ListLineItems pages through a session's line items in the order they
// were given (at most MaxLineItems, kept in the session). Errors:
// not_found, resource_missing (a cursor that is not one of its lines).
func ListLineItems(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, page kessai.Page) ([]*kessai.LineItem, bool, error) {
	const op = "payjpflow.ListLineItems"
	s, err := GetCheckoutSession(e, ctx, acct, id)
	if err != nil {
		return nil, false, err
	}
	items := s.LineItems
	index := func(cursor string) (int, error) {
		for i := range items {
			if items[i].ID == cursor {
				return i, nil
			}
		}
		return 0, kessai.Errorf(kessai.ResourceMissing, op, "No such line_item: '%s'", cursor)
	}
	lo, hi := 0, len(items)
	if page.StartingAfter != "" {
		i, err := index(page.StartingAfter)
		if err != nil {
			return nil, false, err
		}
		lo = i + 1
	}
	var more bool
	if page.EndingBefore != "" {
		i, err := index(page.EndingBefore)
		if err != nil {
			return nil, false, err
		}
		hi = i
		if hi-lo > page.Limit {
			lo, more = hi-page.Limit, true
		}
	} else if hi-lo > page.Limit {
		hi, more = lo+page.Limit, true
	}
	out := make([]*kessai.LineItem, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, &items[i])
	}
	return out, more, nil
}

// CheckoutSessionPage returns an account's session for the buyer's page,
// which knows the session's client secret but no key. Errors: not_found
// (also for a wrong secret, compared in constant time).
func CheckoutSessionPage(e *engine.Engine, ctx context.Context, accountID, id, clientSecret string) (*kessai.Account, *kessai.CheckoutSession, error) {
	var s kessai.CheckoutSession
	acct, err := bySecret(e, ctx, "payjpflow.CheckoutSessionPage", kessai.KindCheckoutSession, "checkout_session", accountID, id, clientSecret, &s,
		func() string { return s.ClientSecret })
	if err != nil {
		return nil, nil, err
	}
	return acct, &s, nil
}

// CheckoutBuyer is what the simulated buyer gives on the page.
type CheckoutBuyer struct {
	PaymentMethodID string
	Email           *string
	Name            *string
}

// CompleteCheckoutSession is the simulated buyer paying (mode payment) or
// saving a card (mode setup) on the session's page with a payment method
// just created for it. In one write it creates the session's payment flow
// (amount_total, the session's types, options, capture method and flow
// metadata) and confirms it — a PayPay payment is approved at once, the
// page being the buyer's PayPay app too — or creates and confirms its
// setup flow; then the session is complete (checkout.session.completed).
// With customer_creation always and no customer, a customer is created
// from the buyer's email. A declined card is committed on the flow (the
// session stays open, and pays with the same flow on the next try) and
// returned with its code. Errors: not_found, invalid_status (not open, or
// past expires_at: the session is then expired), validation_error, the
// payment-method errors, card_declined and the card's errors.
func CompleteCheckoutSession(e *engine.Engine, ctx context.Context, acct *kessai.Account, id string, b CheckoutBuyer) (*kessai.CheckoutSession, error) {
	const op = "payjpflow.CompleteCheckoutSession"
	if b.Email != nil && !validEmail(*b.Email) {
		return nil, kessai.Invalidf(op, "email", "value is not a valid email address")
	}
	res, err := e.Write(ctx, acct, op, func(w *engine.W) (any, error) {
		s, err := lockSession(w, op, id)
		if err != nil {
			return nil, err
		}
		if s.Status == kessai.CheckoutOpen && !w.Now().Before(s.ExpiresAt) {
			if err := expireSession(w, s); err != nil {
				return nil, err
			}
			return s, engine.Committed(kessai.Errorf(kessai.InvalidStatus, op, "The checkout session has expired."))
		}
		if s.Status != kessai.CheckoutOpen {
			return nil, kessai.Errorf(kessai.InvalidStatus, op, "The checkout session is %s; only an open session can be completed.", s.Status)
		}
		email := b.Email
		if email == nil {
			email = s.CustomerEmail
		}
		if s.CustomerID == nil && s.CustomerCreation == "always" {
			c := &kessai.Customer{AccountID: w.Account().ID, ID: kessai.NewID(kessai.PrefixCustomer), Livemode: w.Account().Livemode,
				Email: email, CreatedAt: w.Now(), UpdatedAt: w.Now()}
			if err := w.Tx().Insert(ctx, c); err != nil {
				return nil, err
			}
			if err := w.Emit("customer.created", kessai.ObjectCustomer, c.ID, c); err != nil {
				return nil, err
			}
			s.CustomerID = &c.ID
		}
		if s.Mode == kessai.CheckoutModeSetup {
			err = completeSetup(w, op, s, b.PaymentMethodID)
		} else {
			err = completePayment(w, op, s, b.PaymentMethodID)
		}
		if err != nil {
			if engine.IsCommitted(err) {
				if serr := saveSession(w, s); serr != nil {
					return nil, serr
				}
				return s, err
			}
			return nil, err
		}
		s.Status = kessai.CheckoutComplete
		s.CustomerDetails = &kessai.CustomerDetails{Email: email, Name: b.Name}
		if err := saveSession(w, s); err != nil {
			return nil, err
		}
		return s, w.Emit("checkout.session.completed", "checkout.session", s.ID, s)
	})
	s, _ := res.(*kessai.CheckoutSession)
	return s, err
}

func completePayment(w *engine.W, op string, s *kessai.CheckoutSession, pmID string) error {
	var pay *kessai.Payment
	if s.PaymentFlowID != nil {
		p, err := w.LockPayment(op, *s.PaymentFlowID, "payment_flow")
		if err != nil {
			return err
		}
		pay = p
	} else {
		capture := s.CaptureMethod
		if capture == "" {
			capture = kessai.CaptureAutomatic
		}
		p, err := newPaymentFlow(w, op, FlowParams{Amount: *s.AmountTotal, Currency: s.Currency, CaptureMethod: capture,
			CustomerID: s.CustomerID, PaymentMethodTypes: s.PaymentMethodTypes, PaymentMethodOptions: s.PaymentMethodOptions,
			CheckoutSessionID: &s.ID}, s.FlowMetadata)
		if err != nil {
			return err
		}
		pay, s.PaymentFlowID = p, &p.ID
	}
	pay, err := confirm(w, op, pay, ConfirmParams{PaymentMethodID: &pmID})
	if err != nil {
		return err
	}
	if pay.Status == kessai.StatusRequiresAction {
		// The page is the buyer's PayPay app (or card issuer) as well:
		// paying approves.
		var pm kessai.PaymentMethod
		if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindPaymentMethod, w.Account().ID, pmID, false, &pm, op, "payment_method"); err != nil {
			return err
		}
		return authorize(w, pay, pm.Type)
	}
	return nil
}

func completeSetup(w *engine.W, op string, s *kessai.CheckoutSession, pmID string) error {
	var f *kessai.SetupFlow
	if s.SetupFlowID != nil {
		sf, err := lockSetupFlow(w, op, *s.SetupFlowID)
		if err != nil {
			return err
		}
		f = sf
	} else {
		usage := "off_session"
		sf, err := newSetupFlow(w, op, SetupFlowParams{CustomerID: s.CustomerID, PaymentMethodTypes: s.PaymentMethodTypes,
			PaymentMethodOptions: s.PaymentMethodOptions, Usage: &usage, CheckoutSessionID: &s.ID}, s.FlowMetadata)
		if err != nil {
			return err
		}
		f, s.SetupFlowID = sf, &sf.ID
	}
	f, err := confirmSetup(w, op, f, pmID)
	if err != nil || f.Status != kessai.StatusRequiresAction {
		return err
	}
	// The page is the card issuer's 3-D Secure page as well: saving passes it.
	var pm kessai.PaymentMethod
	if err := engine.Get(w.Ctx(), w.Tx(), kessai.KindPaymentMethod, w.Account().ID, pmID, true, &pm, op, "payment_method"); err != nil {
		return err
	}
	return succeedSetup(w, f, &pm)
}

// expireCheckoutSession is the expiry job: an open session past its
// expires_at expires; anything else is left alone, so the job may run any
// number of times.
func expireCheckoutSession(w *engine.W, id string) error {
	s, err := lockSession(w, "payjpflow.ExpireCheckoutSession", id)
	if err != nil {
		return err
	}
	if s.Status != kessai.CheckoutOpen || w.Now().Before(s.ExpiresAt) {
		return nil
	}
	return expireSession(w, s)
}

// expireSession expires an open session; the flow a declined card left
// waiting is canceled (abandoned).
func expireSession(w *engine.W, s *kessai.CheckoutSession) error {
	const op = "payjpflow.ExpireCheckoutSession"
	reason := "abandoned"
	if s.PaymentFlowID != nil {
		p, err := w.LockPayment(op, *s.PaymentFlowID, "payment_flow")
		if err != nil {
			return err
		}
		if engine.StatusIn(p.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation, kessai.StatusRequiresAction) {
			if err := cancel(w, p, &reason); err != nil {
				return err
			}
		}
	}
	if s.SetupFlowID != nil {
		f, err := lockSetupFlow(w, op, *s.SetupFlowID)
		if err != nil {
			return err
		}
		if engine.StatusIn(f.Status, kessai.StatusRequiresPaymentMethod, kessai.StatusRequiresConfirmation, kessai.StatusRequiresAction) {
			f.Status, f.CancellationReason, f.NextAction = kessai.StatusCanceled, &reason, nil
			if err := saveSetupFlow(w, f); err != nil {
				return err
			}
			if err := w.Emit("setup_flow.canceled", "setup_flow", f.ID, f); err != nil {
				return err
			}
		}
	}
	s.Status = kessai.CheckoutExpired
	if err := saveSession(w, s); err != nil {
		return err
	}
	return w.Emit("checkout.session.expired", "checkout.session", s.ID, s)
}
