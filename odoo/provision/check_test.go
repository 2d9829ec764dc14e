package provision_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

func (f *fakeOdoo) config() odoo.Config {
	return odoo.Config{URL: f.url, Database: f.Database(), Username: "admin", Password: "admin", Timeout: 5 * time.Second}
}

// unchanged asserts that nothing that could change Odoo reached it since
// before, and that its state is still the same.
func (f *fakeOdoo) unchanged(t *testing.T, writesBefore int, before []byte) {
	t.Helper()
	_, writes := f.objectCalls()
	require.Equal(t, writesBefore, writes, "no create, write or unlink reached Odoo")
	after, err := f.Snapshot()
	require.NoError(t, err)
	require.JSONEq(t, string(before), string(after), "Odoo's state is the same")
}

func (f *fakeOdoo) state(t *testing.T) (int, []byte) {
	t.Helper()
	_, writes := f.objectCalls()
	snap, err := f.Snapshot()
	require.NoError(t, err)
	return writes, snap
}

// On a fresh Odoo, Check reports every step Run then takes, as Run reports
// it, and changes nothing; after Run, nothing is pending.
func TestCheckReportsWhatRunWouldDo(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	ctx := context.Background()
	writes, snap := f.state(t)

	plan, err := provision.Check(ctx, f.config(), options(&logBuffer{}))
	require.NoError(t, err)
	f.unchanged(t, writes, snap)
	require.Equal(t, 17, plan.Count(provision.Created), plan.String())
	require.Len(t, plan.Pending(), 17)
	for _, s := range plan.Pending() {
		require.Zero(t, s.ID, "%s: nothing was created", s.What)
	}
	require.NotContains(t, plan.String(), "s3cret")

	var logs logBuffer
	done, err := provision.Run(ctx, f.client(t), options(&logs))
	require.NoError(t, err)
	require.Equal(t, actions(done), actions(plan), "Check foresaw each of Run's steps")

	writes, snap = f.state(t)
	plan, err = provision.Check(ctx, f.config(), options(&logBuffer{}))
	require.NoError(t, err)
	require.Empty(t, plan.Pending(), plan.String())
	require.False(t, plan.Changed())
	require.Equal(t, 18, plan.Count(provision.Unchanged))
	f.unchanged(t, writes, snap)
}

// Drift an admin made, or another API URL, shows as pending updates with
// Run's own words, and stays in Odoo until Run repairs it.
func TestCheckReportsDrift(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	_, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	instalments := f.one(t, "ir.model.fields", []any{"name", "=", "x_afterpay_instalments"})["id"].(int64)
	require.NoError(t, c.Write(ctx, "ir.model.fields", []int64{instalments}, map[string]any{"field_description": "Plan"}, nil))
	credit, _ := f.webhookAction(t, provision.CreditNotePostedRule)
	require.NoError(t, c.Write(ctx, "base.automation", []int64{credit["id"].(int64)}, map[string]any{"active": false}, nil))
	writes, snap := f.state(t)

	opts := options(&logBuffer{})
	opts.APIBaseURL = "https://bridge.example.com"
	plan, err := provision.Check(ctx, f.config(), opts)
	require.NoError(t, err)
	f.unchanged(t, writes, snap)
	pending := map[string]string{}
	for _, s := range plan.Pending() {
		require.Equal(t, provision.Updated, s.Action)
		pending[s.What] = s.Detail
	}
	require.Len(t, pending, 5, plan.String())
	require.Equal(t, `label "Plan" -> "Afterpay Instalments"`, pending["custom field sale.order.x_afterpay_instalments"])
	order := pending[`automation rule "Afterpay: order confirmed"`]
	require.Equal(t, "webhook URL changed from http://127.0.0.1:8080/odoo/webhook/order-confirmed?token=*** "+
		"to https://bridge.example.com/odoo/webhook/order-confirmed?token=***", order)
	require.Contains(t, pending[`automation rule "Afterpay: credit note posted"`], "re-activated")
	require.NotContains(t, plan.String(), "s3cret")
	require.Equal(t, "Plan", f.record(t, "ir.model.fields", instalments)["field_description"], "still drifted")

	_, err = provision.Run(ctx, c, opts)
	require.NoError(t, err)
	plan, err = provision.Check(ctx, f.config(), opts)
	require.NoError(t, err)
	require.Empty(t, plan.Pending(), plan.String())
}

