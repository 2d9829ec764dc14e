package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/afterpay/sandbox"
	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/internal/testkit"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
	"github.com/odoo-afterpay/bridge/worker"
	"github.com/odoo-afterpay/bridge/workflows"
)

// The doctor runs against the product's dependencies started in process, as
// `make dev` runs them: a real Temporal dev server with the product's
// worker polling, the fake Odoo provisioned by setup-odoo, the Afterpay
// simulator and the API's handler. Each case breaks one of them.

// Secrets of the doctor's stack; none may appear in its report.
const (
	doctorOdooPassword   = "odoo-doctor-password-0123"
	doctorAfterpaySecret = "afterpay-doctor-secret-0123"
	doctorPreviousToken  = "previous-webhook-token-0123456789"
	doctorStorefrontKey  = "storefront-key-0123456789abcdef"
	doctorWebhookSecret  = "afterpay-webhook-secret-0123"
	doctorTaskQueue      = "doctor-payments"
	doctorBareNamespace  = "doctor-bare"
	doctorMerchantID     = "100101"
	doctorOdooDatabase   = "doctor"
	doctorModelDataError = "You are not allowed to access 'Model Data' (ir.model.data) records.\n\n" +
		"This operation is allowed for the following groups:\n\t- Administration/Access Rights\n\n" +
		"Contact your administrator to request access if necessary."
	doctorAccessErrorText = "You are not allowed to create 'Payment Transaction' (payment.transaction) records.\n\n" +
		"This operation is allowed for the following groups:\n\t- Administration/Settings\n\t- Invoicing/Invoicing\n\n" +
		"Contact your administrator to request access if necessary."
)

var doctorSecrets = []string{doctorOdooPassword, doctorAfterpaySecret, webhookToken, doctorPreviousToken,
	doctorStorefrontKey, doctorWebhookSecret, testkit.PayloadKeys}

// doctorTemporal is the real Temporal dev server every case shares, with
// the product's search attributes in the default namespace, none in
// doctorBareNamespace, and the product's worker polling doctorTaskQueue in
// both.
type doctorTemporal struct {
	dev  *testsuite.DevServer
	addr string
}

func startDoctorTemporal(t *testing.T) *doctorTemporal {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	attrs := make([]temporal.SearchAttributeUpdate, 0, 4)
	for _, key := range workflows.SearchAttributes() {
		attrs = append(attrs, key.(temporal.SearchAttributeKeyKeyword).ValueSet(""))
	}
	addr := closedAddr(t)
	quiet := logging.TemporalLogger(slog.New(slog.DiscardHandler))
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     testkit.TemporalCLI(t),
		ClientOptions:    &client.Options{HostPort: addr, Logger: quiet},
		SearchAttributes: temporal.NewSearchAttributes(attrs...),
		LogLevel:         "error",
		ExtraArgs: []string{"--namespace", doctorBareNamespace,
			"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true"},
	})
	require.NoError(t, err, "start the real Temporal dev server")
	t.Cleanup(func() { _ = dev.Stop() })

	// The bare namespace has none of the product's search attributes.
	bare, err := client.Dial(client.Options{HostPort: addr, Namespace: doctorBareNamespace, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(bare.Close)
	list, err := bare.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: doctorBareNamespace})
	require.NoError(t, err)
	var present []string
	for _, key := range workflows.SearchAttributes() {
		if _, ok := list.GetCustomAttributes()[key.GetName()]; ok {
			present = append(present, key.GetName())
		}
	}
	if len(present) > 0 {
		_, err := bare.OperatorService().RemoveSearchAttributes(ctx, &operatorservice.RemoveSearchAttributesRequest{
			Namespace: doctorBareNamespace, SearchAttributes: present})
		require.NoError(t, err)
	}

	for _, c := range []client.Client{dev.Client(), bare} {
		w := worker.New(c, doctorTaskQueue, &activities.Activities{}, worker.Options{})
		require.NoError(t, w.Start())
		t.Cleanup(w.Stop)
		for _, q := range []struct {
			queue string
			kind  enumspb.TaskQueueType
		}{
			{doctorTaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW}, {doctorTaskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY},
			{workflows.AfterpayTaskQueue(doctorTaskQueue), enumspb.TASK_QUEUE_TYPE_ACTIVITY},
			{workflows.OdooTaskQueue(doctorTaskQueue), enumspb.TASK_QUEUE_TYPE_ACTIVITY},
		} {
			require.Eventually(t, func() bool {
				resp, err := c.DescribeTaskQueue(ctx, q.queue, q.kind)
				return err == nil && len(resp.GetPollers()) > 0
			}, 30*time.Second, 100*time.Millisecond, "the worker polls %s (%s)", q.queue, q.kind)
		}
	}
	return &doctorTemporal{dev: dev, addr: addr}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// doctorStack is one healthy set of the product's dependencies.
