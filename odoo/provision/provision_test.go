package provision_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
)

// seedDir is ../shared/reference/odoo-seed seen from this package.
func seedDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "reference", "odoo-seed")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Fatalf("the reference material must be at %s (../shared/reference from the repository root): %v", dir, err)
	}
	return dir
}

// loadSeed reads one model's export (exactly what `read` returned) with
// integers as int64, as the XML-RPC decoder yields them.
func loadSeed(t *testing.T, model string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(seedDir(t), model+".json"))
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var recs []map[string]any
	require.NoError(t, dec.Decode(&recs))
	for _, r := range recs {
		for k, v := range r {
			r[k] = fromJSON(v)
		}
	}
	return recs
}

func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = fromJSON(x[i])
		}
	case nil:
		return false
	}
	return v
}

// provisionOdoo is the stub seeded with the real server's starting state
// for the models provisioning touches, and base_automation's behaviour.
func provisionOdoo(t *testing.T) *stubOdoo {
	s := newStubOdoo(t)
	for _, model := range []string{"ir.model", "ir.model.fields", "ir.model.fields.selection", "ir.model.data",
		"payment.method", "payment.provider", "account.journal"} {
		for _, r := range loadSeed(t, model) {
			s.put(model, r["id"].(int64), r)
		}
	}
	var counters map[string]struct {
		Next int64 `json:"next_id_from_pg_sequence"`
	}
	data, err := os.ReadFile(filepath.Join(seedDir(t), "_id_counters.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &counters))
	for model, c := range counters {
		if c.Next > s.nextID[model] {
			s.nextID[model] = c.Next
		}
	}

	s.m2o("ir.model.fields", "model_id", "ir.model")
	s.m2o("base.automation", "model_id", "ir.model")
	s.m2o("base.automation", "trg_selection_field_id", "ir.model.fields.selection")
	s.m2o("ir.actions.server", "model_id", "ir.model")
	s.x2m("base.automation", "trigger_field_ids", "ir.model.fields")
	s.x2m("base.automation", "action_server_ids", "ir.actions.server")
	s.x2m("ir.actions.server", "webhook_field_ids", "ir.model.fields")
	s.x2m("payment.provider", "payment_method_ids", "payment.method")
	s.defaults["base.automation"] = map[string]any{"active": true, "filter_domain": false}
	s.defaults["account.journal"] = map[string]any{"active": true}

	s.on("ir.model.fields", "create", func(st *stubOdoo, c stubCall) (any, error) {
		vals := c.Args[0].(map[string]any)
		if !strings.HasPrefix(str(vals["name"]), "x_") {
			return nil, &stubFault{Code: 2, String: "Custom fields must have a name that starts with 'x_'!"}
		}
		return st.create("ir.model.fields", vals)
	})
	// base_automation: the nested server action's name is overwritten, and
	// filter_domain follows trg_selection_field_id unless written with it.
	s.afterW["ir.actions.server"] = func(id int64) {
		s.rec("ir.actions.server", id)["name"] = "Send Webhook Notification"
	}
	automation := func(st *stubOdoo, c stubCall, vals map[string]any, ids []int64) {
		if _, ok := vals["trg_selection_field_id"]; !ok || vals["filter_domain"] != nil {
			return
		}
		for _, id := range ids {
			rec := st.rec("base.automation", id)
			sel := st.rec("ir.model.fields.selection", rec["trg_selection_field_id"].([]any)[0].(int64))
			rec["filter_domain"] = fmt.Sprintf("[('state', '=', '%s')]", sel["value"])
		}
	}
	s.on("base.automation", "create", func(st *stubOdoo, c stubCall) (any, error) {
		vals := c.Args[0].(map[string]any)
		id, err := st.create("base.automation", vals)
		if err == nil {
			automation(st, c, vals, []int64{id})
		}
		return id, err
	})
	s.on("base.automation", "write", func(st *stubOdoo, c stubCall) (any, error) {
		ids, vals := toIDs(c.Args[0]), c.Args[1].(map[string]any)
		if err := st.write("base.automation", ids, vals); err != nil {
			return nil, err
		}
		automation(st, c, vals, ids)
		return true, nil
	})
	return s
}

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The token has characters that need escaping in a query.
const token = "tok/en+s3cret"

func newClient(t *testing.T, s *stubOdoo) *odoo.Client {
	t.Helper()
	s.secrets["admin-pw"] = true
	c, err := odoo.NewClient(odoo.Config{URL: s.srv.URL, Database: s.db, Username: s.login, Password: "admin-pw", Timeout: 5 * time.Second})
	require.NoError(t, err)
	return c
}

func options(logs *logBuffer) provision.Options {
	return provision.Options{
		APIBaseURL:   "http://127.0.0.1:8080/",
		WebhookToken: token,
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
	}
}

// writes counts the create and write calls, the only ones that change Odoo.
func writes(s *stubOdoo) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Func == "create" || c.Func == "write" || c.Func == "unlink" {
			n++
		}
	}
	return n
}

