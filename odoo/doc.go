// Package odoo is an XML-RPC client for Odoo 18 (/xmlrpc/2/common and
// /xmlrpc/2/object) with typed helpers for what the Afterpay bridge does in
// Odoo: read sale orders, mirror payments as payment.transaction records,
// invoice, register payments (linked to their transaction), issue credit
// notes, write the Afterpay custom fields provisioning creates
// (SetOrderAfterpay, SetMovesAfterpayOrderID), post chatter notes and
// schedule activities.
//
// Order to cash: an Afterpay order carries the payment term named
// PaymentTermName (OrderHeader.IsAfterpay) and may choose its capture mode
// (OrderHeader.CaptureMode, x_afterpay_capture). OrderInvoicing says what
// its lines have delivered and invoiced; CreateInvoices invoices and posts
// what Odoo can invoice now (ordered quantities of lines invoiced on order,
// delivered ones of lines invoiced on delivery) and PostedInvoices lists
// the order's posted invoices. RegisterCustomerPayment books money received
// as the customer's outstanding credit in a bank journal, ReconcilePayment
// matches it with an invoice (fully or in part) and PaymentResidual says
// what is left of it. For tests and demos, OrderPickings, ValidatePicking
// (quantities, the backorder question) and CancelSaleOrder do what a
// warehouse or sales user does.
//
// conformance_test.go runs every call the product makes against the fake
// Odoo and, when CONFORMANCE_ODOO_* name one, a real Odoo 18, and requires
// the two to answer alike.
//
// # Wire
//
// Requests and answers are encoded and decoded with github.com/kolo/xmlrpc,
// but the HTTP exchange is the client's own so that every call honours its
// context and the per-call Config.Timeout (kolo's net/rpc client can neither
// cancel nor time out a call) and so that faults arrive typed instead of as
// "Fault(<code>): <string>" text.
//
// # Errors
//
// Every error can be classified with the predicates:
//
//   - IsRetryable: network errors, timeouts, HTTP 5xx/408/429 and
//     transient database faults. Try again later.
//   - IsProbablyApplied: the code-1 fault Odoo raises while marshalling a
//     result it cannot send (None, a recordset) after it has committed. The
//     work was done; read back and decide. The typed helpers do this.
//   - IsAccessAlarm: bad credentials, access denied (3), access error (4),
//     unknown uid. Logged at ERROR; someone must fix the Odoo user.
//   - IsBusiness: a code-2 fault (UserError, ValidationError, MissingError)
//     with Odoo's message, or ErrInvalidState. Final.
//
// Anything else (code-1 application faults, ProtocolError) is final too.
//
// # Idempotency
//
// The typed helpers are meant to be called from Temporal activities, which
// may run again after a timeout. Every helper that creates something looks
// first by a caller-supplied key (transaction reference, payment memo,
// credit-note ref, note marker, activity summary, client order ref) and
// returns what it finds, and every helper whose Odoo call may fault after
// committing reads the result back.
package odoo