type doctorStack struct {
	odoo   *fakeodoo.Server
	sim    *sandbox.Server
	api    *httptest.Server
	env    map[string]string
	client *odoo.Client
}

type stackOptions struct {
	// odooWrap stands between the product and the fake Odoo.
	odooWrap func(http.Handler) http.Handler
	// publicURL, when set, is API_PUBLIC_URL instead of the API's own.
	publicURL string
	// provision runs setup-odoo with these changes to the stack's options;
	// skip leaves Odoo unprovisioned.
	provision func(*provision.Options)
	skip      bool
}

func newDoctorStack(t *testing.T, tmp *doctorTemporal, o stackOptions) *doctorStack {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	fake, err := fakeodoo.NewDemo(fakeodoo.Options{Database: doctorOdooDatabase,
		Users: []fakeodoo.User{{Login: "admin", Password: doctorOdooPassword, UID: 2}}, Logger: logger})
	require.NoError(t, err)
	var odooHandler http.Handler = fake
	if o.odooWrap != nil {
		odooHandler = o.odooWrap(fake)
	}
	odooSrv := httptest.NewServer(odooHandler)
	t.Cleanup(odooSrv.Close)
	// setup-odoo runs as an administrator would, past the wrapper.
	adminSrv := httptest.NewServer(fake)
	t.Cleanup(adminSrv.Close)

	sim, err := sandbox.New(sandbox.Options{MerchantID: doctorMerchantID, SecretKey: doctorAfterpaySecret, Currency: "USD",
		MinimumAmount: money.MustNew(100, "USD"), MaximumAmount: money.MustNew(200000, "USD"), Logger: logger})
	require.NoError(t, err)
	simSrv := httptest.NewServer(sim)
	t.Cleanup(simSrv.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	apiURL := "http://" + ln.Addr().String()
	apiSrv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: api.NewHandler(tmp.dev.Client(), api.Options{
		Database: doctorOdooDatabase, TaskQueue: doctorTaskQueue, PublicURL: apiURL, WebhookToken: webhookToken, Logger: logger,
	})}}
	apiSrv.Start()
	t.Cleanup(apiSrv.Close)

	publicURL := apiURL
	if o.publicURL != "" {
		publicURL = o.publicURL
	}
	od, err := odoo.NewClient(odoo.Config{URL: adminSrv.URL, Database: doctorOdooDatabase, Username: "admin",
		Password: doctorOdooPassword, Timeout: 10 * time.Second})
	require.NoError(t, err)
	if !o.skip {
		opts := provision.Options{APIBaseURL: publicURL, WebhookToken: webhookToken}
		if o.provision != nil {
			o.provision(&opts)
		}
		_, err := provision.Run(context.Background(), od, opts)
		require.NoError(t, err)
	}
	return &doctorStack{odoo: fake, sim: sim, api: apiSrv, client: od, env: map[string]string{
		"ODOO_URL": odooSrv.URL, "ODOO_DB": doctorOdooDatabase, "ODOO_USERNAME": "admin", "ODOO_PASSWORD": doctorOdooPassword,
		"AFTERPAY_MERCHANT_ID": doctorMerchantID, "AFTERPAY_SECRET_KEY": doctorAfterpaySecret, "AFTERPAY_BASE_URL": simSrv.URL,
		"TEMPORAL_ADDRESS": tmp.addr, "TEMPORAL_NAMESPACE": "default", "TEMPORAL_TASK_QUEUE": doctorTaskQueue,
		"API_PUBLIC_URL": publicURL, "ODOO_WEBHOOK_TOKEN": webhookToken, "AFTERPAY_WEBHOOK_SECRET": doctorWebhookSecret,
		"STOREFRONT_API_KEYS": doctorStorefrontKey,
	}}
}

