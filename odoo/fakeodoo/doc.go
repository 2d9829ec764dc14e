// Package fakeodoo is an in-memory Odoo 18.0 that speaks Odoo's external
// XML-RPC API byte for byte like the real server, for the bridge's tests and
// for local development (cmd/fake-odoo).
//
// # Routes
//
//	POST /xmlrpc/2/common   version, authenticate, login, about
//	POST /xmlrpc/2/object   execute_kw, execute (integer faultCodes 1-4)
//	POST /xmlrpc/2/db       list, server_version, db_exist
//	POST /xmlrpc/<service>  the legacy routes (string faultCodes)
//	GET  /web/health        {"status": "pass"}
//	POST /__fake/faults     fault injection (see Fault, SetDown, Slow)
//	GET  /__fake/snapshot   the state as Snapshot returns it
//
// Responses copy Odoo 18's marshaller: HTTP 200 even for faults,
// Content-Type text/xml; charset=utf-8, explicit <string>, doubles in
// Python repr form, False for empty values, many2one as [id, name],
// datetimes as "YYYY-MM-DD HH:MM:SS" strings. Faults follow
// odoo/addons/base/controllers/rpc.py; code-1 faults carry a plausible
// traceback whose last line is the exception. Methods that return None in
// Odoo (sale.order.action_lock, account.payment.action_post,
// choose.delivery.carrier.button_confirm, …) commit their changes and then
// fail with "TypeError: cannot marshal None unless allow_none is enabled".
//
// # Data and behaviour
//
// The models the integration uses are implemented with Odoo's rules:
// partners, products, taxes (amounts computed exactly and rounded half away
// from zero per line), payment terms and their lines, sale orders and their
// invoicing wizard ("delivered" method: ordered quantities of lines
// invoiced on order, delivered ones of lines invoiced on delivery; an order
// whose only invoiceable line is a delivery line reads "no"), sale_stock's
// deliveries (a picking with a reserved move per goods line when an order
// is confirmed, validation with quantities, the backorder wizard and the
// one-time stock_sms wizard, backorders, cancellation with the order, the
// delivered quantities and delivery status they give the order), invoices,
// credit notes, payments with or without invoices, the register-payment
// wizard and the invoice form's js_assign_outstanding_line (partial
// reconciliation), the order's transactions linked to each new invoice
// (pending and authorized ones, done ones whose payment is not fully
// reconciled) and their in_process payments assigned to it when it is
// posted (transaction_ids.payment_id, newest transaction first, as sale's
// account.move._post does), the "Invoice <name> paid" note on the order of
// an invoice a reconciliation pays, payment providers,
// methods and transactions with the post-processing cron (a payment method
// cannot be activated while every provider linked to it is disabled, as
// payment.method.write refuses it), chatter messages, activities, manual x_
// fields, form views (ir.ui.view: extensions are combined with Odoo's own
// sale.view_order_form and account.view_move_form, validated on create and
// write, and answered by get_views), automation rules and their webhooks.
// The generic ORM supports search/search_read/search_count/read/create/
// write/unlink/fields_get/name_search/default_get/get_views, Odoo domains
// and x2many commands. Seeds come from LoadSeed (an odoo-seed folder, whose
// exported records and ids line up with recorded transcripts) or NewDemo.
//
// Every call runs in a transaction that other calls cannot see until it
// commits. Automation-rule webhooks are sent before the commit is visible,
// as Odoo 18 sends them from inside the transaction, so a receiver that
// reads the record back still sees the old state; the call answers once
// they are answered. Writers are serialised, but no lock is held while a
// webhook is in flight: later writers go on, and their commits become
// visible in order once it is answered (commit.go). Readers never wait.
//
// Each committed state shares all it did not change with the one before
// (persistent tries, idmap.go), and every model has equality indexes on its
// many2one and many2many fields and on the fields the bridge looks records
// up by (index.go): searches with an "=" or "in" leaf on one of them, and
// the computed fields that follow back-references, cost the same with ten
// orders or ten thousand.
//
// The conformance tests replay odoo-transcripts/ and odoo-transcripts-2/
// (../shared/reference, the latter from odoo-seed-stock, with the few
// exchanges the fake does not reproduce listed with their reasons) and
// compare every response with the recorded bytes; the odoo package's
// conformance suite runs the client's calls against this fake and a live
// Odoo 18 and requires the same answers.
package fakeodoo
