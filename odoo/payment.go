package odoo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// Names shared with the provisioning package, which creates these records.
const (
	// ProviderName is the name of the payment.provider provisioning creates.
	ProviderName = "Afterpay"
	// ProviderCode is its code. See provision for why it is "custom".
	ProviderCode = "custom"
	// PaymentMethodCode is the code of Odoo's own (initially archived)
	// Afterpay payment.method.
	PaymentMethodCode = "afterpay"
	// PaymentMethodXMLID is that payment.method's external id.
	PaymentMethodXMLID = "payment.payment_method_afterpay"
)

// Transaction states and operations (payment.transaction selections).
const (
	TxStateDraft      = "draft"
	TxStatePending    = "pending"
	TxStateAuthorized = "authorized"
	TxStateDone       = "done"
	TxStateCancel     = "cancel"
	TxStateError      = "error"

	TxOperationOnlineRedirect = "online_redirect"
	TxOperationRefund         = "refund"
)

var txStates = map[string]bool{
	TxStateDraft: true, TxStatePending: true, TxStateAuthorized: true,
	TxStateDone: true, TxStateCancel: true, TxStateError: true,
}

var txOperations = map[string]bool{
	"online_redirect": true, "online_direct": true, "online_token": true,
	"validation": true, "offline": true, "refund": true,
}

// FindAfterpayProvider returns the payment.provider named ProviderName and
// the "afterpay" payment.method (archived or not). ErrNotFound when Odoo has
// not been provisioned.
func (c *Client) FindAfterpayProvider(ctx context.Context) (providerID, methodID int64, err error) {
	providerID, err = c.afterpayProviderID(ctx)
	if err != nil {
		return 0, 0, err
	}
	methodID, err = c.provisioned.get(ctx, "payment.method", c.now(), func(ctx context.Context) (int64, error) {
		return c.searchOne(ctx, "payment.method", []any{[]any{"code", "=", PaymentMethodCode}}, map[string]any{"active_test": false})
	})
	if err != nil {
		return 0, 0, fmt.Errorf("odoo: find the %s payment.method: %w", PaymentMethodCode, err)
	}
	if methodID == 0 {
		return 0, 0, fmt.Errorf("odoo: find the %s payment.method: %w", PaymentMethodCode, ErrNotFound)
	}
	return providerID, methodID, nil
}

// TransactionSpec describes the payment.transaction that mirrors an
// Afterpay payment (or refund) of an order.
type TransactionSpec struct {
	// Reference is Odoo's unique transaction reference and the idempotency
	// key (required): an existing transaction with it is returned as is.
	Reference string
	// OrderID links the sale.order (0 = none, e.g. for a refund child).
	OrderID int64
	// PartnerID is the customer (required).
	PartnerID int64
	// ProviderID and PaymentMethodID come from FindAfterpayProvider.
	ProviderID, PaymentMethodID int64
	// Amount is the payment amount. For a refund (Operation "refund") give
	// the refunded amount; it is stored negated, as Odoo stores refunds.
	Amount money.Money
	// ProviderReference is the Afterpay order id (or refund id).
	ProviderReference string
	// Operation defaults to "online_redirect", or "refund" when
	// SourceTransactionID is set.
	Operation string
	// SourceTransactionID is the refunded transaction of a refund child.
	SourceTransactionID int64
}

// EnsureTransaction returns the transaction with spec.Reference, creating it
// if there is none. Safe to retry after a timeout.
func (c *Client) EnsureTransaction(ctx context.Context, spec TransactionSpec) (int64, error) {
	if id, err := c.searchOne(ctx, "payment.transaction", []any{[]any{"reference", "=", spec.Reference}}, nil); err != nil || id != 0 {
		if err != nil {
			return 0, fmt.Errorf("odoo: ensure payment.transaction %q: look up: %w", spec.Reference, err)
		}
		return id, nil
	}
	id, _, err := c.createTransaction(ctx, spec, nil)
	return id, err
}