func find(t *testing.T, s *stubOdoo, model string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []map[string]any
	for _, id := range slices.Sorted(maps.Keys(s.records[model])) {
		if r := s.records[model][id]; match(r) {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "records of %s", model)
	return found[0]
}

func byName(name string) func(map[string]any) bool {
	return func(r map[string]any) bool { return r["name"] == name }
}

func actions(r *provision.Report) map[string]provision.Action {
	out := map[string]provision.Action{}
	for _, s := range r.Steps {
		out[s.What] = s.Action
	}
	return out
}

func TestRunProvisionsAFreshOdoo(t *testing.T) {
	s := provisionOdoo(t)
	c := newClient(t, s)
	logs := &logBuffer{}
	ctx := context.Background()

	report, err := provision.Run(ctx, c, options(logs))
	require.NoError(t, err)
	require.Equal(t, map[string]provision.Action{
		"Afterpay payment method":                        provision.Updated,
		"Afterpay payment provider":                      provision.Created,
		"bank journal Afterpay (AFTP)":                   provision.Created,
		"custom field sale.order.x_afterpay_order_id":    provision.Created,
		"custom field sale.order.x_afterpay_instalments": provision.Created,
		"custom field account.move.x_afterpay_order_id":  provision.Created,
		`automation rule "Afterpay: order confirmed"`:    provision.Created,
		`automation rule "Afterpay: credit note posted"`: provision.Created,
	}, actions(report))

	// Odoo's own afterpay method (id 4 in the seed) is activated and linked.
	require.Equal(t, true, s.rec("payment.method", 4)["active"])
	provider := find(t, s, "payment.provider", byName("Afterpay"))
	require.Equal(t, "custom", provider["code"])
	require.Equal(t, "disabled", provider["state"])
	require.Equal(t, []any{int64(4)}, provider["payment_method_ids"])

	journal := find(t, s, "account.journal", func(r map[string]any) bool { return r["code"] == "AFTP" })
	require.Equal(t, "bank", journal["type"])
	require.Equal(t, "Afterpay", journal["name"])

	field := find(t, s, "ir.model.fields", func(r map[string]any) bool {
		return r["model"] == "sale.order" && r["name"] == "x_afterpay_order_id"
	})
	require.Equal(t, "manual", field["state"])
	require.Equal(t, "char", field["ttype"])
	require.Equal(t, []any{int64(516), "Sales Order"}, field["model_id"])
	instalments := find(t, s, "ir.model.fields", byName("x_afterpay_instalments"))
	require.Equal(t, "text", instalments["ttype"])

	// The rules as in transcripts 106/207, with the seed's real ids.
	order := find(t, s, "base.automation", byName("Afterpay: order confirmed"))
	require.Equal(t, []any{int64(516), "Sales Order"}, order["model_id"])
	require.Equal(t, "on_state_set", order["trigger"])
	require.Equal(t, []any{int64(6108)}, order["trigger_field_ids"])
	require.Equal(t, int64(1643), order["trg_selection_field_id"].([]any)[0])
	require.Equal(t, "[('state', '=', 'sale')]", order["filter_domain"])
	require.Equal(t, int64(1), order["id"])
	orderAction := s.rec("ir.actions.server", toIDs(order["action_server_ids"])[0])
	require.Equal(t, int64(396), orderAction["id"])
	require.Equal(t, "webhook", orderAction["state"])
	require.Equal(t, "http://127.0.0.1:8080/odoo/webhook/order-confirmed?token=tok%2Fen%2Bs3cret", orderAction["webhook_url"])
	require.ElementsMatch(t, []any{int64(6105), int64(6108), int64(6138), int64(6131), int64(6107), int64(6111)}, orderAction["webhook_field_ids"])

	credit := find(t, s, "base.automation", byName("Afterpay: credit note posted"))
	require.Equal(t, []any{int64(455), "Journal Entry"}, credit["model_id"])
	require.Equal(t, []any{int64(4449)}, credit["trigger_field_ids"])
	require.Equal(t, int64(1255), credit["trg_selection_field_id"].([]any)[0])
	require.Equal(t, "[('state', '=', 'posted'), ('move_type', '=', 'out_refund')]", credit["filter_domain"])
	creditAction := s.rec("ir.actions.server", toIDs(credit["action_server_ids"])[0])
	require.Equal(t, "http://127.0.0.1:8080/odoo/webhook/credit-note-posted?token=tok%2Fen%2Bs3cret", creditAction["webhook_url"])
	require.ElementsMatch(t, []any{int64(4446), int64(4449), int64(4450), int64(4511), int64(4523), int64(4538), int64(4447)}, creditAction["webhook_field_ids"])

	text := report.String()
	t.Log("\n" + text)
	require.True(t, strings.HasPrefix(text, "Odoo provisioning: 7 created, 1 updated, 0 unchanged\n"), text)
	require.Contains(t, text, "token=***")
	require.NotContains(t, text, "s3cret")
	require.NotContains(t, logs.String(), "s3cret")
	require.True(t, report.Changed())
}

func TestRunTwiceChangesNothing(t *testing.T) {
	s := provisionOdoo(t)
	c := newClient(t, s)
	ctx := context.Background()
	_, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	before := writes(s)

	report, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.False(t, report.Changed(), report.String())
	require.Equal(t, 8, report.Count(provision.Unchanged))
	require.Equal(t, before, writes(s), "a second run writes nothing")
	require.Equal(t, 2, s.count("base.automation"))
	require.Equal(t, 2, s.count("ir.actions.server"))
}

func TestRunUpdatesTheWebhookURL(t *testing.T) {
	s := provisionOdoo(t)
	c := newClient(t, s)
	ctx := context.Background()
	_, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)

	opts := options(&logBuffer{})
	opts.APIBaseURL = "https://bridge.example.com"
	report, err := provision.Run(ctx, c, opts)
	require.NoError(t, err)
	require.Equal(t, 2, report.Count(provision.Updated), report.String())
	for _, step := range report.Steps {
		if step.Model == "base.automation" {
			require.Equal(t, provision.Updated, step.Action)
			require.Contains(t, step.Detail, "webhook URL changed from http://127.0.0.1:8080/odoo/webhook/")
			require.Contains(t, step.Detail, "to https://bridge.example.com/odoo/webhook/")
			require.NotContains(t, step.Detail, "s3cret")
		}
	}
	order := find(t, s, "base.automation", byName("Afterpay: order confirmed"))
	action := s.rec("ir.actions.server", toIDs(order["action_server_ids"])[0])
	require.Equal(t, "https://bridge.example.com/odoo/webhook/order-confirmed?token=tok%2Fen%2Bs3cret", action["webhook_url"])
	require.Equal(t, 2, s.count("base.automation"))
	require.Equal(t, 2, s.count("ir.actions.server"))
}