// doctor runs `starter doctor -json` with the stack's settings.
func (s *doctorStack) doctor(t *testing.T) (doctorReport, string, error) {
	t.Helper()
	out, err := s.run(t, "-json")
	var report doctorReport
	require.NoError(t, json.Unmarshal([]byte(out), &report), out)
	return report, out, err
}

// run runs `starter doctor` with args and the stack's settings.
func (s *doctorStack) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	setEnv(t, "", "", "")
	for _, k := range []string{"ENV_FILE", "TEMPORAL_API_KEY", "TEMPORAL_TLS", "TEMPORAL_PROFILE", "TEMPORAL_CONFIG_FILE"} {
		t.Setenv(k, "")
	}
	for k, v := range s.env {
		t.Setenv(k, v)
	}
	out, err := runStarter(append([]string{"doctor", "-timeout", "5s"}, args...)...)
	for _, secret := range doctorSecrets {
		require.NotContains(t, out, secret, "no secret in the report")
	}
	return out, err
}

func key(r checkResult) string { return r.Part + " " + r.Check }

// requireReport asserts every check is OK but those in want, which have
// the status given and, when FAIL or WARN, a fix; the doctor exits non-zero
// exactly when one failed.
func requireReport(t *testing.T, report doctorReport, err error, want map[string]checkStatus) {
	t.Helper()
	seen := map[string]bool{}
	failed := 0
	for _, r := range report.Checks {
		k := key(r)
		seen[k] = true
		status, listed := want[k]
		if !listed {
			status = statusOK
		}
		require.Equal(t, status, r.Status, "%s: %s (fix: %s; %v)", k, r.Detail, r.Fix, r.Items)
		require.NotEmpty(t, r.Detail, k)
		if r.Status == statusFail || r.Status == statusWarn {
			require.NotEmpty(t, r.Fix, "%s says how to fix it", k)
		}
		if r.Status == statusFail {
			failed++
		}
	}
	for k := range want {
		require.True(t, seen[k], "the report has %s", k)
	}
	require.Equal(t, failed == 0, report.OK)
	require.Equal(t, failed, report.Summary.Failed)
	if failed == 0 {
		require.NoError(t, err)
		return
	}
	var unhealthy doctorFailedError
	require.True(t, errors.As(err, &unhealthy), "a failed check makes the doctor fail (exit status 1): %v", err)
	require.Equal(t, failed, unhealthy.failed)
}

func check(t *testing.T, report doctorReport, k string) checkResult {
	t.Helper()
	for _, r := range report.Checks {
		if key(r) == k {
			return r
		}
	}
	t.Fatalf("no check %s in %v", k, report.Checks)
	return checkResult{}
}

// The checks a healthy stack passes, in the order the doctor prints them.
var doctorChecks = []string{
	"Configuration settings",
	"Afterpay reachable", "Afterpay credentials", "Afterpay configuration",
	"Odoo version", "Odoo login", "Odoo access rights", "Odoo provisioning", "Odoo webhooks",
	"Temporal server", "Temporal namespace", "Temporal search attributes", "Temporal workers",
	"API reachable",
}

