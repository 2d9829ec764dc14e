package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// The reconciliation's reads (workflows.Reconciliation): Afterpay's
// payments, what Odoo shows of them, and the payment workflows. They
// return ids, names, states, dates and amounts only: a payment's consumer
// and addresses, which Afterpay's list carries, stay out of the workflow's
// history.

// ErrTypeTemporalUnavailable: Temporal did not answer a describe or a
// start; retried.
const ErrTypeTemporalUnavailable = "TemporalUnavailable"

// listIDsPerCall bounds the ids of one List Payments call.
const listIDsPerCall = 50

// AfterpayPaymentsInput selects Afterpay's payments: with IDs, those
// Afterpay orders; otherwise those created in [From, To).
type AfterpayPaymentsInput struct {
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	IDs  []string  `json:"ids,omitempty"`
}

// AfterpayPaymentSeen is one Afterpay payment as the reconciliation
// compares it.
type AfterpayPaymentSeen struct {
	OrderID string `json:"orderId"`
	// MerchantReference is the Odoo order's name the product sent.
	MerchantReference string      `json:"merchantReference,omitempty"`
	Status            string      `json:"status"`
	State             string      `json:"paymentState,omitempty"`
	Created           time.Time   `json:"created"`
	Amount            money.Money `json:"amount"`
	Captured          money.Money `json:"captured"`
	Refunded          money.Money `json:"refunded"`
	// Net is what Afterpay holds of the customer's money: captured less
	// refunded, nothing once reversed.
	Net       money.Money `json:"net"`
	RefundIDs []string    `json:"refundIds,omitempty"`
}

// Approved reports whether Afterpay approved the payment.
func (p AfterpayPaymentSeen) Approved() bool { return p.Status == afterpay.StatusApproved }

// AfterpayPayments are the payments found, oldest first.
type AfterpayPayments struct {
	Payments []AfterpayPaymentSeen `json:"payments"`
	// Unknown are the ids asked for that Afterpay has no payment for.
	Unknown []string `json:"unknown,omitempty"`
}

// ListAfterpayPayments reads Afterpay's payments (GET /v2/payments, every
// page).
func (a *Activities) ListAfterpayPayments(ctx context.Context, in AfterpayPaymentsInput) (*AfterpayPayments, error) {
	out := &AfterpayPayments{Payments: []AfterpayPaymentSeen{}}
	if len(in.IDs) == 0 {
		if in.To.IsZero() || !in.From.Before(in.To) {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("list Afterpay payments: the period %s to %s is empty", in.From, in.To), "InvalidInput", nil)
		}
		// Afterpay's toCreatedDate is inclusive.
		err := a.listPayments(ctx, afterpay.ListPaymentsParams{FromCreatedDate: in.From.UTC(), ToCreatedDate: in.To.UTC().Add(-time.Millisecond),
			OrderBy: afterpay.OrderByCreatedAt, Ascending: true}, out)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	var asked []string
	for _, id := range in.IDs {
		switch {
		case slices.Contains(asked, id) || slices.Contains(out.Unknown, id):
		case isAfterpayID(id):
			asked = append(asked, id)
		default:
			// Afterpay's order ids are numbers; Afterpay has no other.
			out.Unknown = append(out.Unknown, id)
		}
	}
	for batch := range slices.Chunk(asked, listIDsPerCall) {
		if err := a.listPayments(ctx, afterpay.ListPaymentsParams{IDs: batch, OrderBy: afterpay.OrderByCreatedAt, Ascending: true}, out); err != nil {
			return nil, err
		}
	}
	for _, id := range asked {
		if !slices.ContainsFunc(out.Payments, func(p AfterpayPaymentSeen) bool { return p.OrderID == id }) {
			out.Unknown = append(out.Unknown, id)
		}
	}
	return out, nil
}

func (a *Activities) listPayments(ctx context.Context, params afterpay.ListPaymentsParams, out *AfterpayPayments) error {
	for p, err := range a.Afterpay.AllPayments(ctx, params) {
		if err != nil {
			return afterpayFailure("list payments", err)
		}
		if slices.ContainsFunc(out.Payments, func(seen AfterpayPaymentSeen) bool { return seen.OrderID == p.ID }) {
			continue
		}
		o := outcomeOf(p)
		seen := AfterpayPaymentSeen{OrderID: p.ID, MerchantReference: p.MerchantReference, Status: p.Status, State: p.PaymentState,
			Created: p.Created, Amount: p.OriginalAmount, Captured: o.Captured, Refunded: o.Refunded, Net: o.Net}
		for _, r := range o.Refunds {
			seen.RefundIDs = append(seen.RefundIDs, r.RefundID)
		}
		out.Payments = append(out.Payments, seen)
	}
	return nil
}

