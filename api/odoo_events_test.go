package api

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"github.com/odoo-afterpay/bridge/workflows"
)

// Bodies as real Odoo 18 posts them for the after-the-sale rules.
const (
	deliveryWebhook = `{"_action": "Send Webhook Notification(#401)", "_id": 17, "_model": "stock.picking", "backorder_id": false, "id": 17, "name": "WH/OUT/00017", "origin": "S00043", "picking_type_code": "outgoing", "sale_id": 42, "state": "done"}`
	cancelWebhook   = `{"_action": "Send Webhook Notification(#402)", "_id": 42, "_model": "sale.order", "id": 42, "name": "S00043", "state": "cancel"}`
	invoiceWebhook  = `{"_action": "Send Webhook Notification(#403)", "_id": 88, "_model": "account.move", "amount_total": 92.0, "id": 88, "invoice_origin": "S00043, SO/2026/0001", "move_type": "out_invoice", "name": "INV/2026/00088", "state": "posted"}`
	// The credit-note rule's fields: name, state, move_type, amount_total,
	// reversed_entry_id, invoice_origin, ref.
	creditNoteWebhook = `{"_action": "Afterpay: credit note posted(#404)", "_id": 91, "_model": "account.move", "amount_total": 12.5, "id": 91, "invoice_origin": "S00043", "move_type": "out_refund", "name": "RINV/2026/00001", "ref": "Reversal of: INV/2026/00088, damaged", "reversed_entry_id": 88, "state": "posted"}`
)

func TestOdooEventsBecomeSignalsToTheOrdersPayment(t *testing.T) {
	for _, tt := range []struct {
		path, body string
		want       []workflows.OdooEvent
		orders     []string
	}{
		{"/odoo/webhook/delivery-done", deliveryWebhook,
			[]workflows.OdooEvent{{ID: "stock.picking:17:done", Kind: workflows.OdooDeliveryDone, Model: "stock.picking", RecordID: 17, Name: "WH/OUT/00017"}},
			[]string{"S00043"}},
		{"/odoo/webhook/order-cancelled", cancelWebhook,
			[]workflows.OdooEvent{{ID: "sale.order:42:cancel", Kind: workflows.OdooOrderCancelled, Model: "sale.order", RecordID: 42, Name: "S00043"}},
			[]string{"S00043"}},
		{"/odoo/webhook/invoice-posted", invoiceWebhook,
			[]workflows.OdooEvent{{ID: "account.move:88:posted", Kind: workflows.OdooInvoicePosted, Model: "account.move", RecordID: 88, Name: "INV/2026/00088"}},
			[]string{"S00043", "SO/2026/0001"}}, // one invoice for two orders
		{"/odoo/webhook/credit-note-posted", creditNoteWebhook,
			[]workflows.OdooEvent{{ID: "account.move:91:posted", Kind: workflows.OdooCreditNotePosted, Model: "account.move", RecordID: 91, Name: "RINV/2026/00001"}},
			[]string{"S00043"}},
	} {
		t.Run(tt.path, func(t *testing.T) {
			e := newEnv(t)
			for _, order := range tt.orders {
				e.temporal.On("SignalWorkflow", mock.Anything, workflows.PaymentWorkflowID("prod", order), "", workflows.SignalOdooEvent, tt.want[0]).Return(nil).Once()
			}
			rec := e.post(tt.path+"?token="+token, tt.body)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			require.JSONEq(t, fmt.Sprintf(`{"signalled":%d}`, len(tt.orders)), rec.Body.String())
		})
	}
}

func TestOdooEventRejections(t *testing.T) {
	for _, tt := range []struct {
		name, target, body string
		status             int
	}{
		{"wrong token", "/odoo/webhook/delivery-done?token=nope", deliveryWebhook, http.StatusUnauthorized},
		{"another model", "/odoo/webhook/delivery-done?token=" + token, cancelWebhook, http.StatusUnprocessableEntity},
		{"no origin", "/odoo/webhook/delivery-done?token=" + token, `{"_id": 17, "_model": "stock.picking", "name": "WH/OUT/00017", "origin": false}`, http.StatusUnprocessableEntity},
		{"no record id", "/odoo/webhook/order-cancelled?token=" + token, `{"_model": "sale.order", "name": "S00043"}`, http.StatusUnprocessableEntity},
		{"a name that is no order's", "/odoo/webhook/invoice-posted?token=" + token, `{"_id": 88, "_model": "account.move", "name": "INV/1", "invoice_origin": "S0004'; DROP TABLE--\u0000"}`, http.StatusUnprocessableEntity},
		{"credit note, wrong token", "/odoo/webhook/credit-note-posted?token=nope", creditNoteWebhook, http.StatusUnauthorized},
		{"credit note, another model", "/odoo/webhook/credit-note-posted?token=" + token, webhook, http.StatusUnprocessableEntity},
		{"credit note without an origin", "/odoo/webhook/credit-note-posted?token=" + token, `{"_id": 91, "_model": "account.move", "name": "RINV/2026/00001", "invoice_origin": false, "move_type": "out_refund"}`, http.StatusUnprocessableEntity},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := e.post(tt.target, tt.body)
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
			e.requireNothingReachedTemporal()
		})
	}
}

func TestOdooEventForAnOrderWithoutARunningPaymentIsAcknowledged(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("SignalWorkflow", mock.Anything, mock.Anything, "", workflows.SignalOdooEvent, mock.Anything).
		Return(serviceerror.NewNotFound("workflow not found")).Once()
	rec := e.post("/odoo/webhook/order-cancelled?token="+token, cancelWebhook)
	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `{"signalled":0}`, rec.Body.String())
}

func TestOdooEventTemporalCannotTakeIs503(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("SignalWorkflow", mock.Anything, mock.Anything, "", workflows.SignalOdooEvent, mock.Anything).
		Return(serviceerror.NewUnavailable("down")).Once()
	rec := e.post("/odoo/webhook/delivery-done?token="+token, deliveryWebhook)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
}