func TestRunRepairsDrift(t *testing.T) {
	s := provisionOdoo(t)
	c := newClient(t, s)
	ctx := context.Background()
	_, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)

	// An admin archived the credit-note rule, widened its filter, dropped a
	// webhook field, archived the method and unlinked it from the provider.
	credit := find(t, s, "base.automation", byName("Afterpay: credit note posted"))
	credit["active"] = false
	credit["filter_domain"] = "[('state', '=', 'posted')]"
	action := s.rec("ir.actions.server", toIDs(credit["action_server_ids"])[0])
	action["webhook_field_ids"] = action["webhook_field_ids"].([]any)[1:]
	s.rec("payment.method", 4)["active"] = false
	find(t, s, "payment.provider", byName("Afterpay"))["payment_method_ids"] = []any{}

	report, err := provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	got := actions(report)
	require.Equal(t, provision.Updated, got[`automation rule "Afterpay: credit note posted"`])
	require.Equal(t, provision.Unchanged, got[`automation rule "Afterpay: order confirmed"`])
	require.Equal(t, provision.Updated, got["Afterpay payment provider"])
	require.Equal(t, provision.Updated, got["Afterpay payment method"])
	require.Equal(t, true, credit["active"])
	require.Equal(t, "[('state', '=', 'posted'), ('move_type', '=', 'out_refund')]", credit["filter_domain"])
	require.Len(t, action["webhook_field_ids"], 7)
	require.Equal(t, []any{int64(4)}, find(t, s, "payment.provider", byName("Afterpay"))["payment_method_ids"])

	// A rule that lost its webhook action gets a new one.
	order := find(t, s, "base.automation", byName("Afterpay: order confirmed"))
	order["action_server_ids"] = []any{}
	report, err = provision.Run(ctx, c, options(&logBuffer{}))
	require.NoError(t, err)
	require.Equal(t, provision.Updated, actions(report)[`automation rule "Afterpay: order confirmed"`])
	require.Len(t, order["action_server_ids"], 1)
}