func isAfterpayID(id string) bool {
	_, _, ok := odoo.ParseAfterpayMemo("Afterpay " + id)
	return ok
}

// OdooAfterpayInput asks what Odoo shows of Afterpay's payments: the
// confirmed Afterpay orders of the period [From, To) (none without To) and
// the orders named in OrderNames or carrying one of AfterpayOrderIDs;
// their Afterpay transactions; and the payments in the Afterpay journal
// created in the period or naming one of AfterpayOrderIDs or RefundIDs.
type OdooAfterpayInput struct {
	From             time.Time `json:"from,omitzero"`
	To               time.Time `json:"to,omitzero"`
	OrderNames       []string  `json:"orderNames,omitempty"`
	AfterpayOrderIDs []string  `json:"afterpayOrderIds,omitempty"`
	RefundIDs        []string  `json:"refundIds,omitempty"`
}

// OdooOrderSeen is a sale order as the reconciliation compares it.
type OdooOrderSeen struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	State string `json:"state"`
	// Afterpay: the order's payment term is Afterpay's.
	Afterpay        bool        `json:"afterpay"`
	AfterpayOrderID string      `json:"afterpayOrderId,omitempty"`
	Total           money.Money `json:"total"`
	Confirmed       time.Time   `json:"confirmed,omitzero"`
}

// OdooTransactionSeen is an order's Afterpay payment.transaction.
type OdooTransactionSeen struct {
	ID       int64   `json:"id"`
	OrderIDs []int64 `json:"orderIds"`
	State    string  `json:"state"`
	// AfterpayOrderID is its provider reference.
	AfterpayOrderID string      `json:"afterpayOrderId,omitempty"`
	Amount          money.Money `json:"amount"`
}

// OdooPaymentSeen is a posted payment in the Afterpay journal.
type OdooPaymentSeen struct {
	ID int64 `json:"id"`
	// Inbound is money from the customer; outbound money paid back.
	Inbound bool        `json:"inbound"`
	Amount  money.Money `json:"amount"`
	Date    time.Time   `json:"date,omitzero"`
	// AfterpayOrderID and RefundID are what its memo names (a refund's
	// Afterpay order comes from its credit note).
	AfterpayOrderID string `json:"afterpayOrderId,omitempty"`
	RefundID        string `json:"refundId,omitempty"`
	// Recognised is false for a memo the product does not write.
	Recognised bool `json:"recognised"`
}

// OdooAfterpay is what Odoo shows of Afterpay's payments.
type OdooAfterpay struct {
	Orders       []OdooOrderSeen       `json:"orders"`
	Transactions []OdooTransactionSeen `json:"transactions"`
	Payments     []OdooPaymentSeen     `json:"payments"`
}

// ReadOdooAfterpay reads the orders, transactions and journal payments in
// is about. It only reads.
func (a *Activities) ReadOdooAfterpay(ctx context.Context, in OdooAfterpayInput) (*OdooAfterpay, error) {
	out := &OdooAfterpay{Orders: []OdooOrderSeen{}, Transactions: []OdooTransactionSeen{}, Payments: []OdooPaymentSeen{}}
	orders, err := a.Odoo.AfterpayOrders(ctx, odoo.AfterpayOrderQuery{From: in.From, To: in.To, Names: in.OrderNames, AfterpayOrderIDs: in.AfterpayOrderIDs})
	if err != nil {
		return nil, odooFailure("read the Afterpay orders", err)
	}
	ids := make([]int64, 0, len(orders))
	for _, o := range orders {
		ids = append(ids, o.ID)
		out.Orders = append(out.Orders, OdooOrderSeen{ID: o.ID, Name: o.Name, State: o.State, Afterpay: o.IsAfterpay,
			AfterpayOrderID: o.AfterpayOrderID, Total: o.Total, Confirmed: o.DateOrder})
	}
	txs, err := a.Odoo.AfterpayTransactions(ctx, ids)
	if err != nil {
		return nil, odooFailure("read the orders' Afterpay transactions", err)
	}
	for _, tx := range txs {
		out.Transactions = append(out.Transactions, OdooTransactionSeen{ID: tx.ID, OrderIDs: tx.OrderIDs, State: tx.State,
			AfterpayOrderID: tx.ProviderReference, Amount: tx.Amount})
	}
	journal, err := a.afterpayJournal(ctx)
	if err != nil {
		return nil, err
	}
	payments, err := a.Odoo.AfterpayJournalPayments(ctx, odoo.JournalPaymentQuery{JournalID: journal, From: in.From, To: in.To,
		AfterpayOrderIDs: in.AfterpayOrderIDs, RefundIDs: in.RefundIDs})
	if err != nil {
		return nil, odooFailure("read the payments in the Afterpay journal", err)
	}
	for _, p := range payments {
		out.Payments = append(out.Payments, OdooPaymentSeen{ID: p.ID, Inbound: p.Inbound, Amount: p.Amount, Date: p.Date,
			AfterpayOrderID: p.AfterpayOrderID, RefundID: p.RefundID, Recognised: p.Recognised})
	}
	return out, nil
}