// What Run refuses to repair, Check reports as Run does.
func TestCheckReportsConflicts(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	_, err := c.Create(ctx, "account.journal", map[string]any{"name": "Afterpay sales", "code": "AFTP", "type": "sale"}, nil)
	require.NoError(t, err)
	_, err = provision.Check(ctx, f.config(), options(&logBuffer{}))
	require.ErrorIs(t, err, odoo.ErrInvalidState)
	require.ErrorContains(t, err, "not a bank journal")
}

// Check reaches Odoo through the caller's HTTP client, credentials and
// all: a wrong password is Odoo's answer, not the check's.
func TestCheckNeedsTheCredentials(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	cfg := f.config()
	cfg.Password = "wrong"
	_, err := provision.Check(context.Background(), cfg, options(&logBuffer{}))
	require.ErrorIs(t, err, odoo.ErrBadCredentials)
}

func TestCheckWebhooks(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	const previous = "previous-token-0123456789"
	states := func(opts provision.Options, previous string) map[string]provision.WebhookState {
		t.Helper()
		writes, snap := f.state(t)
		hooks, err := provision.CheckWebhooks(ctx, c, opts, previous)
		require.NoError(t, err)
		f.unchanged(t, writes, snap)
		out := map[string]provision.WebhookState{}
		for _, h := range hooks {
			out[h.Rule] = h.State
			require.NotContains(t, h.URL+h.Want, "s3cret")
			if previous != "" {
				require.NotContains(t, h.URL+h.Want, previous)
			}
		}
		require.Len(t, out, 5)
		return out
	}
	all := func(state provision.WebhookState) map[string]provision.WebhookState {
		return map[string]provision.WebhookState{
			provision.OrderConfirmedRule: state, provision.CreditNotePostedRule: state,
			provision.DeliveryDoneRule:   provision.WebhookNotApplicable, // the seed has no stock module
			provision.OrderCancelledRule: state, provision.InvoicePostedRule: state,
		}
	}
	opts := options(&logBuffer{})

	require.Equal(t, all(provision.WebhookMissing), states(opts, ""), "not provisioned")

	old := opts
	old.WebhookToken = previous
	_, err := provision.Run(ctx, c, old)
	require.NoError(t, err)
	require.Equal(t, all(provision.WebhookPreviousToken), states(opts, previous), "a rotation under way")
	require.Equal(t, all(provision.WebhookOtherToken), states(opts, ""), "a token the API refuses")

	_, err = provision.Run(ctx, c, opts)
	require.NoError(t, err)
	require.Equal(t, all(provision.WebhookCurrent), states(opts, previous))
	hooks, err := provision.CheckWebhooks(ctx, c, opts, "")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:8080/odoo/webhook/order-confirmed?token=***", hooks[0].URL)
	require.Equal(t, hooks[0].Want, hooks[0].URL)
	require.NotZero(t, hooks[0].ID)

	elsewhere := opts
	elsewhere.APIBaseURL = "https://bridge.example.com"
	require.Equal(t, all(provision.WebhookOtherURL), states(elsewhere, ""))

	credit, _ := f.webhookAction(t, provision.CreditNotePostedRule)
	require.NoError(t, c.Write(ctx, "base.automation", []int64{credit["id"].(int64)}, map[string]any{"active": false}, nil))
	_, orderAction := f.webhookAction(t, provision.OrderConfirmedRule)
	_, err = c.ExecuteKW(ctx, "ir.actions.server", "unlink", []any{[]any{orderAction["id"]}}, nil)
	require.NoError(t, err)
	want := all(provision.WebhookCurrent)
	want[provision.CreditNotePostedRule] = provision.WebhookArchived
	want[provision.OrderConfirmedRule] = provision.WebhookMissing
	require.Equal(t, want, states(opts, ""))

	_, err = provision.CheckWebhooks(ctx, c, provision.Options{APIBaseURL: "ftp://x"}, "")
	require.Error(t, err)
}

// A webhook URL that differs only by its token never shows the token.
func TestCheckWebhooksMasksTokens(t *testing.T) {
	t.Parallel()
	f := startFakeOdoo(t)
	c := f.client(t)
	ctx := context.Background()
	other := options(&logBuffer{})
	other.WebhookToken = "other-s3cret-token"
	_, err := provision.Run(ctx, c, other)
	require.NoError(t, err)
	hooks, err := provision.CheckWebhooks(ctx, c, options(&logBuffer{}), "")
	require.NoError(t, err)
	for _, h := range hooks {
		if h.State == provision.WebhookNotApplicable {
			continue
		}
		require.Equal(t, provision.WebhookOtherToken, h.State)
		require.True(t, strings.HasSuffix(h.URL, "?token=***"), h.URL)
	}
}
