// Package e2e holds the end-to-end test: a real Temporal dev server, the
// Afterpay simulator, the fake Odoo, the worker and the API on free ports,
// driven over HTTP exactly as Odoo and a customer's browser drive them.
package e2e
