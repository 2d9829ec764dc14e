package odoo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// CustomerPaymentSpec describes money received from a customer before (or
// without) an invoice to pay: Afterpay's capture booked at once, reconciled
// with the order's invoices as Odoo posts them (ReconcilePayment).
type CustomerPaymentSpec struct {
	// PartnerID is the customer (required), normally the order's partner_id.
	PartnerID int64
	// Amount received (> 0).
	Amount money.Money
	// Date is the payment date (its calendar date); zero means today (UTC).
	Date time.Time
	// JournalID is the bank journal (the Afterpay journal); 0 lets Odoo
	// choose its default bank journal.
	JournalID int64
	// Memo becomes the payment's memo and is the idempotency key
	// (required): an existing payment with this memo is returned instead of
	// booking the money twice.
	Memo string
	// TransactionID, when set, is the payment.transaction the payment
	// records: the payment's payment_transaction_id is set to it and, when
	// the transaction has no payment yet, the transaction's payment_id to
	// the payment. Optional.
	TransactionID int64
	// New says no earlier attempt can have made this payment, so it is
	// created and posted without first looking for it by its memo, and
	// without reading it back: three calls instead of nine. With New,
	// FirstOfTransaction says the transaction has no payment yet (its
	// payment_id is then set without reading it first).
	New, FirstOfTransaction bool
}

// RegisterCustomerPayment books an inbound customer account.payment in the
// journal, posted and tied to no invoice: Odoo shows it as the customer's
// outstanding credit until ReconcilePayment matches it with invoices. It
// returns the payment's id. Idempotent by spec.Memo: a payment found by its
// memo is posted if an earlier attempt left it in draft and linked to the
// transaction; one for another partner or amount is ErrInvalidState.
//
// Odoo 18 Community leaves such a payment "in_process" (not "paid") even
// once reconciled: only a payment created for invoices (account.payment.
// register) turns "paid" when they are, and a bank statement match does it
// otherwise.
func (c *Client) RegisterCustomerPayment(ctx context.Context, spec CustomerPaymentSpec) (int64, error) {
	where := fmt.Sprintf("odoo: register customer payment %q", spec.Memo)
	switch {
	case spec.Memo == "":
		return 0, errors.New("odoo: register customer payment: Memo is required")
	case spec.PartnerID <= 0:
		return 0, fmt.Errorf("%s: PartnerID is required", where)
	case spec.Amount.Minor <= 0 || spec.Amount.Currency == "":
		return 0, fmt.Errorf("%s: Amount must be positive and have a currency", where)
	}
	if spec.New {
		return c.registerNewCustomerPayment(ctx, spec)
	}
	id, err := c.findPaymentByMemo(ctx, spec.Memo)
	if err != nil {
		return 0, fmt.Errorf("%s: look up: %w", where, err)
	}
	if id == 0 {
		if id, err = c.createCustomerPayment(ctx, spec); err != nil {
			return 0, fmt.Errorf("%s: %w", where, err)
		}
	}
	if err := c.postCustomerPayment(ctx, id, spec); err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	if spec.TransactionID != 0 {
		if err := c.linkPaymentTransaction(ctx, id, spec.TransactionID); err != nil {
			return 0, fmt.Errorf("%s: %w", where, err)
		}
		if err := c.linkTransactionPayment(ctx, spec.TransactionID, id); err != nil {
			return 0, fmt.Errorf("%s: %w", where, err)
		}
	}
	return id, nil
}

