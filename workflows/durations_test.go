package workflows

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPaymentInputWritesDurationsAsDurationsAndReadsBothWays(t *testing.T) {
	in := PaymentInput{Database: "odoo", OrderName: "S00042", ReturnURL: "http://x/afterpay/return", ConfirmationTimeout: 5 * time.Minute}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	require.JSONEq(t, `{"database":"odoo","orderName":"S00042","returnUrl":"http://x/afterpay/return","confirmationTimeout":"5m0s"}`, string(b))
	var back PaymentInput
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, in, back)

	// Histories recorded before carry nanoseconds.
	var old PaymentInput
	require.NoError(t, json.Unmarshal([]byte(`{"database":"odoo","orderName":"S1","returnUrl":"u","confirmationTimeout":300000000000,"recordWindow":420000000000}`), &old))
	require.Equal(t, 5*time.Minute, old.ConfirmationTimeout)
	require.Equal(t, 7*time.Minute, old.RecordWindow)
	require.Error(t, json.Unmarshal([]byte(`{"confirmationTimeout":"soon"}`), &old))
}
