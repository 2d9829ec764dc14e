package odoo

import (
	"context"
	"errors"
	"fmt"
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
	inactiveToo := map[string]any{"active_test": false}
	providerID, err = c.searchOne(ctx, "payment.provider", []any{[]any{"name", "=", ProviderName}}, inactiveToo)
	if err != nil {
		return 0, 0, fmt.Errorf("odoo: find the %s payment.provider: %w", ProviderName, err)
	}
	if providerID == 0 {
		return 0, 0, fmt.Errorf("odoo: find the %s payment.provider (run setup-odoo): %w", ProviderName, ErrNotFound)
	}
	methodID, err = c.searchOne(ctx, "payment.method", []any{[]any{"code", "=", PaymentMethodCode}}, inactiveToo)
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
	op := spec.Operation
	if op == "" {
		op = TxOperationOnlineRedirect
		if spec.SourceTransactionID != 0 {
			op = TxOperationRefund
		}
	}
	switch {
	case spec.Reference == "":
		return 0, errors.New("odoo: ensure payment.transaction: Reference is required")
	case spec.PartnerID <= 0 || spec.ProviderID <= 0 || spec.PaymentMethodID <= 0:
		return 0, errors.New("odoo: ensure payment.transaction: PartnerID, ProviderID and PaymentMethodID are required")
	case spec.Amount.Currency == "":
		return 0, errors.New("odoo: ensure payment.transaction: Amount has no currency")
	case !txOperations[op]:
		return 0, fmt.Errorf("odoo: ensure payment.transaction: unknown operation %q", op)
	}
	where := fmt.Sprintf("odoo: ensure payment.transaction %q", spec.Reference)
	byRef := []any{[]any{"reference", "=", spec.Reference}}
	if id, err := c.searchOne(ctx, "payment.transaction", byRef, nil); err != nil || id != 0 {
		if err != nil {
			return 0, fmt.Errorf("%s: look up: %w", where, err)
		}
		return id, nil
	}
	currencyID, err := c.CurrencyID(ctx, spec.Amount.Currency)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
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
	id, err := c.Create(ctx, "payment.transaction", vals, nil)
	if err == nil {
		return id, nil
	}
	// A concurrent attempt won the unique reference ("Reference must be
	// unique!"), or the create committed before a marshalling fault.
	if IsBusiness(err) || IsProbablyApplied(err) {
		if id, ferr := c.searchOne(ctx, "payment.transaction", byRef, nil); ferr == nil && id != 0 {
			return id, nil
		}
	}
	return 0, fmt.Errorf("%s: %w", where, err)
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
	if !txStates[upd.State] {
		return fmt.Errorf("odoo: set payment.transaction %d state: unknown state %q", txID, upd.State)
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
	if err := c.Write(ctx, "payment.transaction", []int64{txID}, vals, nil); err != nil {
		return fmt.Errorf("odoo: set payment.transaction %d state %s: %w", txID, upd.State, err)
	}
	return nil
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
