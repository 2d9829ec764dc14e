package sandbox_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
)

// The product's dispute calls (the starter's dispute commands) against the
// simulator: read, submit evidence once, accept.
func TestClientDisputeCalls(t *testing.T) {
	w := newWorld(t)
	p := w.captured(money.MustNew(4500, "USD"), "S00042")
	opened, err := w.sim.OpenDispute(p.ID, "")
	require.NoError(t, err)

	d, err := w.client.GetDispute(w.ctx(), opened.ID)
	require.NoError(t, err)
	require.Equal(t, afterpay.DisputeNeedsResponse, d.Status)
	require.Equal(t, p.Token, d.Order)
	require.Equal(t, "S00042", d.MerchantOrderID)
	amount, err := d.Money("USD")
	require.NoError(t, err)
	require.Equal(t, money.MustNew(4500, "USD"), amount)
	require.True(t, d.ResponseDueBy.After(d.CreatedAt))

	_, err = w.client.SubmitDisputeEvidence(w.ctx(), d.ID, afterpay.DisputeEvidence{})
	require.Error(t, err, "empty evidence is refused before any request")

	d, err = w.client.SubmitDisputeEvidence(w.ctx(), d.ID, afterpay.DisputeEvidence{
		ShippingCarrier: "UPS", ShippingTrackingNumber: "1Z999", UncategorizedText: "Delivered to the front desk.",
	})
	require.NoError(t, err)
	require.Equal(t, afterpay.DisputeUnderReview, d.Status)
	_, err = w.client.SubmitDisputeEvidence(w.ctx(), d.ID, afterpay.DisputeEvidence{UncategorizedText: "again"})
	var apiErr *afterpay.Error
	require.ErrorAs(t, err, &apiErr, "evidence is taken once")
	require.Equal(t, 412, apiErr.HTTPStatusCode)

	second, err := w.sim.OpenDispute(p.ID, "incorrect_amount")
	require.NoError(t, err)
	d, err = w.client.AcceptDispute(w.ctx(), second.ID)
	require.NoError(t, err)
	require.Equal(t, afterpay.DisputeLost, d.Status)
	require.False(t, d.Open)
	require.Equal(t, "merchant_accepted", d.ClosingReason)

	_, err = w.client.AcceptDispute(w.ctx(), "dp_nosuchdispute")
	require.True(t, afterpay.IsNotFound(err), "unknown dispute: %v", err)
	_, err = w.client.AcceptDispute(w.ctx(), "../payments")
	require.Error(t, err)
}
