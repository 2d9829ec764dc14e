package odoo

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// Move is an account.move (invoice, credit note).
type Move struct {
	ID   int64
	Name string // "/" while draft, then e.g. "INV/2026/00005"
	// State is draft, posted or cancel.
	State string
	// MoveType is out_invoice, out_refund, entry, ...
	MoveType string
	// PaymentState is not_paid, in_payment, paid, partial, reversed, ...
	PaymentState string
	Currency     string
	// Amounts are positive for invoices and credit notes alike.
	AmountUntaxed, AmountTax, AmountTotal, AmountResidual money.Money
	Ref                                                   string
	PaymentReference                                      string
	InvoiceOrigin                                         string
	ReversedEntryID                                       int64
	PartnerID                                             int64
	JournalID                                             int64
	InvoiceDate                                           time.Time
	InvoiceLineIDs                                        []int64
}

var moveFields = []string{
	"name", "state", "move_type", "payment_state", "currency_id", "amount_untaxed", "amount_tax",
	"amount_total", "amount_residual", "ref", "payment_reference", "invoice_origin",
	"reversed_entry_id", "partner_id", "journal_id", "invoice_date", "invoice_line_ids",
}

// ReadMove reads an account.move. ErrNotFound if it does not exist.
func (c *Client) ReadMove(ctx context.Context, id int64) (*Move, error) {
	rec, err := c.readOne(ctx, "account.move", id, moveFields, nil)
	if err != nil {
		return nil, err
	}
	return decodeMove(rec)
}