// OpenTransaction creates the transaction in state upd in one call; only
// when Odoo refuses the create because the reference exists (an earlier
// attempt made it) is the transaction looked up, and moved to upd.
func (c *Client) OpenTransaction(ctx context.Context, spec TransactionSpec, upd TransactionUpdate) (int64, error) {
	vals, err := c.stateVals(upd)
	if err != nil {
		return 0, fmt.Errorf("odoo: open payment.transaction %q: %w", spec.Reference, err)
	}
	id, created, err := c.createTransaction(ctx, spec, vals)
	if err != nil || created {
		return id, err
	}
	if err := c.SetTransactionState(ctx, id, upd); err != nil {
		return 0, err
	}
	return id, nil
}

// createTransaction creates the transaction with extra vals; if Odoo
// refuses it because the reference exists, or answers a fault after
// committing, it returns the existing transaction and created false.
func (c *Client) createTransaction(ctx context.Context, spec TransactionSpec, extra map[string]any) (id int64, created bool, err error) {
	op := spec.Operation
	if op == "" {
		op = TxOperationOnlineRedirect
		if spec.SourceTransactionID != 0 {
			op = TxOperationRefund
		}
	}
	switch {
	case spec.Reference == "":
		return 0, false, errors.New("odoo: ensure payment.transaction: Reference is required")
	case spec.PartnerID <= 0 || spec.ProviderID <= 0 || spec.PaymentMethodID <= 0:
		return 0, false, errors.New("odoo: ensure payment.transaction: PartnerID, ProviderID and PaymentMethodID are required")
	case spec.Amount.Currency == "":
		return 0, false, errors.New("odoo: ensure payment.transaction: Amount has no currency")
	case !txOperations[op]:
		return 0, false, fmt.Errorf("odoo: ensure payment.transaction: unknown operation %q", op)
	}
	where := fmt.Sprintf("odoo: ensure payment.transaction %q", spec.Reference)
	currencyID, err := c.CurrencyID(ctx, spec.Amount.Currency)
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", where, err)
	}
	amount := spec.Amount
	if op == TxOperationRefund && amount.Minor > 0 {
		amount.Minor = -amount.Minor
	}
	vals := map[string]any{
		"reference":         spec.Reference,
		"provider_id":       spec.ProviderID,
		"payment_method_id": spec.PaymentMethodID,
		"amount":            wireDouble(amount.Amount()),
		"currency_id":       currencyID,
		"partner_id":        spec.PartnerID,
		"operation":         op,
	}
	if spec.ProviderReference != "" {
		vals["provider_reference"] = spec.ProviderReference
	}
	if spec.OrderID != 0 {
		vals["sale_order_ids"] = []any{[]any{6, 0, []any{spec.OrderID}}}
	}
	if spec.SourceTransactionID != 0 {
		vals["source_transaction_id"] = spec.SourceTransactionID
	}
	maps.Copy(vals, extra)
	id, err = c.Create(ctx, "payment.transaction", vals, nil)
	if err == nil {
		return id, true, nil
	}
	// An earlier or concurrent attempt made it ("Reference must be
	// unique!"), or the create committed before a marshalling fault.
	if IsBusiness(err) || IsProbablyApplied(err) {
		if id, ferr := c.searchOne(ctx, "payment.transaction", []any{[]any{"reference", "=", spec.Reference}}, nil); ferr == nil && id != 0 {
			return id, false, nil
		}
	}
	return 0, false, fmt.Errorf("%s: %w", where, err)
}

// TransactionUpdate is a state change of a payment.transaction.
type TransactionUpdate struct {
	// State is draft, pending, authorized, done, cancel or error. Odoo
	// refuses "authorized" (fault 2) unless the provider supports manual
	// capture, which a custom provider does not.
	State string
	// Message is written to state_message ("" clears it).
	Message string
	// ProviderReference replaces provider_reference when set.
	ProviderReference string
	// PaymentID links the account.payment that records the money (optional).
	PaymentID int64
	// InvoiceIDs links the invoices (optional; replaces the set).
	InvoiceIDs []int64
}

