package main

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/money"
)

// The dispute commands against the Afterpay simulator: list, show, accept
// (only with -yes), contest with evidence (once).
func TestDisputeCommands(t *testing.T) {
	sim, err := sandbox.New(sandbox.Options{MerchantID: "merchant-1", SecretKey: "afterpay-secret-key"})
	require.NoError(t, err)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	require.NoError(t, sim.SetPublicURL(srv.URL))
	setEnv(t, "http://127.0.0.1:1", "odoo", "http://127.0.0.1:8080")
	t.Setenv("AFTERPAY_BASE_URL", srv.URL)

	ctx := context.Background()
	ap, err := afterpay.NewClient(afterpay.Config{MerchantID: "merchant-1", SecretKey: "afterpay-secret-key", BaseURL: srv.URL,
		UserAgent: afterpay.UserAgent{PluginName: "t", PluginVersion: "1", Platform: "Odoo", PlatformVersion: "18.0", StoreURL: "https://s.example.com"}})
	require.NoError(t, err)
	co, err := ap.CreateCheckout(ctx, &afterpay.CheckoutRequest{
		Amount: money.MustNew(4500, "USD"), Consumer: afterpay.Consumer{Email: "c@example.com"}, MerchantReference: "S00042",
		Merchant: afterpay.MerchantURLs{RedirectConfirmURL: "https://s.example.com/r", RedirectCancelURL: "https://s.example.com/r"},
	})
	require.NoError(t, err)
	_, err = sim.ConfirmCheckout(co.Token, sandbox.OutcomeApprove)
	require.NoError(t, err)
	p, err := ap.CapturePayment(ctx, &afterpay.CaptureRequest{Token: co.Token})
	require.NoError(t, err)
	first, err := sim.OpenDispute(p.ID, "")
	require.NoError(t, err)
	second, err := sim.OpenDispute(p.ID, "incorrect_amount")
	require.NoError(t, err)

	runCmd := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args[0], args[1:], &out)
		return out.String(), err
	}
	out, err := runCmd("disputes", "needs_response")
	require.NoError(t, err)
	require.Contains(t, out, first.ID)
	require.Contains(t, out, second.ID)
	require.Contains(t, out, "S00042")

	out, err = runCmd("dispute", first.ID)
	require.NoError(t, err)
	require.Contains(t, out, "product_not_received")
	require.Contains(t, out, "respond by")

	_, err = runCmd("dispute-accept", second.ID)
	var usage usageError
	require.True(t, errors.As(err, &usage), "accepting needs -yes: %v", err)
	out, err = runCmd("dispute-accept", second.ID, "-yes")
	require.NoError(t, err)
	require.Contains(t, out, "accepted: it is lost")

	_, err = runCmd("dispute-evidence", first.ID)
	require.True(t, errors.As(err, &usage), "evidence needs a field: %v", err)
	out, err = runCmd("dispute-evidence", first.ID, "-tracking", "1Z999", "-carrier", "UPS", "-text", "Signed for at the door.")
	require.NoError(t, err)
	require.Contains(t, out, "it is under_review")
	_, err = runCmd("dispute-evidence", first.ID, "-text", "again")
	require.Error(t, err, "evidence is taken once")

	_, err = runCmd("dispute-accept")
	require.True(t, errors.As(err, &usage))
}