// PaymentWorkflows are the reconciliation's activities on the payment
// workflows themselves, with Temporal's client. Register them beside
// Activities (package worker does).
type PaymentWorkflows struct {
	Temporal client.Client
	// Start starts an order's payment workflow as the order-confirmed
	// webhook does (workflows.StartPayment, which package worker wires in:
	// this package cannot import workflows) and returns its outcome.
	Start func(ctx context.Context, in StartPaymentInput) (string, error)
}

// PaymentWorkflowRef names an order's payment workflow.
type PaymentWorkflowRef struct {
	OrderName  string `json:"orderName"`
	WorkflowID string `json:"workflowId"`
}

// DescribePaymentsInput names the workflows to describe, and the search
// attribute that holds a payment's status.
type DescribePaymentsInput struct {
	Workflows       []PaymentWorkflowRef `json:"workflows"`
	StatusAttribute string               `json:"statusAttribute"`
}

// PaymentWorkflowSeen is where an order's payment workflow stands.
type PaymentWorkflowSeen struct {
	OrderName  string `json:"orderName"`
	WorkflowID string `json:"workflowId"`
	// Found is false when Temporal has no such workflow.
	Found   bool `json:"found"`
	Running bool `json:"running,omitempty"`
	// Status is the workflow's PaymentStatus.
	Status string `json:"status,omitempty"`
}

// DescribePayments describes each workflow (the newest run of its id).
func (p *PaymentWorkflows) DescribePayments(ctx context.Context, in DescribePaymentsInput) ([]PaymentWorkflowSeen, error) {
	out := make([]PaymentWorkflowSeen, 0, len(in.Workflows))
	for _, ref := range in.Workflows {
		seen := PaymentWorkflowSeen{OrderName: ref.OrderName, WorkflowID: ref.WorkflowID}
		desc, err := p.Temporal.DescribeWorkflowExecution(ctx, ref.WorkflowID, "")
		var notFound *serviceerror.NotFound
		switch {
		case errors.As(err, &notFound):
		case err != nil:
			return nil, temporalFailure("describe workflow "+ref.WorkflowID, err)
		default:
			info := desc.GetWorkflowExecutionInfo()
			seen.Found = true
			seen.Running = info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
			if v, ok := info.GetSearchAttributes().GetIndexedFields()[in.StatusAttribute]; ok && v != nil {
				_ = converter.GetDefaultDataConverter().FromPayload(v, &seen.Status)
			}
		}
		out = append(out, seen)
	}
	return out, nil
}

// StartPaymentInput starts an order's payment workflow, with what the
// order-confirmed webhook would have given it.
type StartPaymentInput struct {
	Database            string        `json:"database"`
	OrderName           string        `json:"orderName"`
	OrderID             int64         `json:"orderId,omitempty"`
	ReturnURL           string        `json:"returnUrl"`
	ConfirmationTimeout time.Duration `json:"confirmationTimeout"`
	CaptureMode         string        `json:"captureMode,omitempty"`
}

// PaymentStarted says what starting did: "started", or "already_running"
// or "already_done" when another start came first.
type PaymentStarted struct {
	OrderName string `json:"orderName"`
	Outcome   string `json:"outcome"`
}

// StartMissingPayment starts the order's payment workflow; a second start
// is a no-op (the workflow id is the order's).
func (p *PaymentWorkflows) StartMissingPayment(ctx context.Context, in StartPaymentInput) (*PaymentStarted, error) {
	if p.Start == nil {
		return nil, temporal.NewNonRetryableApplicationError("start payment: no starter wired", "InvalidInput", nil)
	}
	outcome, err := p.Start(ctx, in)
	if err != nil {
		return nil, temporalFailure("start the payment workflow of "+in.OrderName, err)
	}
	return &PaymentStarted{OrderName: in.OrderName, Outcome: outcome}, nil
}

// temporalFailure: Temporal's errors are retried, except a bad request.
func temporalFailure(op string, err error) error {
	if e, ok := interrupted(op, err); ok {
		return e
	}
	var invalid *serviceerror.InvalidArgument
	if errors.As(err, &invalid) {
		return temporal.NewNonRetryableApplicationError(op+": "+err.Error(), "InvalidInput", err)
	}
	return temporal.NewApplicationErrorWithOptions(op+": "+err.Error(), ErrTypeTemporalUnavailable, temporal.ApplicationErrorOptions{Cause: err})
}
