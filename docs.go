package kessai

import "strings"

// faceOr is the face of an object: objects written before faces are
// PAY.JP's.
func faceOr(face string) string {
	if face == "" {
		return FacePayJP
	}
	return face
}

func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// DocKind implements Document.
func (c *Customer) DocKind() Kind { return KindCustomer }

// DocKey implements Document.
func (c *Customer) DocKey() (string, string) { return c.AccountID, c.ID }

// DocIndex implements Document.
func (c *Customer) DocIndex() map[string]any { return nil }

// DocKind implements Document.
func (m *PaymentMethod) DocKind() Kind { return KindPaymentMethod }

// DocKey implements Document.
func (m *PaymentMethod) DocKey() (string, string) { return m.AccountID, m.ID }

// DocIndex implements Document.
func (m *PaymentMethod) DocIndex() map[string]any {
	return map[string]any{"customer_id": strOr(m.CustomerID)}
}

// DocKind implements Document.
func (p *Payment) DocKind() Kind { return KindPayment }

// DocKey implements Document.
func (p *Payment) DocKey() (string, string) { return p.AccountID, p.ID }

// DocIndex implements Document.
func (p *Payment) DocIndex() map[string]any {
	return map[string]any{"customer_id": strOr(p.CustomerID), "status": p.Status, "state": p.State, "face": p.Face(),
		"email": strings.ToLower(p.Email), "amount": p.Amount, "created_at": p.CreatedAt}
}

// DocKind implements Document.
func (a *Authorization) DocKind() Kind { return KindAuthorization }

// DocKey implements Document.
func (a *Authorization) DocKey() (string, string) { return a.AccountID, a.ID }

// DocIndex implements Document.
func (a *Authorization) DocIndex() map[string]any {
	return map[string]any{"payment_id": a.PaymentID, "reference_id": a.ReferenceID, "state": a.State,
		"amount": a.Amount, "expires_at": a.ExpiresAt}
}

// DocKind implements Document.
func (c *Capture) DocKind() Kind { return KindCapture }

// DocKey implements Document.
func (c *Capture) DocKey() (string, string) { return c.AccountID, c.ID }

// DocIndex implements Document.
func (c *Capture) DocIndex() map[string]any {
	return map[string]any{"payment_id": c.PaymentID, "authorization_id": c.AuthorizationID, "reference_id": c.ReferenceID,
		"state": c.State, "amount": c.Amount, "refunded_amount": c.RefundedAmount, "refund_count": c.RefundCount}
}

// DocKind implements Document.
func (r *Refund) DocKind() Kind { return KindRefund }

// DocKey implements Document.
func (r *Refund) DocKey() (string, string) { return r.AccountID, r.ID }

// DocIndex implements Document.
func (r *Refund) DocIndex() map[string]any {
	return map[string]any{"payment_id": r.PaymentID, "capture_id": r.CaptureID, "reference_id": r.ReferenceID,
		"reason": strOr(r.Reason), "status": r.Status, "amount": r.Amount, "face": faceOr(r.Face), "created_at": r.CreatedAt}
}

// DocKind implements Document.
func (t *Transaction) DocKind() Kind { return KindTransaction }

// DocKey implements Document.
func (t *Transaction) DocKey() (string, string) { return t.AccountID, t.ID }

// DocIndex implements Document.
func (t *Transaction) DocIndex() map[string]any {
	return map[string]any{"type": t.Type, "payment_method_type": t.PaymentMethodType, "resource_id": t.ResourceID, "term_id": t.TermID}
}

// DocKind implements Document.
func (e *Event) DocKind() Kind { return KindEvent }

// DocKey implements Document.
func (e *Event) DocKey() (string, string) { return e.AccountID, e.ID }

// DocIndex implements Document.
func (e *Event) DocIndex() map[string]any {
	return map[string]any{"type": e.Type, "object": e.Object, "resource_id": e.ResourceID, "face": faceOr(e.Face)}
}

// DocKind implements Document.
func (t *Term) DocKind() Kind { return KindTerm }

// DocKey implements Document.
func (t *Term) DocKey() (string, string) { return t.AccountID, t.ID }

// DocIndex implements Document.
func (t *Term) DocIndex() map[string]any {
	return map[string]any{"state": t.State, "start_at": t.StartAt}
}

// DocKind implements Document.
func (f *SetupFlow) DocKind() Kind { return KindSetupFlow }

// DocKey implements Document.
func (f *SetupFlow) DocKey() (string, string) { return f.AccountID, f.ID }

// DocIndex implements Document.
func (f *SetupFlow) DocIndex() map[string]any {
	return map[string]any{"customer_id": strOr(f.CustomerID), "status": f.Status}
}

// DocKind implements Document.
func (c *MethodConfig) DocKind() Kind { return KindMethodConfig }

// DocKey implements Document.
func (c *MethodConfig) DocKey() (string, string) { return c.AccountID, c.ID }

// DocIndex implements Document.
func (c *MethodConfig) DocIndex() map[string]any { return nil }

// DocKind implements Document.
func (p *Product) DocKind() Kind { return KindProduct }

// DocKey implements Document.
func (p *Product) DocKey() (string, string) { return p.AccountID, p.ID }

// DocIndex implements Document.
func (p *Product) DocIndex() map[string]any { return nil }

// DocKind implements Document.
func (p *Price) DocKind() Kind { return KindPrice }

// DocKey implements Document.
func (p *Price) DocKey() (string, string) { return p.AccountID, p.ID }

// DocIndex implements Document.
func (p *Price) DocIndex() map[string]any {
	return map[string]any{"product_id": p.ProductID, "lookup_key": strOr(p.LookupKey)}
}

// DocKind implements Document.
func (p *TaxRate) DocKind() Kind { return KindTaxRate }

// DocKey implements Document.
func (p *TaxRate) DocKey() (string, string) { return p.AccountID, p.ID }

// DocIndex implements Document.
func (p *TaxRate) DocIndex() map[string]any { return nil }

// DocKind implements Document.
func (f *FeeSchedule) DocKind() Kind { return KindFeeSchedule }

// DocKey implements Document.
func (f *FeeSchedule) DocKey() (string, string) { return f.AccountID, f.ID }

// DocIndex implements Document.
func (f *FeeSchedule) DocIndex() map[string]any { return nil }

// DocKind implements Document.
func (d *Dispute) DocKind() Kind { return KindDispute }

// DocKey implements Document.
func (d *Dispute) DocKey() (string, string) { return d.AccountID, d.ID }

// DocIndex implements Document.
func (d *Dispute) DocIndex() map[string]any {
	return map[string]any{"payment_id": d.PaymentID, "status": d.Status}
}

// DocKind implements Document.
func (s *Statement) DocKind() Kind { return KindStatement }

// DocKey implements Document.
func (s *Statement) DocKey() (string, string) { return s.AccountID, s.ID }

// DocIndex implements Document.
func (s *Statement) DocIndex() map[string]any {
	return map[string]any{"term_id": s.TermID, "type": s.Type}
}

// DocKind implements Document.
func (b *Balance) DocKind() Kind { return KindBalance }

// DocKey implements Document.
func (b *Balance) DocKey() (string, string) { return b.AccountID, b.ID }

// DocIndex implements Document.
func (b *Balance) DocIndex() map[string]any {
	return map[string]any{"state": b.State, "term_id": b.TermID}
}
