package odoo_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// What `starter doctor` asks Odoo: the user's model access rights
// (has_access and check_access on an empty recordset, new in Odoo 18), and
// provisioning checked without changing anything (after the provision
// scenario: complete and current, every rule posting to the suite's URL).

func init() {
	cscenarios = append(cscenarios, cscenario{"doctor", cDoctor})
}

func cDoctor(t *testing.T, b *cbackend) observation {
	ctx := context.Background()
	obs := observation{}
	rights := observation{}
	for _, m := range odoo.RequiredAccess() {
		for _, op := range m.Operations {
			ok, err := b.c.HasAccess(ctx, m.Model, op)
			require.NoError(t, err, "%s %s", m.Model, op)
			require.True(t, ok, "the administrator may %s %s", op, m.Model)
			rights[m.Model+" "+op] = ok
		}
	}
	obs["has_access"] = rights
	groups, msg, err := b.c.AccessGroups(ctx, "payment.transaction", odoo.AccessCreate)
	require.NoError(t, err)
	obs["check_access allowed"] = observation{"groups": len(groups), "message": msg}

	_, err = b.c.ExecuteKW(ctx, "sale.order", "has_access", []any{[]any{}, "delete"}, nil)
	obs["has_access delete"] = faultOf(err)
	_, err = b.c.ExecuteKW(ctx, "sale.order", "has_access", []any{"write"}, nil)
	obs["has_access without self"] = faultOf(err)
	_, err = b.c.ExecuteKW(ctx, "x_conformance.nope", "has_access", []any{[]any{}, "read"}, nil)
	obs["has_access unknown model"] = faultOf(err)

	opts := provision.Options{APIBaseURL: b.hooks.url, WebhookToken: conformanceToken}
	plan, err := provision.Check(ctx, b.cfg, opts)
	require.NoError(t, err)
	require.Empty(t, plan.Pending(), "provisioned by the provision scenario:\n%s", plan)
	obs["check"] = stepActions(plan)
	elsewhere := opts
	elsewhere.APIBaseURL = "https://bridge.example.com"
	plan, err = provision.Check(ctx, b.cfg, elsewhere)
	require.NoError(t, err)
	obs["check elsewhere"] = stepActions(plan)

	hooks, err := provision.CheckWebhooks(ctx, b.c, opts, "")
	require.NoError(t, err)
	states := observation{}
	for _, h := range hooks {
		states[h.Rule] = string(h.State)
		require.Equal(t, provision.WebhookCurrent, h.State, h.Rule)
	}
	obs["webhooks"] = states
	hooks, err = provision.CheckWebhooks(ctx, b.c, elsewhere, "")
	require.NoError(t, err)
	states = observation{}
	for _, h := range hooks {
		states[h.Rule] = string(h.State)
	}
	obs["webhooks elsewhere"] = states
	return obs
}