// SetTransactionState writes the new state directly (the private _set_*
// methods cannot be called over RPC), stamps last_state_change with the
// client's clock and sets is_post_processed so Odoo's post-processing cron
// never creates a second payment for money the product has already booked.
// Idempotent.
func (c *Client) SetTransactionState(ctx context.Context, txID int64, upd TransactionUpdate) error {
	vals, err := c.stateVals(upd)
	if err != nil {
		return fmt.Errorf("odoo: set payment.transaction %d state: %w", txID, err)
	}
	if err := c.Write(ctx, "payment.transaction", []int64{txID}, vals, nil); err != nil {
		return fmt.Errorf("odoo: set payment.transaction %d state %s: %w", txID, upd.State, err)
	}
	return nil
}

// stateVals are the values that move a transaction to upd.
func (c *Client) stateVals(upd TransactionUpdate) (map[string]any, error) {
	if !txStates[upd.State] {
		return nil, fmt.Errorf("unknown state %q", upd.State)
	}
	vals := map[string]any{
		"state":             upd.State,
		"state_message":     false,
		"last_state_change": FormatDatetime(c.now()),
		"is_post_processed": true,
	}
	if upd.Message != "" {
		vals["state_message"] = upd.Message
	}
	if upd.ProviderReference != "" {
		vals["provider_reference"] = upd.ProviderReference
	}
	if upd.PaymentID != 0 {
		vals["payment_id"] = upd.PaymentID
	}
	if len(upd.InvoiceIDs) > 0 {
		vals["invoice_ids"] = []any{[]any{6, 0, int64sToAny(upd.InvoiceIDs)}}
	}
	return vals, nil
}

// Transaction is a payment.transaction.
type Transaction struct {
	ID                int64
	Reference         string
	ProviderReference string
	State             string
	StateMessage      string
	// Amount is negative for refunds.
	Amount              money.Money
	PartnerID           int64
	ProviderID          int64
	PaymentMethodID     int64
	Operation           string
	SourceTransactionID int64
	SaleOrderIDs        []int64
	InvoiceIDs          []int64
	PaymentID           int64
	IsPostProcessed     bool
	LastStateChange     time.Time
}

var transactionFields = []string{
	"reference", "provider_reference", "state", "state_message", "amount", "currency_id",
	"partner_id", "provider_id", "payment_method_id", "operation", "source_transaction_id",
	"sale_order_ids", "invoice_ids", "payment_id", "is_post_processed", "last_state_change",
}

// ReadTransaction reads a payment.transaction. ErrNotFound if it does not
// exist.
func (c *Client) ReadTransaction(ctx context.Context, txID int64) (*Transaction, error) {
	rec, err := c.readOne(ctx, "payment.transaction", txID, transactionFields, nil)
	if err != nil {
		return nil, err
	}
	d := newDecoder("payment.transaction", rec)
	currency := strings.TrimSpace(d.ref("currency_id").Name)
	tx := &Transaction{
		ID:                  txID,
		Reference:           d.str("reference"),
		ProviderReference:   d.str("provider_reference"),
		State:               d.str("state"),
		StateMessage:        d.str("state_message"),
		Amount:              d.money("amount", currency),
		PartnerID:           d.ref("partner_id").ID,
		ProviderID:          d.ref("provider_id").ID,
		PaymentMethodID:     d.ref("payment_method_id").ID,
		Operation:           d.str("operation"),
		SourceTransactionID: d.ref("source_transaction_id").ID,
		SaleOrderIDs:        d.ids("sale_order_ids"),
		InvoiceIDs:          d.ids("invoice_ids"),
		PaymentID:           d.ref("payment_id").ID,
		IsPostProcessed:     d.bool("is_post_processed"),
		LastStateChange:     d.time("last_state_change"),
	}
	if err := d.Err(); err != nil {
		return nil, err
	}
	return tx, nil
}