// registerNewCustomerPayment is RegisterCustomerPayment's first attempt.
// Any answer it cannot trust (lost after a commit) sends it down the
// careful path, which finds what was made by the memo.
func (c *Client) registerNewCustomerPayment(ctx context.Context, spec CustomerPaymentSpec) (int64, error) {
	where := fmt.Sprintf("odoo: register customer payment %q", spec.Memo)
	careful := func() (int64, error) {
		spec.New = false
		return c.RegisterCustomerPayment(ctx, spec)
	}
	id, err := c.createCustomerPayment(ctx, spec)
	if err != nil {
		if IsProbablyApplied(err) {
			return careful()
		}
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	// action_post returns None, which Odoo 18 cannot marshal: it answers
	// that fault after committing the post, so the fault is its success.
	if _, err := c.CallMethod(ctx, "account.payment", "action_post", []int64{id}, nil); err != nil && !IsProbablyApplied(err) {
		return 0, fmt.Errorf("%s: post account.payment %d: %w", where, id, err)
	}
	if spec.TransactionID != 0 && spec.FirstOfTransaction {
		if err := c.Write(ctx, "payment.transaction", []int64{spec.TransactionID}, map[string]any{"payment_id": id}, nil); err != nil {
			return 0, fmt.Errorf("%s: link payment.transaction %d: %w", where, spec.TransactionID, err)
		}
	}
	return id, nil
}

func (c *Client) createCustomerPayment(ctx context.Context, spec CustomerPaymentSpec) (int64, error) {
	currencyID, err := c.CurrencyID(ctx, spec.Amount.Currency)
	if err != nil {
		return 0, err
	}
	date := spec.Date
	if date.IsZero() {
		date = c.now().UTC()
	}
	vals := map[string]any{
		"payment_type": "inbound",
		"partner_type": "customer",
		"partner_id":   spec.PartnerID,
		"amount":       wireDouble(spec.Amount.Amount()),
		"currency_id":  currencyID,
		"date":         FormatDate(date),
		"memo":         spec.Memo,
	}
	if spec.JournalID != 0 {
		vals["journal_id"] = spec.JournalID
	}
	if spec.TransactionID != 0 {
		vals["payment_transaction_id"] = spec.TransactionID
	}
	id, err := c.Create(ctx, "account.payment", vals, nil)
	if err == nil {
		return id, nil
	}
	if IsProbablyApplied(err) {
		if found, ferr := c.findPaymentByMemo(ctx, spec.Memo); ferr == nil && found != 0 {
			return found, nil
		}
	}
	return 0, err
}

// postCustomerPayment checks that the payment is the one spec describes and
// posts it if it is a draft (action_post answers None: a fault after the
// commit, so the state is read back).
func (c *Client) postCustomerPayment(ctx context.Context, id int64, spec CustomerPaymentSpec) error {
	read := func() (string, error) {
		rec, err := c.readOne(ctx, "account.payment", id, []string{"state", "partner_id", "amount", "currency_id", "payment_type", "partner_type"}, nil)
		if err != nil {
			return "", err
		}
		d := newDecoder("account.payment", rec)
		state, partner, currency := d.str("state"), d.ref("partner_id").ID, d.ref("currency_id").Name
		direction := d.str("payment_type") + "/" + d.str("partner_type")
		amount := d.money("amount", currency)
		if err := d.Err(); err != nil {
			return "", err
		}
		if partner != spec.PartnerID || amount != spec.Amount || direction != "inbound/customer" {
			return "", fmt.Errorf("account.payment %d with memo %q is %s %s for partner %d, not %s from partner %d: %w",
				id, spec.Memo, direction, amount, partner, spec.Amount, spec.PartnerID, ErrInvalidState)
		}
		return state, nil
	}
	state, err := read()
	if err != nil {
		return err
	}
	switch state {
	case "in_process", "paid":
		return nil
	case "draft":
	default:
		return fmt.Errorf("account.payment %d is %q: %w", id, state, ErrInvalidState)
	}
	_, callErr := c.CallMethod(ctx, "account.payment", "action_post", []int64{id}, nil)
	if callErr != nil && !IsProbablyApplied(callErr) {
		return callErr
	}
	if state, err = read(); err != nil {
		return err
	}
	if state != "in_process" && state != "paid" {
		if callErr != nil {
			return callErr
		}
		return &ProtocolError{Op: "post account.payment", Err: fmt.Errorf("payment %d is %q after action_post", id, state)}
	}
	return nil
}

// linkTransactionPayment sets payment.transaction.payment_id when the
// transaction has no payment yet.
func (c *Client) linkTransactionPayment(ctx context.Context, txID, paymentID int64) error {
	rec, err := c.readOne(ctx, "payment.transaction", txID, []string{"payment_id"}, nil)
	if err != nil {
		return err
	}
	cur, err := rec.Ref("payment_id")
	if err != nil {
		return fmt.Errorf("odoo: decode payment.transaction %d: %w", txID, err)
	}
	if cur.ID != 0 {
		return nil
	}
	return c.Write(ctx, "payment.transaction", []int64{txID}, map[string]any{"payment_id": paymentID}, nil)
}

// customerPayment is what ReconcilePayment and PaymentResidual read of a
// payment.
type customerPayment struct {
	id, moveID, destination int64
	state, currency         string
	inbound                 bool
	reconciled              []int64
}

func (c *Client) readCustomerPayment(ctx context.Context, id int64) (*customerPayment, error) {
	rec, err := c.readOne(ctx, "account.payment", id,
		[]string{"state", "move_id", "destination_account_id", "currency_id", "payment_type", "reconciled_invoice_ids"}, nil)
	if err != nil {
		return nil, err
	}
	d := newDecoder("account.payment", rec)
	p := &customerPayment{id: id, moveID: d.ref("move_id").ID, destination: d.ref("destination_account_id").ID,
		state: d.str("state"), currency: d.ref("currency_id").Name, inbound: d.str("payment_type") == "inbound",
		reconciled: d.ids("reconciled_invoice_ids")}
	if err := d.Err(); err != nil {
		return nil, err
	}
	if (p.state != "in_process" && p.state != "paid") || p.moveID == 0 {
		return nil, fmt.Errorf("account.payment %d is %q, not posted: %w", id, p.state, ErrInvalidState)
	}
	return p, nil
}

// counterpart returns the payment's receivable line and what of it is not
// reconciled yet (positive).
func (c *Client) counterpart(ctx context.Context, p *customerPayment) (lineID int64, open money.Money, err error) {
	recs, err := c.SearchRead(ctx, "account.move.line",
		[]any{[]any{"move_id", "=", p.moveID}, []any{"account_id", "=", p.destination}},
		[]string{"amount_residual"}, &SearchOptions{Order: "id asc"})
	if err != nil {
		return 0, money.Money{}, err
	}
	if len(recs) == 0 {
		return 0, money.Money{}, &ProtocolError{Op: "read account.payment", Err: fmt.Errorf("payment %d has no line on its destination account", p.id)}
	}
	open = money.Money{Currency: p.currency}
	for _, r := range recs {
		m, err := r.Money("amount_residual", p.currency)
		if err != nil {
			return 0, money.Money{}, fmt.Errorf("odoo: decode account.move.line %d: %w", r.ID(), err)
		}
		open.Minor += m.Minor
	}
	if p.inbound {
		open.Minor = -open.Minor // a receipt credits the receivable
	}
	return recs[0].ID(), open, nil
}

// PaymentResidual returns what of a posted customer payment is not
// reconciled yet (zero once it is all matched with invoices).
// ErrInvalidState for a draft or cancelled payment.
func (c *Client) PaymentResidual(ctx context.Context, paymentID int64) (money.Money, error) {
	where := fmt.Sprintf("odoo: residual of account.payment %d", paymentID)
	// One web_read: the payment, and its journal entry's lines.
	recs, err := c.WebRead(ctx, "account.payment", []int64{paymentID}, paymentResidualSpec(), nil)
	if err != nil {
		return money.Money{}, fmt.Errorf("%s: %w", where, err)
	}
	if len(recs) == 0 {
		return money.Money{}, fmt.Errorf("%s: %w", where, ErrNotFound)
	}
	open, err := decodePaymentResidual(recs[0])
	if err != nil {
		return money.Money{}, fmt.Errorf("%s: %w", where, err)
	}
	return open, nil
}

// paymentResidualSpec is web_read's specification of what
// decodePaymentResidual reads of an account.payment.
func paymentResidualSpec() map[string]any {
	return map[string]any{
		"state": map[string]any{}, "payment_type": map[string]any{}, "destination_account_id": map[string]any{},
		"currency_id": map[string]any{"fields": map[string]any{"display_name": map[string]any{}}},
		"move_id": map[string]any{"fields": map[string]any{"line_ids": map[string]any{"fields": map[string]any{
			"account_id": map[string]any{}, "amount_residual": map[string]any{},
		}}}},
	}
}

// decodePaymentResidual is what of a posted payment, read with
// paymentResidualSpec, is not reconciled yet.
func decodePaymentResidual(rec Record) (money.Money, error) {
	paymentID := rec.ID()
	d := newDecoder("account.payment", rec)
	state, currency, destination := d.str("state"), d.ref("currency_id").Name, d.ref("destination_account_id").ID
	inbound := d.str("payment_type") == "inbound"
	if err := d.Err(); err != nil {
		return money.Money{}, err
	}
	move, err := rec.Related("move_id")
	if err != nil {
		return money.Money{}, err
	}
	if (state != "in_process" && state != "paid") || move == nil {
		return money.Money{}, fmt.Errorf("account.payment %d is %q, not posted: %w", paymentID, state, ErrInvalidState)
	}
	lines, err := move.RelatedList("line_ids")
	if err != nil {
		return money.Money{}, err
	}
	open, found := money.Money{Currency: currency}, false
	for _, l := range lines {
		account, err := l.Ref("account_id")
		if err != nil {
			return money.Money{}, fmt.Errorf("odoo: decode account.move.line %d: %w", l.ID(), err)
		}
		if account.ID != destination {
			continue
		}
		m, err := l.Money("amount_residual", currency)
		if err != nil {
			return money.Money{}, fmt.Errorf("odoo: decode account.move.line %d: %w", l.ID(), err)
		}
		open.Minor += m.Minor
		found = true
	}
	if !found {
		return money.Money{}, &ProtocolError{Op: "read account.payment", Err: fmt.Errorf("payment %d has no line on its destination account", paymentID)}
	}
	if inbound {
		open.Minor = -open.Minor // a receipt credits the receivable
	}
	return open, nil
}

// ReconcilePayment matches a posted customer payment with a posted
// customer invoice of the same customer, as the invoice form's "Add" on an
// outstanding credit does (account.move.js_assign_outstanding_line, which
// answers None: a fault after the commit, so the result is read back). The
// smaller of the two open amounts is matched: a larger payment keeps the
// rest as the customer's credit, a smaller one leaves the invoice partly
// paid. A payment already reconciled with the invoice is left alone;
// ErrInvalidState when the invoice has nothing left to pay or the payment
// nothing left to give.
func (c *Client) ReconcilePayment(ctx context.Context, paymentID, invoiceID int64) error {
	where := fmt.Sprintf("odoo: reconcile account.payment %d with account.move %d", paymentID, invoiceID)
	p, err := c.readCustomerPayment(ctx, paymentID)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if slices.Contains(p.reconciled, invoiceID) {
		return nil
	}
	rec, err := c.readOne(ctx, "account.move", invoiceID,
		[]string{"name", "state", "move_type", "payment_state", "amount_residual", "currency_id", "commercial_partner_id"}, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	d := newDecoder("account.move", rec)
	name, state, moveType, paymentState := d.str("name"), d.str("state"), d.str("move_type"), d.str("payment_state")
	currency, partner := d.ref("currency_id").Name, d.ref("commercial_partner_id").ID
	residual := d.money("amount_residual", currency)
	if err := d.Err(); err != nil {
		return err
	}
	switch {
	case moveType != "out_invoice" || state != "posted":
		return fmt.Errorf("%s: %s is a %s %s, want a posted out_invoice: %w", where, name, state, moveType, ErrInvalidState)
	case residual.Minor == 0:
		return fmt.Errorf("%s: invoice %s is %s, nothing left to pay: %w", where, name, paymentState, ErrInvalidState)
	case currency != p.currency:
		return fmt.Errorf("%s: invoice %s is in %s, the payment in %s: %w", where, name, currency, p.currency, ErrInvalidState)
	}
	lineID, open, err := c.counterpart(ctx, p)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if open.Minor <= 0 {
		return fmt.Errorf("%s: the payment has nothing left to reconcile: %w", where, ErrInvalidState)
	}
	payMove, err := c.readOne(ctx, "account.move", p.moveID, []string{"commercial_partner_id"}, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if payer, err := payMove.Ref("commercial_partner_id"); err != nil || payer.ID != partner {
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		return fmt.Errorf("%s: the payment is from partner %d, the invoice for %d: %w", where, payer.ID, partner, ErrInvalidState)
	}
	_, callErr := c.ExecuteKW(ctx, "account.move", "js_assign_outstanding_line", []any{[]any{invoiceID}, lineID}, nil)
	if callErr != nil && !IsProbablyApplied(callErr) {
		return fmt.Errorf("%s: %w", where, callErr)
	}
	back, err := c.readOne(ctx, "account.payment", paymentID, []string{"reconciled_invoice_ids"}, nil)
	if err != nil {
		return fmt.Errorf("%s: read back: %w", where, err)
	}
	reconciled, err := back.IDs("reconciled_invoice_ids")
	if err != nil {
		return fmt.Errorf("%s: read back: %w", where, err)
	}
	if !slices.Contains(reconciled, invoiceID) {
		if callErr != nil {
			return fmt.Errorf("%s: %w", where, callErr)
		}
		return &ProtocolError{Op: "js_assign_outstanding_line", Err: fmt.Errorf("payment %d is not reconciled with invoice %d afterwards", paymentID, invoiceID)}
	}
	return nil
}
