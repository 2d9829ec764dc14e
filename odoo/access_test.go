package odoo_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
)

// The AccessError a real Odoo 18 answers check_access on payment.transaction
// for a portal user (seen on ../shared/odoo18).
const transactionAccessError = "You are not allowed to create 'Payment Transaction' (payment.transaction) records.\n\n" +
	"This operation is allowed for the following groups:\n\t- Administration/Settings\n\t- Invoicing/Invoicing\n\n" +
	"Contact your administrator to request access if necessary."

func TestHasAccessAndAccessGroups(t *testing.T) {
	s := newStubOdoo(t)
	s.on("payment.transaction", "has_access", func(_ *stubOdoo, c stubCall) (any, error) {
		require.Equal(t, []any{[]any{}, "create"}, c.Args, "self is the empty recordset: the model's rights")
		return false, nil
	})
	s.on("sale.order", "has_access", func(_ *stubOdoo, c stubCall) (any, error) { return true, nil })
	s.on("payment.transaction", "check_access", func(_ *stubOdoo, c stubCall) (any, error) {
		require.Equal(t, []any{[]any{}, "create"}, c.Args)
		return nil, &stubFault{Code: odoo.FaultCodeAccessError, String: transactionAccessError}
	})
	s.on("sale.order", "check_access", func(_ *stubOdoo, c stubCall) (any, error) { return nil, faultNone() })
	c, _ := newTestClient(t, s)
	ctx := context.Background()

	ok, err := c.HasAccess(ctx, "payment.transaction", odoo.AccessCreate)
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = c.HasAccess(ctx, "sale.order", odoo.AccessWrite)
	require.NoError(t, err)
	require.True(t, ok)

	groups, msg, err := c.AccessGroups(ctx, "payment.transaction", odoo.AccessCreate)
	require.NoError(t, err)
	require.Equal(t, []string{"Administration/Settings", "Invoicing/Invoicing"}, groups)
	require.Equal(t, transactionAccessError, msg)
	groups, msg, err = c.AccessGroups(ctx, "sale.order", odoo.AccessWrite)
	require.NoError(t, err, "allowed: check_access returns None, which Odoo cannot marshal")
	require.Empty(t, groups)
	require.Empty(t, msg)

	calls := len(s.calls)
	_, err = c.HasAccess(ctx, "sale.order", "delete")
	require.ErrorContains(t, err, `access operation "delete"`)
	_, _, err = c.AccessGroups(ctx, "sale.order", "")
	require.Error(t, err)
	require.Len(t, s.calls, calls, "refused before any call")
}

func TestRequiredAccessIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range odoo.RequiredAccess() {
		require.False(t, seen[m.Model], "%s listed twice", m.Model)
		seen[m.Model] = true
		require.NotEmpty(t, m.Operations, m.Model)
		for _, op := range m.Operations {
			require.Contains(t, []string{odoo.AccessRead, odoo.AccessWrite, odoo.AccessCreate, odoo.AccessUnlink}, op)
		}
	}
	for _, model := range []string{"sale.order", "payment.transaction", "account.move", "account.payment", "mail.activity"} {
		require.True(t, seen[model], model)
	}
}