func TestRunRefusesConflicts(t *testing.T) {
	t.Run("journal code taken by a sales journal", func(t *testing.T) {
		s := provisionOdoo(t)
		s.put("account.journal", 99, map[string]any{"name": "Afterpay sales", "code": "AFTP", "type": "sale", "active": true})
		report, err := provision.Run(context.Background(), newClient(t, s), options(&logBuffer{}))
		require.ErrorIs(t, err, odoo.ErrInvalidState)
		require.Len(t, report.Steps, 2, "the steps before the conflict are reported")
	})
	t.Run("custom field with another type", func(t *testing.T) {
		s := provisionOdoo(t)
		s.put("ir.model.fields", 99999, map[string]any{"model": "sale.order", "name": "x_afterpay_order_id", "ttype": "integer",
			"field_description": "Afterpay Order ID", "model_id": []any{int64(516), "Sales Order"}})
		_, err := provision.Run(context.Background(), newClient(t, s), options(&logBuffer{}))
		require.ErrorIs(t, err, odoo.ErrInvalidState)
	})
}

func TestRunUnarchivesTheJournal(t *testing.T) {
	s := provisionOdoo(t)
	s.put("account.journal", 99, map[string]any{"name": "Afterpay", "code": "AFTP", "type": "bank", "active": false})
	report, err := provision.Run(context.Background(), newClient(t, s), options(&logBuffer{}))
	require.NoError(t, err)
	require.Equal(t, provision.Updated, actions(report)["bank journal Afterpay (AFTP)"])
	require.Equal(t, true, s.rec("account.journal", 99)["active"])
}

func TestRunValidatesOptions(t *testing.T) {
	s := provisionOdoo(t)
	c := newClient(t, s)
	for _, opts := range []provision.Options{
		{APIBaseURL: "http://127.0.0.1:8080"},
		{APIBaseURL: "127.0.0.1:8080", WebhookToken: token},
		{APIBaseURL: "http://127.0.0.1:8080/?x=1", WebhookToken: token},
		{WebhookToken: token},
	} {
		_, err := provision.Run(context.Background(), c, opts)
		require.Error(t, err, "%+v", opts)
	}
	require.Empty(t, s.calls, "nothing is called with bad options")
}
