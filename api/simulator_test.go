package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// The simulator sends signed payment-event and dispute webhooks to the
// API's two endpoints over HTTP, and each becomes exactly one signal to the
// order's workflow: the dispute read back from the simulator with the
// product's own Afterpay client.
func TestSimulatorWebhooksBecomeSignals(t *testing.T) {
	var api http.Handler
	apiSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { api.ServeHTTP(w, r) }))
	t.Cleanup(apiSrv.Close)

	sim, err := sandbox.New(sandbox.Options{
		MerchantID: "100101", SecretKey: "sim-secret", Currency: "USD",
		WebhookURL: apiSrv.URL + notificationPath, DisputeWebhookURL: apiSrv.URL + disputesPath, WebhookSecret: whSecret,
	})
	require.NoError(t, err)
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)
	t.Cleanup(sim.Close)
	require.NoError(t, sim.SetPublicURL(simSrv.URL))
	ap, err := afterpay.NewClient(afterpay.Config{
		MerchantID: "100101", SecretKey: "sim-secret", BaseURL: simSrv.URL,
		UserAgent: afterpay.UserAgent{PluginName: "test", PluginVersion: "1", Platform: "Odoo", PlatformVersion: "18.0", StoreURL: "https://shop.example.com"},
	})
	require.NoError(t, err)

	e := newEnv(t, func(o *Options) { o.PublicURL, o.Afterpay, o.Now = apiSrv.URL, ap, time.Now })
	api = e.srv

	// A captured payment at the simulator, for order S00043.
	ctx := context.Background()
	co, err := ap.CreateCheckout(ctx, &afterpay.CheckoutRequest{
		Amount: money.MustNew(4500, "USD"), Consumer: afterpay.Consumer{Email: "shopper@example.com"},
		Merchant:          afterpay.MerchantURLs{RedirectConfirmURL: apiSrv.URL + "/afterpay/return", RedirectCancelURL: apiSrv.URL + "/afterpay/return"},
		MerchantReference: "S00043",
	})
	require.NoError(t, err)
	_, err = sim.ConfirmCheckout(co.Token, sandbox.OutcomeApprove)
	require.NoError(t, err)
	payment, err := ap.CapturePayment(ctx, &afterpay.CaptureRequest{Token: co.Token})
	require.NoError(t, err)

	e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.ListWorkflowExecutionsResponse{}, nil)
	in := paymentInputFor("S00043")
	in.ReturnURL = apiSrv.URL + "/afterpay/return"
	id := "afterpay-payment:prod:S00043"
	e.temporal.On("SignalWithStartWorkflow", mock.Anything, id, workflows.SignalAfterpayEvent, mock.MatchedBy(func(ev workflows.AfterpayEvent) bool {
		return ev.Kind == workflows.EventCaptureCompleted && ev.Token == co.Token && ev.OrderID == payment.ID &&
			*ev.Amount == money.MustNew(4500, "USD") && ev.ID != ""
	}), signalWithStartOptions(id), workflows.PaymentWorkflowName, in).Return(run(t, id), nil).Once()
	delivered, err := sim.FlushPaymentEvents(ctx)
	require.NoError(t, err, "the API acknowledged the payment event")
	require.Equal(t, 1, delivered)

	e.temporal.On("SignalWorkflow", mock.Anything, id, "", workflows.SignalAfterpayEvent, mock.MatchedBy(func(ev workflows.AfterpayEvent) bool {
		return ev.Kind == workflows.EventDispute && ev.Token == co.Token && ev.Dispute != nil &&
			ev.Dispute.Status == afterpay.DisputeNeedsResponse && ev.Dispute.Amount == money.MustNew(4500, "USD") &&
			ev.Dispute.Open && !ev.Dispute.ResponseDueBy.IsZero()
	})).Return(nil).Once()
	d, err := sim.OpenDispute(payment.ID, "")
	require.NoError(t, err, "the API acknowledged the dispute webhook")

	// Accepting the dispute (as `starter dispute-accept` does) makes
	// Afterpay send an "updated" webhook: a second, distinct signal.
	updated := make(chan struct{})
	e.temporal.On("SignalWorkflow", mock.Anything, id, "", workflows.SignalAfterpayEvent, mock.MatchedBy(func(ev workflows.AfterpayEvent) bool {
		return ev.Kind == workflows.EventDispute && ev.Dispute.ID == d.ID && ev.Dispute.Status == afterpay.DisputeLost && !ev.Dispute.Open
	})).Run(func(mock.Arguments) { close(updated) }).Return(nil).Once()
	_, err = ap.AcceptDispute(ctx, d.ID)
	require.NoError(t, err)
	select {
	case <-updated:
	case <-time.After(10 * time.Second):
		t.Fatal("the dispute's update webhook never became a signal")
	}
	e.temporal.AssertNumberOfCalls(t, "SignalWithStartWorkflow", 1)
	e.temporal.AssertNumberOfCalls(t, "SignalWorkflow", 2)
}