func TestDoctor(t *testing.T) {
	tmp := startDoctorTemporal(t)

	t.Run("healthy", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		report, _, err := s.doctor(t)
		requireReport(t, report, err, nil)
		var keys []string
		for _, r := range report.Checks {
			keys = append(keys, key(r))
		}
		require.Equal(t, doctorChecks, keys)
		require.Equal(t, doctorSummary{Checks: 14, OK: 14}, report.Summary)
		require.Equal(t, "orders from 1.00 USD to 2000.00 USD", check(t, report, "Afterpay configuration").Detail)
		require.Equal(t, "merchant 100101 accepted", check(t, report, "Afterpay credentials").Detail)
		require.Contains(t, check(t, report, "Odoo version").Detail, "Odoo 18.0 at ")
		require.Contains(t, check(t, report, "Odoo access rights").Detail, `user "admin" has the 29 rights the product needs on 21 models`)
		require.Equal(t, "complete and current: 19 records as `starter setup-odoo` makes them", check(t, report, "Odoo provisioning").Detail)
		require.Equal(t, "5 automation rules post to "+s.env["API_PUBLIC_URL"]+"/odoo/webhook/… with ODOO_WEBHOOK_TOKEN",
			check(t, report, "Odoo webhooks").Detail)
		require.Contains(t, check(t, report, "Temporal search attributes").Detail, "PaymentStatus")
		require.Contains(t, check(t, report, "Temporal workers").Detail, `1 polling task queue "doctor-payments" and its Afterpay and Odoo activity queues`)
		require.Contains(t, check(t, report, "API reachable").Detail, s.env["API_PUBLIC_URL"]+"/healthz answers")
	})

	// What people read: aligned columns, the fix under the problem, a
	// summary; the same exit status.
	t.Run("human output", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		out, err := s.run(t)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.Len(t, lines, 16, out) // 14 checks, a blank line, the summary
		require.Equal(t, "All 14 checks OK: the product has everything it depends on.", lines[15])
		column := regexp.MustCompile(`^(OK\s+)(\S+\s+)(\S+( \S+)?\s+)\S`)
		first := column.FindStringSubmatch(lines[0])
		require.NotNil(t, first, lines[0])
		for _, line := range lines[:14] {
			m := column.FindStringSubmatch(line)
			require.NotNil(t, m, line)
			require.Len(t, m[1], len(first[1]), "aligned: %q", line)
			require.Len(t, m[2], len(first[2]), "aligned: %q", line)
			require.Len(t, m[3], len(first[3]), "aligned: %q", line)
		}
		require.Regexp(t, `(?m)^OK\s+Afterpay\s+configuration\s+orders from 1\.00 USD to 2000\.00 USD$`, out)

		s.env["AFTERPAY_SECRET_KEY"] = "wrong-afterpay-secret"
		out, err = s.run(t)
		require.Error(t, err)
		require.Regexp(t, `(?m)^FAIL\s+Afterpay\s+credentials\s+Afterpay refused merchant 100101: .*401 unauthorized`, out)
		require.Regexp(t, `(?m)^\s+→ fix: set AFTERPAY_MERCHANT_ID and AFTERPAY_SECRET_KEY to the merchant's sandbox credentials`, out)
		require.Regexp(t, `(?m)^SKIP\s+Afterpay\s+configuration\s+not checked: Afterpay refused the credentials$`, out)
		require.True(t, strings.HasSuffix(out, "1 of 14 checks failed (12 OK, 0 warnings, 1 not checked): fix them and run `starter doctor` again.\n"), out)
		require.NotContains(t, out, "wrong-afterpay-secret")
	})

	t.Run("Afterpay refuses the key", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["AFTERPAY_SECRET_KEY"] = "wrong-afterpay-secret"
		report, out, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Afterpay credentials": statusFail, "Afterpay configuration": statusSkip})
		r := check(t, report, "Afterpay credentials")
		require.Contains(t, r.Detail, "401")
		require.Contains(t, r.Fix, "AFTERPAY_MERCHANT_ID and AFTERPAY_SECRET_KEY")
		require.NotContains(t, out, "wrong-afterpay-secret")
	})

	t.Run("Afterpay unreachable", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["AFTERPAY_BASE_URL"] = "http://" + closedAddr(t)
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Afterpay reachable": statusFail,
			"Afterpay credentials": statusSkip, "Afterpay configuration": statusSkip})
		r := check(t, report, "Afterpay reachable")
		require.Contains(t, r.Detail, "no answer from "+s.env["AFTERPAY_BASE_URL"])
		require.Contains(t, r.Fix, "AFTERPAY_BASE_URL")
	})

	t.Run("Afterpay fails reading the configuration", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		require.NoError(t, s.sim.InjectFault(sandbox.Fault{Endpoint: sandbox.EndpointConfiguration, Kind: sandbox.FaultServerError}))
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Afterpay credentials": statusSkip, "Afterpay configuration": statusFail})
		require.Contains(t, check(t, report, "Afterpay configuration").Detail, "500")
	})

	t.Run("Odoo down", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.odoo.SetDown(fakeodoo.DownClose)
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo version": statusFail, "Odoo login": statusSkip,
			"Odoo access rights": statusSkip, "Odoo provisioning": statusSkip, "Odoo webhooks": statusSkip})
		r := check(t, report, "Odoo version")
		require.Contains(t, r.Detail, "no answer from Odoo at "+s.env["ODOO_URL"])
		require.Contains(t, r.Fix, "start Odoo, or set ODOO_URL")
	})

	t.Run("Odoo refuses the password", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["ODOO_PASSWORD"] = "wrong-odoo-password"
		report, out, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo login": statusFail,
			"Odoo access rights": statusSkip, "Odoo provisioning": statusSkip, "Odoo webhooks": statusSkip})
		r := check(t, report, "Odoo login")
		require.Contains(t, r.Detail, `user "admin" on database "doctor"`)
		require.Contains(t, r.Detail, "bad credentials")
		require.Contains(t, r.Fix, "ODOO_USERNAME and ODOO_PASSWORD")
		require.NotContains(t, out, "wrong-odoo-password")
	})

	t.Run("Odoo database unknown", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["ODOO_DB"] = "nope"
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo login": statusFail,
			"Odoo access rights": statusSkip, "Odoo provisioning": statusSkip, "Odoo webhooks": statusSkip})
		require.Contains(t, check(t, report, "Odoo login").Fix, "ODOO_DB")
	})

	t.Run("Odoo is not 18", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{odooWrap: odooAnswering("version", odoo17Version)})
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo version": statusFail, "Odoo login": statusSkip,
			"Odoo access rights": statusSkip, "Odoo provisioning": statusSkip, "Odoo webhooks": statusSkip})
		r := check(t, report, "Odoo version")
		require.Contains(t, r.Detail, "Odoo 17.0 at ")
		require.Contains(t, r.Detail, "the product needs Odoo 18")
	})

	t.Run("Odoo user lacks rights", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{odooWrap: odooDenying("payment.transaction", "create", doctorAccessErrorText)})
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo access rights": statusFail})
		r := check(t, report, "Odoo access rights")
		require.Equal(t, `user "admin" may not create payment.transaction`, r.Detail)
		require.Contains(t, r.Fix, `give "admin" the groups that grant them`)
		require.Equal(t, []string{"create payment.transaction: Administration/Settings or Invoicing/Invoicing"}, r.Items)
	})

	// Seen on a real Odoo 18 with its demo user: provisioning is an
	// administrator's business, and so are the external ids the product
	// looks up.
	t.Run("Odoo user may not read external ids", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{odooWrap: odooDenying("ir.model.data", "read", doctorModelDataError)})
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo access rights": statusFail, "Odoo provisioning": statusFail})
		require.Equal(t, []string{"read ir.model.data: Administration/Access Rights"}, check(t, report, "Odoo access rights").Items)
		r := check(t, report, "Odoo provisioning")
		require.Contains(t, r.Detail, "cannot check it: ")
		require.Contains(t, r.Detail, "(ir.model.data) records. This operation is allowed for the following groups: - Administration/Access Rights",
			"on one line")
		require.Contains(t, r.Fix, `give "admin" the groups Odoo names above, or run `+"`starter doctor`"+` with an administrator's`)
	})

	t.Run("Odoo not provisioned", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{skip: true})
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo provisioning": statusFail, "Odoo webhooks": statusFail})
		r := check(t, report, "Odoo provisioning")
		require.Equal(t, "incomplete: 18 records to create, 0 to update", r.Detail)
		require.Contains(t, r.Fix, "run `starter setup-odoo`")
		require.Contains(t, r.Items, `to create: automation rule "Afterpay: order confirmed" (POST `+s.env["API_PUBLIC_URL"]+
			`/odoo/webhook/order-confirmed?token=***)`)
		require.Contains(t, check(t, report, "Odoo webhooks").Items, `"Afterpay: order confirmed" is missing, or has no webhook action`)
		ids, err := s.client.Search(context.Background(), "base.automation", nil, nil)
		require.NoError(t, err)
		require.Empty(t, ids, "the doctor created nothing")

		// setup-odoo fixes it.
		_, err = provision.Run(context.Background(), s.client, provision.Options{APIBaseURL: s.env["API_PUBLIC_URL"], WebhookToken: webhookToken})
		require.NoError(t, err)
		report, _, err = s.doctor(t)
		requireReport(t, report, err, nil)
	})

	t.Run("Odoo provisioning out of date", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		ctx := context.Background()
		ids, err := s.client.Search(ctx, "ir.model.fields", []any{[]any{"name", "=", odoo.FieldAfterpayInstalments}}, nil)
		require.NoError(t, err)
		require.NoError(t, s.client.Write(ctx, "ir.model.fields", ids, map[string]any{"field_description": "Plan"}, nil))
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo provisioning": statusFail})
		r := check(t, report, "Odoo provisioning")
		require.Equal(t, "out of date: 0 records to create, 1 to update", r.Detail)
		require.Equal(t, []string{`to update: custom field sale.order.x_afterpay_instalments (label "Plan" -> "Afterpay Instalments")`}, r.Items)
		recs, err := s.client.Read(ctx, "ir.model.fields", ids, []string{"field_description"}, nil)
		require.NoError(t, err)
		require.Equal(t, "Plan", recs[0]["field_description"], "the doctor repaired nothing")
	})

	t.Run("Odoo rules post elsewhere", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{provision: func(o *provision.Options) { o.APIBaseURL = "https://old-bridge.example.com" }})
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo provisioning": statusFail, "Odoo webhooks": statusFail})
		r := check(t, report, "Odoo webhooks")
		require.Equal(t, "5 of Odoo's automation rules do not post to API_PUBLIC_URL "+s.env["API_PUBLIC_URL"], r.Detail)
		require.Contains(t, r.Items, `"Afterpay: order confirmed" posts to https://old-bridge.example.com/odoo/webhook/order-confirmed?token=***`)
		require.Contains(t, r.Fix, "run `starter setup-odoo` with this configuration")
		require.Equal(t, "out of date: 0 records to create, 5 to update", check(t, report, "Odoo provisioning").Detail)
	})

	t.Run("Odoo rules send another token", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{provision: func(o *provision.Options) { o.WebhookToken = "some-other-token-0123456789" }})
		report, out, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo provisioning": statusFail, "Odoo webhooks": statusFail})
		require.Contains(t, check(t, report, "Odoo webhooks").Items,
			`"Afterpay: order confirmed" sends a token that is not ODOO_WEBHOOK_TOKEN: the API refuses it`)
		require.NotContains(t, out, "some-other-token")
	})

	// A token rotation under way works, and is a warning until setup-odoo
	// rewrites the rules.
	t.Run("Odoo rules send the previous token", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{provision: func(o *provision.Options) { o.WebhookToken = doctorPreviousToken }})
		s.env["ODOO_WEBHOOK_TOKEN_PREVIOUS"] = doctorPreviousToken
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Odoo provisioning": statusWarn, "Odoo webhooks": statusWarn})
		require.Contains(t, check(t, report, "Odoo webhooks").Fix, "drop ODOO_WEBHOOK_TOKEN_PREVIOUS")
	})

	t.Run("no worker polls", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["TEMPORAL_TASK_QUEUE"] = "doctor-nobody-polls"
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Temporal workers": statusFail})
		r := check(t, report, "Temporal workers")
		require.Equal(t, `no worker polls task queue "doctor-nobody-polls"`, r.Detail)
		require.Contains(t, r.Fix, "TEMPORAL_TASK_QUEUE=doctor-nobody-polls")
	})

	// Temporal lists a stopped worker's pollers for minutes: only a recent
	// poll counts.
	t.Run("only stale pollers", func(t *testing.T) {
		later := time.Now().Add(recentPoll + time.Minute)
		d := &doctor{timeout: 5 * time.Second, now: func() time.Time { return later }}
		p := part{name: partTemporal}
		d.workers(context.Background(), tmp.dev.Client(), doctorTaskQueue, "default", &p)
		require.Len(t, p.results, 1)
		r := p.results[0]
		require.Equal(t, statusFail, r.Status)
		require.Regexp(t, `^no worker polls task queue "doctor-payments" \(the last poll was 3m\d+s ago\)$`, r.Detail)

		d.now = time.Now
		p = part{name: partTemporal}
		d.workers(context.Background(), tmp.dev.Client(), doctorTaskQueue, "default", &p)
		require.Equal(t, statusOK, p.results[0].Status, p.results[0].Detail)
	})

	// A worker from before the Afterpay and Odoo activities got their own
	// queues polls the workflows' queue alone.
	t.Run("older worker", func(t *testing.T) {
		const queue = "doctor-older-worker"
		w := sdkworker.New(tmp.dev.Client(), queue, sdkworker.Options{})
		w.RegisterWorkflowWithOptions(func(workflow.Context) error { return nil }, workflow.RegisterOptions{Name: "older-payment"})
		w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "older-activity"})
		require.NoError(t, w.Start())
		t.Cleanup(w.Stop)
		require.Eventually(t, func() bool {
			wf, err1 := tmp.dev.Client().DescribeTaskQueue(context.Background(), queue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
			act, err2 := tmp.dev.Client().DescribeTaskQueue(context.Background(), queue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
			return err1 == nil && err2 == nil && len(wf.GetPollers()) > 0 && len(act.GetPollers()) > 0
		}, 30*time.Second, 100*time.Millisecond)
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["TEMPORAL_TASK_QUEUE"] = queue
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Temporal workers": statusFail})
		r := check(t, report, "Temporal workers")
		require.Equal(t, "2 of the product's 4 task queues have no worker", r.Detail)
		require.Equal(t, []string{`nothing polls "doctor-older-worker-afterpay" for Afterpay activities`,
			`nothing polls "doctor-older-worker-odoo" for Odoo activities`}, r.Items)
	})

	t.Run("search attributes missing", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["TEMPORAL_NAMESPACE"] = doctorBareNamespace
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Temporal search attributes": statusFail})
		r := check(t, report, "Temporal search attributes")
		require.Equal(t, `missing in namespace "doctor-bare": OdooOrderRef, AfterpayToken, AfterpayOrderID, PaymentStatus`, r.Detail)
		require.Contains(t, r.Fix, "temporal operator search-attribute create --namespace doctor-bare --name OdooOrderRef --type Keyword")
	})

	t.Run("namespace missing", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["TEMPORAL_NAMESPACE"] = "doctor-nope"
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Temporal namespace": statusFail,
			"Temporal search attributes": statusSkip, "Temporal workers": statusSkip})
		require.Contains(t, check(t, report, "Temporal namespace").Fix, "temporal operator namespace create --namespace doctor-nope")
	})

	t.Run("Temporal down", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["TEMPORAL_ADDRESS"] = closedAddr(t)
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Temporal server": statusFail, "Temporal namespace": statusSkip,
			"Temporal search attributes": statusSkip, "Temporal workers": statusSkip})
		require.Contains(t, check(t, report, "Temporal server").Fix, "TEMPORAL_ADDRESS")
	})

	t.Run("API unreachable", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.api.Close()
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"API reachable": statusFail})
		r := check(t, report, "API reachable")
		require.Contains(t, r.Detail, "no answer at "+s.env["API_PUBLIC_URL"]+"/healthz")
		require.Contains(t, r.Fix, "start the API")
	})

	t.Run("API_PUBLIC_URL is not the API", func(t *testing.T) {
		other := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(other.Close)
		s := newDoctorStack(t, tmp, stackOptions{publicURL: other.URL})
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"API reachable": statusFail})
		require.Contains(t, check(t, report, "API reachable").Detail, "answers HTTP 404, but not as the API's health check does")
	})

	t.Run("configuration invalid", func(t *testing.T) {
		s := newDoctorStack(t, tmp, stackOptions{})
		s.env["ODOO_PASSWORD"] = ""
		s.env["ODOO_WEBHOOK_TOKEN"] = "short"
		report, _, err := s.doctor(t)
		requireReport(t, report, err, map[string]checkStatus{"Configuration settings": statusFail})
		require.Len(t, report.Checks, 1)
		r := check(t, report, "Configuration settings")
		require.Contains(t, r.Detail, "ODOO_PASSWORD is required")
		require.Contains(t, r.Detail, "ODOO_WEBHOOK_TOKEN is required and must be at least 16 characters")
	})
}