// decodeMove decodes an account.move read with moveFields.
func decodeMove(rec Record) (*Move, error) {
	id := rec.ID()
	d := newDecoder("account.move", rec)
	m := &Move{
		ID:               id,
		Name:             d.str("name"),
		State:            d.str("state"),
		MoveType:         d.str("move_type"),
		PaymentState:     d.str("payment_state"),
		Currency:         d.ref("currency_id").Name,
		Ref:              d.str("ref"),
		PaymentReference: d.str("payment_reference"),
		InvoiceOrigin:    d.str("invoice_origin"),
		ReversedEntryID:  d.ref("reversed_entry_id").ID,
		PartnerID:        d.ref("partner_id").ID,
		JournalID:        d.ref("journal_id").ID,
		InvoiceDate:      d.date("invoice_date"),
		InvoiceLineIDs:   d.ids("invoice_line_ids"),
	}
	m.AmountUntaxed = d.money("amount_untaxed", m.Currency)
	m.AmountTax = d.money("amount_tax", m.Currency)
	m.AmountTotal = d.money("amount_total", m.Currency)
	m.AmountResidual = d.money("amount_residual", m.Currency)
	if err := d.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// InvoiceOrder returns the order's customer invoices (draft or posted),
// creating them with the sale.advance.payment.inv wizard ("delivered"
// method) when there are none. The wizard answers a None-after-commit fault
// when the order has no payment term; the invoice exists all the same, so
// the order is read back rather than trusting the answer.
func (c *Client) InvoiceOrder(ctx context.Context, orderID int64) ([]int64, error) {
	where := fmt.Sprintf("odoo: invoice sale.order %d", orderID)
	ids, err := c.orderInvoices(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if len(ids) > 0 {
		return ids, nil
	}
	wizCtx := map[string]any{"active_model": "sale.order", "active_ids": []any{orderID}, "active_id": orderID}
	wizID, err := c.Create(ctx, "sale.advance.payment.inv", map[string]any{"advance_payment_method": "delivered"}, wizCtx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	_, callErr := c.CallMethod(ctx, "sale.advance.payment.inv", "create_invoices", []int64{wizID}, map[string]any{"context": wizCtx})
	if callErr != nil && !IsProbablyApplied(callErr) {
		return nil, fmt.Errorf("%s: %w", where, callErr)
	}
	ids, err = c.orderInvoices(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("%s: read back: %w", where, err)
	}
	if len(ids) == 0 {
		if callErr != nil {
			return nil, fmt.Errorf("%s: %w", where, callErr)
		}
		return nil, &ProtocolError{Op: "invoice sale.order", Err: errors.New("create_invoices succeeded but the order has no invoice")}
	}
	return ids, nil
}

// orderInvoices returns the order's out_invoice moves in draft or posted
// state, in id order.
func (c *Client) orderInvoices(ctx context.Context, orderID int64) ([]int64, error) {
	rec, err := c.readOne(ctx, "sale.order", orderID, []string{"invoice_ids"}, nil)
	if err != nil {
		return nil, err
	}
	all, err := rec.IDs("invoice_ids")
	if err != nil {
		return nil, fmt.Errorf("odoo: decode sale.order %d: %w", orderID, err)
	}
	moves, err := c.Read(ctx, "account.move", all, []string{"move_type", "state"}, nil)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, m := range moves {
		d := newDecoder("account.move", m)
		moveType, state := d.str("move_type"), d.str("state")
		if err := d.Err(); err != nil {
			return nil, err
		}
		if moveType == "out_invoice" && (state == "draft" || state == "posted") {
			ids = append(ids, m.ID())
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// PostInvoice posts a draft move (action_post). A posted move is left alone;
// a cancelled one is ErrInvalidState.
func (c *Client) PostInvoice(ctx context.Context, moveID int64) error {
	where := fmt.Sprintf("odoo: post account.move %d", moveID)
	state, err := c.moveState(ctx, moveID)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	switch state {
	case "posted":
		return nil
	case "draft":
	default:
		return fmt.Errorf("%s: state is %q: %w", where, state, ErrInvalidState)
	}
	if _, err := c.CallMethod(ctx, "account.move", "action_post", []int64{moveID}, nil); err != nil {
		if IsProbablyApplied(err) || IsBusiness(err) {
			if state, rerr := c.moveState(ctx, moveID); rerr == nil && state == "posted" {
				return nil
			}
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

func (c *Client) moveState(ctx context.Context, id int64) (string, error) {
	rec, err := c.readOne(ctx, "account.move", id, []string{"state"}, nil)
	if err != nil {
		return "", err
	}
	state, err := rec.String("state")
	if err != nil {
		return "", fmt.Errorf("odoo: decode account.move %d: %w", id, err)
	}
	return state, nil
}

// PaymentSpec describes a payment registered on an invoice (inbound) or a
// credit note (outbound).
type PaymentSpec struct {
	// Amount to pay (> 0), in the move's currency. Less than the residual
	// leaves the move partially paid.
	Amount money.Money
	// Date is the payment date (its calendar date); zero means today (UTC).
	Date time.Time
	// JournalID is the bank journal; 0 lets the wizard choose its default.
	JournalID int64
	// Memo becomes the payment's memo and is the idempotency key (required):
	// an existing payment with this memo is returned instead of paying twice.
	Memo string
	// TransactionID, when set, is the payment.transaction the payment
	// records: the payment's payment_transaction_id is set to it, as Odoo's
	// own providers link a payment to its transaction (the transaction's
	// payment_id is SetTransactionState's). Optional.
	TransactionID int64
}

// RegisterPayment pays a posted invoice or credit note through the
// account.payment.register wizard, which creates, posts and reconciles the
// account.payment, and returns that payment's id. With spec.TransactionID,
// the payment (new or found by its memo) is linked to that transaction;
// a payment already linked to another transaction is ErrInvalidState.
func (c *Client) RegisterPayment(ctx context.Context, moveID int64, spec PaymentSpec) (int64, error) {
	id, err := c.registerPayment(ctx, moveID, spec)
	if err != nil || spec.TransactionID == 0 {
		return id, err
	}
	if err := c.linkPaymentTransaction(ctx, id, spec.TransactionID); err != nil {
		return 0, fmt.Errorf("odoo: register payment on account.move %d: %w", moveID, err)
	}
	return id, nil
}

// linkPaymentTransaction sets account.payment.payment_transaction_id unless
// it is already set to txID. Odoo accepts the write on a posted payment.
func (c *Client) linkPaymentTransaction(ctx context.Context, paymentID, txID int64) error {
	rec, err := c.readOne(ctx, "account.payment", paymentID, []string{"payment_transaction_id"}, nil)
	if err != nil {
		return err
	}
	cur, err := rec.Ref("payment_transaction_id")
	if err != nil {
		return fmt.Errorf("odoo: decode account.payment %d: %w", paymentID, err)
	}
	switch cur.ID {
	case txID:
		return nil
	case 0:
		return c.Write(ctx, "account.payment", []int64{paymentID}, map[string]any{"payment_transaction_id": txID}, nil)
	}
	return fmt.Errorf("account.payment %d is linked to payment.transaction %d (%s), not %d: %w",
		paymentID, cur.ID, cur.Name, txID, ErrInvalidState)
}

func (c *Client) registerPayment(ctx context.Context, moveID int64, spec PaymentSpec) (int64, error) {
	where := fmt.Sprintf("odoo: register payment on account.move %d", moveID)
	switch {
	case spec.Memo == "":
		return 0, fmt.Errorf("%s: Memo is required", where)
	case spec.Amount.Minor <= 0:
		return 0, fmt.Errorf("%s: Amount must be positive", where)
	}
	if id, err := c.findPaymentByMemo(ctx, spec.Memo); err != nil || id != 0 {
		if err != nil {
			return 0, fmt.Errorf("%s: look up: %w", where, err)
		}
		return id, nil
	}
	move, err := c.ReadMove(ctx, moveID)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	if move.State != "posted" {
		return 0, fmt.Errorf("%s: move is %q, not posted: %w", where, move.State, ErrInvalidState)
	}
	if move.Currency != spec.Amount.Currency {
		return 0, fmt.Errorf("%s: amount %s is not in the move's currency %s", where, spec.Amount, move.Currency)
	}
	date := spec.Date
	if date.IsZero() {
		date = c.now().UTC()
	}
	vals := map[string]any{
		"amount":        wireDouble(spec.Amount.Amount()),
		"communication": spec.Memo,
		"payment_date":  FormatDate(date),
		// A partial amount leaves the rest open instead of writing it off.
		"payment_difference_handling": "open",
	}
	if spec.JournalID != 0 {
		vals["journal_id"] = spec.JournalID
	}
	wizCtx := map[string]any{"active_model": "account.move", "active_ids": []any{moveID}}
	wizID, err := c.Create(ctx, "account.payment.register", vals, wizCtx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	res, callErr := c.CallMethod(ctx, "account.payment.register", "action_create_payments", []int64{wizID}, map[string]any{"context": wizCtx})
	if callErr != nil && !IsProbablyApplied(callErr) {
		return 0, fmt.Errorf("%s: %w", where, callErr)
	}
	if id := actionResID(res); id != 0 {
		return id, nil
	}
	// The answer did not name the payment (a None fault after commit, or a
	// list action): find it by its memo.
	id, err := c.findPaymentByMemo(ctx, spec.Memo)
	if err != nil {
		return 0, fmt.Errorf("%s: read back: %w", where, err)
	}
	if id == 0 {
		if callErr != nil {
			return 0, fmt.Errorf("%s: %w", where, callErr)
		}
		return 0, &ProtocolError{Op: "register payment", Err: fmt.Errorf("no account.payment with memo %q after action_create_payments", spec.Memo)}
	}
	return id, nil
}

func (c *Client) findPaymentByMemo(ctx context.Context, memo string) (int64, error) {
	return c.searchOne(ctx, "account.payment", []any{
		[]any{"memo", "=", memo},
		[]any{"state", "not in", []any{"canceled", "rejected"}},
	}, nil)
}

// CreditNoteSpec describes a customer credit note for an Afterpay refund.
type CreditNoteSpec struct {
	// Reason is the reversal reason; the Ref is appended if it does not
	// already contain it (default "Afterpay refund <Ref>").
	Reason string
	// Ref is the idempotency key (required), e.g. the Afterpay refund id; it
	// becomes the credit note's ref.
	Ref string
	// Amount is the tax-included amount to credit; nil credits the whole
	// invoice.
	Amount *money.Money
	// JournalID is the journal of the credit note; 0 uses the invoice's.
	JournalID int64
}

// CreateCreditNote creates and posts the credit note of a posted customer
// invoice (account.move.reversal → refund_moves), or returns the one already
// made for spec.Ref. A partial Amount replaces the draft credit note's
// product lines by one line labelled with the reason, priced so that the
// total (taxes included, with the invoice's taxes when all its lines share
// them) equals Amount; the price is corrected from Odoo's own computed total
// if rounding makes it miss. Every step is resumable: a retry finds the
// credit note by its ref, finishes the edit if needed and posts it.
func (c *Client) CreateCreditNote(ctx context.Context, invoiceID int64, spec CreditNoteSpec) (int64, error) {
	where := fmt.Sprintf("odoo: credit note for account.move %d", invoiceID)
	if strings.TrimSpace(spec.Ref) == "" {
		return 0, fmt.Errorf("%s: Ref is required", where)
	}
	reason := spec.Reason
	if reason == "" {
		reason = "Afterpay refund"
	}
	if !strings.Contains(reason, spec.Ref) {
		reason = reason + " " + spec.Ref
	}
	// Odoo sets the new credit note's ref to "Reversal of: <invoice>, <reason>";
	// the reason carries the Ref, so an ilike finds it before and after the
	// ref is rewritten.
	existing := []any{
		[]any{"move_type", "=", "out_refund"},
		[]any{"reversed_entry_id", "=", invoiceID},
		[]any{"ref", "ilike", spec.Ref},
		[]any{"state", "!=", "cancel"},
	}
	creditID, err := c.searchOne(ctx, "account.move", existing, nil)
	if err != nil {
		return 0, fmt.Errorf("%s: look up: %w", where, err)
	}
	if creditID == 0 {
		if creditID, err = c.reverseInvoice(ctx, invoiceID, reason, spec, existing); err != nil {
			return 0, fmt.Errorf("%s: %w", where, err)
		}
	}
	credit, err := c.ReadMove(ctx, creditID)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	if credit.State == "posted" {
		return creditID, nil
	}
	if spec.Amount != nil {
		if err := c.reduceCreditNote(ctx, credit, *spec.Amount, reason); err != nil {
			return 0, fmt.Errorf("%s: %w", where, err)
		}
	}
	if credit.Ref != spec.Ref {
		if err := c.Write(ctx, "account.move", []int64{creditID}, map[string]any{"ref": spec.Ref}, nil); err != nil {
			return 0, fmt.Errorf("%s: %w", where, err)
		}
	}
	if err := c.PostInvoice(ctx, creditID); err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	return creditID, nil
}

// reverseInvoice runs the reversal wizard and returns the draft credit note.
func (c *Client) reverseInvoice(ctx context.Context, invoiceID int64, reason string, spec CreditNoteSpec, existing []any) (int64, error) {
	invoice, err := c.ReadMove(ctx, invoiceID)
	if err != nil {
		return 0, err
	}
	if invoice.MoveType != "out_invoice" || invoice.State != "posted" {
		return 0, fmt.Errorf("%s %s is %s, want a posted out_invoice: %w", invoice.Name, invoice.MoveType, invoice.State, ErrInvalidState)
	}
	if spec.Amount != nil {
		if spec.Amount.Currency != invoice.Currency {
			return 0, fmt.Errorf("amount %s is not in the invoice's currency %s", spec.Amount, invoice.Currency)
		}
		if spec.Amount.Minor <= 0 || spec.Amount.Minor > invoice.AmountTotal.Minor {
			return 0, fmt.Errorf("amount %s is not between 0 and the invoice total %s", spec.Amount, invoice.AmountTotal)
		}
	}
	journalID := spec.JournalID
	if journalID == 0 {
		// Odoo 18 does not default the journal over RPC (fault 2 "mandatory
		// field Journal").
		journalID = invoice.JournalID
	}
	wizCtx := map[string]any{"active_model": "account.move", "active_ids": []any{invoiceID}}
	wizID, err := c.Create(ctx, "account.move.reversal", map[string]any{"reason": reason, "journal_id": journalID}, wizCtx)
	if err != nil {
		return 0, err
	}
	res, callErr := c.CallMethod(ctx, "account.move.reversal", "refund_moves", []int64{wizID}, map[string]any{"context": wizCtx})
	if callErr != nil && !IsProbablyApplied(callErr) {
		return 0, callErr
	}
	if id := actionResID(res); id != 0 {
		return id, nil
	}
	id, err := c.searchOne(ctx, "account.move", existing, nil)
	if err != nil {
		return 0, fmt.Errorf("read back: %w", err)
	}
	if id == 0 {
		if callErr != nil {
			return 0, callErr
		}
		return 0, &ProtocolError{Op: "refund_moves", Err: errors.New("no credit note after refund_moves")}
	}
	return id, nil
}

// reduceCreditNote rewrites a draft credit note so that its total is target.
func (c *Client) reduceCreditNote(ctx context.Context, credit *Move, target money.Money, label string) error {
	cmp, err := target.Cmp(credit.AmountTotal)
	if err != nil {
		return fmt.Errorf("amount %s vs credit note total %s: %w", target, credit.AmountTotal, err)
	}
	switch {
	case cmp == 0:
		return nil
	case cmp > 0 || target.Minor <= 0:
		return fmt.Errorf("amount %s is not between 0 and the credit note total %s", target, credit.AmountTotal)
	}
	lines, err := c.Read(ctx, "account.move.line", credit.InvoiceLineIDs, []string{"display_type", "tax_ids"}, nil)
	if err != nil {
		return err
	}
	var commands []any
	var taxes []int64
	sameTaxes, first := true, true
	for _, l := range lines {
		d := newDecoder("account.move.line", l)
		displayType, lineTaxes := d.str("display_type"), d.ids("tax_ids")
		if err := d.Err(); err != nil {
			return err
		}
		if displayType != "product" {
			continue // sections and notes stay
		}
		commands = append(commands, []any{2, l.ID()})
		slices.Sort(lineTaxes)
		if first {
			taxes, first = lineTaxes, false
		} else if !slices.Equal(taxes, lineTaxes) {
			sameTaxes = false
		}
	}
	if !sameTaxes {
		taxes = nil
	}
	price := target
	if len(taxes) > 0 && credit.AmountTotal.Minor != 0 {
		// Start from the credit note's own tax ratio; Odoo's recomputed
		// total then tells how far off rounding left us.
		price.Minor = scaleRounded(target.Minor, credit.AmountUntaxed.Minor, credit.AmountTotal.Minor)
	}
	commands = append(commands, []any{0, 0, map[string]any{
		"display_type": "product",
		"name":         label,
		"quantity":     1,
		"price_unit":   wireDouble(price.Amount()),
		"tax_ids":      []any{[]any{6, 0, int64sToAny(taxes)}},
	}})
	if err := c.Write(ctx, "account.move", []int64{credit.ID}, map[string]any{"invoice_line_ids": commands}, nil); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		got, err := c.ReadMove(ctx, credit.ID)
		if err != nil {
			return err
		}
		if got.AmountTotal.Minor == target.Minor {
			return nil
		}
		lineID, err := c.singleProductLine(ctx, got.InvoiceLineIDs)
		if err != nil {
			return err
		}
		vals := map[string]any{}
		switch {
		case attempt < 3 && len(taxes) > 0:
			price.Minor += target.Minor - got.AmountTotal.Minor
			vals["price_unit"] = wireDouble(price.Amount())
		case attempt < 4 && len(taxes) > 0:
			// Some totals are unreachable with a taxed line (tax rounding
			// skips cents): credit the exact amount untaxed instead.
			taxes = nil
			vals["price_unit"] = wireDouble(target.Amount())
			vals["tax_ids"] = []any{[]any{6, 0, []any{}}}
		default:
			return fmt.Errorf("credit note %d total is %s after editing, want %s", credit.ID, got.AmountTotal, target)
		}
		if err := c.Write(ctx, "account.move", []int64{credit.ID}, map[string]any{"invoice_line_ids": []any{[]any{1, lineID, vals}}}, nil); err != nil {
			return err
		}
	}
}

func (c *Client) singleProductLine(ctx context.Context, ids []int64) (int64, error) {
	lines, err := c.Read(ctx, "account.move.line", ids, []string{"display_type"}, nil)
	if err != nil {
		return 0, err
	}
	var found []int64
	for _, l := range lines {
		if t, _ := l.String("display_type"); t == "product" {
			found = append(found, l.ID())
		}
	}
	if len(found) != 1 {
		return 0, fmt.Errorf("credit note has %d product lines after editing, want 1", len(found))
	}
	return found[0], nil
}

// scaleRounded returns a*b/c rounded half away from zero, without overflow.
func scaleRounded(a, b, c int64) int64 {
	num := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	den := big.NewInt(c)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	// |2r| >= |c| rounds away from zero.
	twiceR := new(big.Int).Abs(new(big.Int).Lsh(r, 1))
	if twiceR.Cmp(new(big.Int).Abs(den)) >= 0 {
		if (num.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}
