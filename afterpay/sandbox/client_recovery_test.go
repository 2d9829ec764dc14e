package sandbox_test

// Recovery after a capture whose response never arrived (afterpay-api.md §5,
// "Recommended timeout handling"): Afterpay committed the capture, the client
// timed out. The caller learns the outcome by token, then either reverses
// within 10 minutes or, after that, refunds.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
)

// droppedCaptureTimeout is the impatient client's money timeout. The
// simulator commits the capture as soon as it reads the request and then
// holds the response until the client gives up, so this only has to outlast
// one local round trip; it is the timeout under test, not a sleep.
const droppedCaptureTimeout = 500 * time.Millisecond

// dropCapture confirms a checkout and captures it through a client with a
// short money timeout while the simulator drops the response after
// committing. It checks what the caller is told and returns the token.
func dropCapture(t *testing.T, w *world) string {
	t.Helper()
	token := w.confirmed(usd(15000), "SO-drop", sandbox.OutcomeApprove)
	require.NoError(t, w.sim.InjectFault(sandbox.Fault{Endpoint: sandbox.EndpointCapture, Kind: sandbox.FaultDropAfterCommit, Times: 1}))
	impatient := w.newClient(func(c *afterpay.Config) { c.Timeouts.MoneyRead = droppedCaptureTimeout })

	p, err := impatient.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token})
	require.Nil(t, p)
	tErr := requireTransport(t, err)
	assert.True(t, tErr.Timeout(), "the client's own money timeout ended the call: %v", err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "errors.Is(err, context.DeadlineExceeded): %v", err)
	assert.Equal(t, "POST /v2/payments/capture", tErr.Endpoint)
	assert.Empty(t, w.sim.Faults(), "the fault was used")

	// The caller learns the outcome by token: the capture went through.
	got, err := w.client.GetPaymentByToken(w.ctx(), token)
	require.NoError(t, err)
	assert.Equal(t, afterpay.StatusApproved, got.Status)
	assert.Equal(t, afterpay.PaymentStateCaptured, got.PaymentState)
	assert.Equal(t, usd(15000), got.OriginalAmount)
	assert.Equal(t, []string{afterpay.EventCaptured}, eventTypes(got))

	// Retrying capture-full with the same token is safe: it answers the
	// committed payment instead of capturing twice.
	again, err := w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token})
	require.NoError(t, err)
	assert.Equal(t, got, again)
	return token
}

func TestClientRecoversFromDropAfterCommitOnCapture(t *testing.T) {
	t.Run("reversal within the 10-minute window", func(t *testing.T) {
		w := newWorld(t)
		token := dropCapture(t, w)

		w.clock.Advance(sandbox.DefaultReversalWindow - time.Second)
		require.NoError(t, w.client.ReversePaymentByToken(w.ctx(), token))

		// The reversal is asynchronous: accepted, not yet done.
		pending, err := w.client.GetPaymentByToken(w.ctx(), token)
		require.NoError(t, err)
		assert.Equal(t, afterpay.PaymentStateCaptured, pending.PaymentState)
		// Meanwhile the order takes no more money movements.
		_, err = w.client.Refund(w.ctx(), pending.ID, &afterpay.RefundRequest{RequestID: "r-1", MerchantReference: "RF-1", Amount: usd(15000)})
		requireAPIError(t, err, 412, afterpay.CodePreconditionFailed)
		_, err = w.client.CapturePayment(w.ctx(), &afterpay.CaptureRequest{Token: token})
		apiErr := requireAPIError(t, err, 412, afterpay.CodePreconditionFailed)
		assert.Contains(t, apiErr.Message, "Order in pending reversal")

		w.clock.Advance(sandbox.DefaultReversalDelay)
		reversed, err := w.client.GetPaymentByToken(w.ctx(), token)
		require.NoError(t, err)
		assert.Equal(t, stateReversed, reversed.PaymentState)
		assert.Equal(t, usd(0), reversed.OpenToCaptureAmount)
		assert.Empty(t, reversed.Refunds, "a reversal is not a refund")
		byID, err := w.client.GetPayment(w.ctx(), reversed.ID)
		require.NoError(t, err)
		assert.Equal(t, reversed, byID)

		// A second reversal is refused as already processed.
		err = w.client.ReversePaymentByToken(w.ctx(), token)
		apiErr = requireAPIError(t, err, 412, afterpay.CodePreconditionFailed)
		assert.Contains(t, apiErr.Message, "Payment reversal previously processed")
		assert.False(t, afterpay.IsRetryable(err))
	})

	t.Run("refund once the window has passed", func(t *testing.T) {
		w := newWorld(t)
		token := dropCapture(t, w)

		w.clock.Advance(11 * time.Minute)
		err := w.client.ReversePaymentByToken(w.ctx(), token)
		apiErr := requireAPIError(t, err, 412, afterpay.CodePreconditionFailed)
		assert.Contains(t, apiErr.Message, "Order outside reversal window")
		assert.False(t, afterpay.IsRetryable(err), "the window does not reopen")

		p, err := w.client.GetPaymentByToken(w.ctx(), token)
		require.NoError(t, err)
		assert.Equal(t, afterpay.PaymentStateCaptured, p.PaymentState, "the refused reversal changed nothing")

		r, err := w.client.Refund(w.ctx(), p.ID, &afterpay.RefundRequest{
			RequestID: "refund-after-drop", MerchantReference: "SO-drop-refund", Amount: p.OriginalAmount,
		})
		require.NoError(t, err)
		assert.Equal(t, usd(15000), r.Amount)
		assert.NotEmpty(t, r.RefundID)
		assert.True(t, r.RefundedAt.Equal(w.clock.Now()))

		after, err := w.client.GetPaymentByToken(w.ctx(), token)
		require.NoError(t, err)
		require.Len(t, after.Refunds, 1)
		assert.Equal(t, *r, after.Refunds[0])
		assert.Equal(t, afterpay.PaymentStateCaptured, after.PaymentState)
	})
}