func TestDoctorUsage(t *testing.T) {
	for _, args := range [][]string{{"doctor", "extra"}, {"doctor", "-timeout", "0s"}, {"doctor", "-nope"}} {
		_, err := runStarter(args...)
		var usage usageError
		require.True(t, errors.As(err, &usage), "%v: %v", args, err)
	}
}

// A configured secret never reaches the report, whatever quotes it.
func TestRedactSecrets(t *testing.T) {
	setEnv(t, "http://127.0.0.1:1", "shop", "http://127.0.0.1:8080")
	t.Setenv("ODOO_PASSWORD", doctorOdooPassword)
	t.Setenv("TEMPORAL_API_KEY", "temporal-cloud-api-key-0123")
	results := []checkResult{{Detail: "POST http://x/?token=" + webhookToken, Fix: "key " + doctorOdooPassword,
		Items: []string{"payload key " + strings.SplitN(testkit.PayloadKeys, ":", 2)[1], "api key temporal-cloud-api-key-0123"}}}
	cfg, err := config.FromEnv()
	require.NoError(t, err)
	got := redactSecrets(cfg, results)
	out := fmt.Sprint(got)
	for _, secret := range []string{webhookToken, doctorOdooPassword, strings.SplitN(testkit.PayloadKeys, ":", 2)[1], "temporal-cloud-api-key-0123"} {
		require.NotContains(t, out, secret)
	}
	require.Contains(t, got[0].Detail, "token=********")
	require.Contains(t, results[0].Detail, webhookToken, "the caller's results are left alone")
}

// odoo17Version is common.version as an Odoo 17 answers it.
const odoo17Version = "<struct><member><name>server_version</name><value><string>17.0</string></value></member>" +
	"<member><name>server_version_info</name><value><array><data><value><int>17</int></value><value><int>0</int></value>" +
	"<value><int>0</int></value><value><string>final</string></value><value><int>0</int></value><value><string></string></value>" +
	"</data></array></value></member><member><name>server_serie</name><value><string>17.0</string></value></member>" +
	"<member><name>protocol_version</name><value><int>1</int></value></member></struct>"

// xmlrpcCall is what the wrappers below read of a call: its method and
// string parameters (execute_kw's model and method are params 3 and 4).
type xmlrpcCall struct {
	Method string `xml:"methodName"`
	Params []struct {
		String string `xml:"value>string"`
	} `xml:"params>param"`
}

func readCall(r *http.Request) (xmlrpcCall, []byte) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	var c xmlrpcCall
	_ = xml.Unmarshal(body, &c)
	return c, body
}

func writeValue(w http.ResponseWriter, value string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value>%s</value>\n</param>\n</params>\n</methodResponse>\n", value)
}

// odooAnswering answers the common service's method with value.
func odooAnswering(method, value string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, _ := readCall(r); strings.HasSuffix(r.URL.Path, "/common") && c.Method == method {
				writeValue(w, value)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// odooDenying makes Odoo deny the user operation on model, as a real Odoo
// 18 does for a user without the group: has_access answers False,
// check_access raises its AccessError, and so does every other call on
// the model when operation is read.
func odooDenying(model, operation, message string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, body := readCall(r)
			if c.Method != "execute_kw" || len(c.Params) < 5 || c.Params[3].String != model {
				next.ServeHTTP(w, r)
				return
			}
			asked := strings.Contains(string(body), "<string>"+operation+"</string>")
			switch method := c.Params[4].String; {
			case method == "has_access" && asked:
				writeValue(w, "<boolean>0</boolean>")
			case method == "check_access" && asked, method != "has_access" && method != "check_access" && operation == "read":
				var msg strings.Builder
				_ = xml.EscapeText(&msg, []byte(message))
				w.Header().Set("Content-Type", "text/xml")
				fmt.Fprintf(w, "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n"+
					"<member>\n<name>faultCode</name>\n<value><int>4</int></value>\n</member>\n"+
					"<member>\n<name>faultString</name>\n<value><string>%s</string></value>\n</member>\n"+
					"</struct></value>\n</fault>\n</methodResponse>\n", msg.String())
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}
