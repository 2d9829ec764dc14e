package e2e

// The shopper's pages in a real browser: headless Chromium from Debian's
// packages, driven over the DevTools protocol (chromedp), with axe-core
// injected into every page. e2e/testdata/browser/setup.sh installs both; in
// CI (CI=true) a missing browser or axe-core fails the test, elsewhere it is
// skipped with a hint.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/afterpay/webhooksig"
	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// browserSetup is what installs the browser test's tools.
const browserSetup = "e2e/testdata/browser/setup.sh"

// needTool fails the test in CI and skips it elsewhere.
func needTool(t *testing.T, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (%v): CI must run %s first", what, err, browserSetup)
	}
	t.Skipf("%s is missing (%v): run %s", what, err, browserSetup)
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	var err error
	for _, name := range []string{"chromium", "chromium-browser"} {
		var p string
		if p, err = exec.LookPath(name); err == nil {
			return p
		}
	}
	needTool(t, "Chromium", err)
	return ""
}

func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "browser", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		needTool(t, "axe-core", err)
	}
	return string(b)
}

// newBrowser starts a headless Chromium with a fresh profile and returns
// its context; every tab is a chromedp.NewContext of it.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1024, 800),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	require.NoError(t, chromedp.Do(browser), "start headless Chromium")
	return browser
}

// tab opens a new tab for one shopper's journey.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	return ctx
}

// pageState is what the test reads of the page on screen.
type pageState struct {
	URL     string `json:"url"`
	Heading string `json:"heading"`
	Text    string `json:"text"`
	Main    int    `json:"main"`
	Back    string `json:"back"`
	Ready   bool   `json:"ready"`
	// Styled says the page's inline style applied: its CSP allows it.
	Styled bool `json:"styled"`
}

const readPage = `JSON.stringify({
	url: location.href,
	heading: (document.querySelector("h1") || {}).textContent || "",
	text: document.body ? document.body.innerText : "",
	main: document.querySelectorAll("main").length,
	back: (document.querySelector("a.back") || {}).href || "",
	ready: document.readyState === "complete",
	styled: !!document.querySelector("main") && getComputedStyle(document.querySelector("main")).maxWidth === "544px"
})`

func read(ctx context.Context) (pageState, error) {
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	raw, err := chromedp.Run(rctx, chromedp.Evaluate[string](readPage))
	if err != nil {
		return pageState{}, err
	}
	var s pageState
	err = json.Unmarshal([]byte(raw), &s)
	return s, err
}

// settle waits until the tab shows a finished page of the API at prefix:
// the "being confirmed" page reloads itself until the outcome is known.
func settle(t *testing.T, ctx context.Context, prefix string) pageState {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var last pageState
	var err error
	for time.Now().Before(deadline) {
		last, err = read(ctx)
		if err == nil && last.Ready && strings.HasPrefix(last.URL, prefix) && last.Heading != "" &&
			last.Heading != "Your payment is being confirmed" {
			return last
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the page never settled at %s: %+v (last error %v)", prefix, last, err)
	return last
}

// axeViolation is one axe-core rule a page breaks.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// axeViolations runs axe-core, with its default rules, on the page on
// screen.
func axeViolations(t *testing.T, ctx context.Context, axe, what string) []axeViolation {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axe)), "inject axe-core into %s", what)
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "run axe-core on %s", what)
	var violations []axeViolation
	require.NoError(t, json.Unmarshal([]byte(raw), &violations))
	return violations
}

// requireAccessible: axe-core finds no violation on the page on screen.
func requireAccessible(t *testing.T, ctx context.Context, axe, what string) {
	t.Helper()
	for _, v := range axeViolations(t, ctx, axe, what) {
		t.Errorf("axe-core on %s: %s (%s) at %v", what, v.ID, v.Help, v.Nodes)
	}
}

// click presses a button of the simulator's checkout page.
func click(t *testing.T, ctx context.Context, checkoutURL, choice string) {
	t.Helper()
	sel := chromedp.CSS(fmt.Sprintf(`button[value=%q]`, choice))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(checkoutURL),
		chromedp.WaitVisible(sel),
		chromedp.Click(sel),
	), "press %s on Afterpay's page", choice)
}

func reload(t *testing.T, ctx context.Context) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload()))
}

// productShopName is the name the product's own pages give the shop:
// SHOP_NAME, else the host of the shop's URL, else "the shop".
func productShopName(p *product) string {
	if p.cfg.API.ShopName != "" {
		return p.cfg.API.ShopName
	}
	shopURL := p.cfg.API.ShopReturnURL
	if shopURL == "" {
		shopURL = p.cfg.Afterpay.StoreURL
	}
	if u, err := url.Parse(shopURL); err == nil && u.Hostname() != "" {
		return strings.TrimPrefix(u.Hostname(), "www.")
	}
	return "the shop"
}

// shown is how the page writes an amount.
func shown(m *money.Money) string {
	symbol := map[string]string{"USD": "$", "AUD": "$", "NZD": "$", "CAD": "$", "GBP": "£", "EUR": "€"}[m.Currency]
	return symbol + m.Amount() + " " + m.Currency
}

// TestShopperPagesInABrowser pays, declines and cancels real orders through
// the product, the browser clicking the simulator's buttons, and checks each
// page the API shows after Afterpay: the real outcome (a declined payment is
// not thanked for), the shop, the amount, a way back, reloads that show the
// same outcome (after completion too), and no axe-core violation.
func TestShopperPagesInABrowser(t *testing.T) {
	axe := axeSource(t)
	browser := newBrowser(t)

	// First, that axe-core runs and sees: a page without a language, a
	// title, a landmark or alt text has those violations.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`<!doctype html><html><body><div><h2>Paid?</h2><img src="/x.png"></div></body></html>`))
	}))
	t.Cleanup(bad.Close)
	check := tab(t, browser)
	require.NoError(t, chromedp.Do(check, chromedp.Navigate(bad.URL)))
	found := map[string]bool{}
	for _, v := range axeViolations(t, check, axe, "a page with known faults") {
		found[v.ID] = true
	}
	for _, rule := range []string{"html-has-lang", "document-title", "image-alt", "landmark-one-main", "region"} {
		require.True(t, found[rule], "axe-core did not report %s: %v", rule, found)
	}

	p := startProduct(t)
	returnPrefix := p.apiURL + "/afterpay/return?"

	// A second API on the same Temporal, configured with a shop name and
	// URL, so that the pages' shop, amount and way back are checked
	// whatever the product's own configuration says.
	shop := api.NewHandler(p.temporal, api.Options{
		Database: p.cfg.Odoo.Database, TaskQueue: p.cfg.Temporal.TaskQueue, PublicURL: p.apiURL,
		ShopName: "Blue Bicycle Shop", ShopReturnURL: "https://shop.example.com/afterpay/done",
	})
	shopSrv := httptest.NewServer(shop)
	t.Cleanup(shopSrv.Close)

	expectShop := func(t *testing.T, s pageState, m *money.Money, order string) {
		t.Helper()
		require.Equal(t, 1, s.Main, "one <main> landmark")
		require.True(t, s.Styled, "the page's style applies under its Content-Security-Policy")
		require.Contains(t, s.Text, order)
		if m != nil {
			require.Contains(t, s.Text, shown(m))
		}
		name := productShopName(p)
		if strings.HasPrefix(s.URL, shopSrv.URL) {
			name = "Blue Bicycle Shop"
			require.True(t, strings.HasPrefix(s.Back, "https://shop.example.com/afterpay/done?"), "a way back to the shop: %q", s.Back)
		}
		require.Contains(t, s.Text, name)
	}

	cases := []struct {
		choice, heading string
		status          workflows.Status
		afterpayStatus  string
	}{
		{"approve", "Thank you, your payment is approved", workflows.StatusCompleted, "SUCCESS"},
		{"decline", "Payment declined", workflows.StatusDeclined, "SUCCESS"},
		{"cancel", "Payment cancelled", "", "CANCELLED"},
	}
	for _, tc := range cases {
		t.Run(tc.choice, func(t *testing.T) {
			orderID, order := p.quotation(t, true, invoicedOnOrder(4990, 2))
			p.confirm(t, orderID)
			info := p.waitCheckout(t, order)
			ctx := tab(t, browser)

			click(t, ctx, info.RedirectCheckoutURL, tc.choice)
			page := settle(t, ctx, returnPrefix)
			require.Equal(t, tc.heading, page.Heading, page.Text)
			if tc.choice != "approve" {
				require.NotContains(t, page.Text, "Thank you")
			}
			expectShop(t, page, info.Amount, order)
			requireAccessible(t, ctx, axe, tc.choice+" page")

			if tc.status != "" {
				res := p.result(t, order)
				require.Equal(t, tc.status, res.Status, res.Reason)
			}
			// A reload — after the payment has completed, where it has —
			// shows the same outcome, never "could not find".
			reload(t, ctx)
			again := settle(t, ctx, returnPrefix)
			require.Equal(t, tc.heading, again.Heading, again.Text)
			require.NotContains(t, again.Text, "could not find")
			requireAccessible(t, ctx, axe, tc.choice+" page, reloaded")

			// The same return on the shop-configured API: the shop's name
			// and the way back to it.
			shopURL := shopSrv.URL + "/afterpay/return?" + strings.TrimPrefix(page.URL, returnPrefix)
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(shopURL)))
			named := settle(t, ctx, shopSrv.URL)
			require.Equal(t, tc.heading, named.Heading, named.Text)
			expectShop(t, named, info.Amount, order)
			requireAccessible(t, ctx, axe, tc.choice+" page of a named shop")
		})
	}

	t.Run("unknown checkout and broken link", func(t *testing.T) {
		ctx := tab(t, browser)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(p.apiURL+"/afterpay/return?status=SUCCESS&orderToken=002.nosuchtoken&order=S99999")))
		page := settle(t, ctx, p.apiURL)
		require.Equal(t, "We could not find this Afterpay checkout", page.Heading)
		requireAccessible(t, ctx, axe, "the 404 page")
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(p.apiURL+"/afterpay/return?status=MAYBE")))
		page = settle(t, ctx, p.apiURL)
		require.Equal(t, "This link is incomplete", page.Heading)
		requireAccessible(t, ctx, axe, "the 400 page")
	})

	t.Run("still being confirmed", func(t *testing.T) {
		// A payment whose workflow no worker runs: the API waits for its
		// answer, then shows the page that reloads itself.
		order := "PENDING-" + p.run
		id := workflows.PaymentWorkflowID(p.cfg.Odoo.Database, order)
		run, err := p.temporal.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: "no-worker-" + p.run},
			workflows.PaymentWorkflowName, workflows.PaymentInput{Database: p.cfg.Odoo.Database, OrderName: order, ReturnURL: p.apiURL + "/afterpay/return"})
		require.NoError(t, err)
		t.Cleanup(func() {
			_ = p.temporal.TerminateWorkflow(context.Background(), id, run.GetRunID(), "browser test done")
		})
		ctx := tab(t, browser)
		target := shopSrv.URL + "/afterpay/return?order=" + order + "&status=SUCCESS&orderToken=002.pending" + p.run
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(target)))
		deadline := time.Now().Add(30 * time.Second)
		var page pageState
		for time.Now().Before(deadline) {
			page, err = read(ctx)
			if err == nil && page.Ready && page.Heading != "" {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		require.Equal(t, "Your payment is being confirmed", page.Heading, page.Text)
		require.Contains(t, page.Text, "checks again by itself")
		require.Equal(t, 1, page.Main)
		require.True(t, page.Styled)
		requireAccessible(t, ctx, axe, "the page that is still being confirmed")
		// It reloads itself: the browser asks the API again.
		resp, err := http.Get(target)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "3", resp.Header.Get("Refresh"))
	})
}

// TestAfterpayEventsOnTheRealServer drives the API's signed webhooks against
// the real Temporal dev server (an API of its own, with a webhook secret, on
// the product's Temporal and simulator): an event that comes before its
// order's workflow exists starts it with the signal in its history (nothing
// is lost); the same request again adds no second signal; a finished payment
// is never revived; a dispute is read back from Afterpay and routed by its
// checkout token. (It lives here because this is the one e2e file the API's
// side adds; the full effect in the workflow and Odoo belongs to the
// workflow's own end-to-end test.)
func TestAfterpayEventsOnTheRealServer(t *testing.T) {
	p := startProduct(t)
	ctx := context.Background()
	const secret = "e2e-afterpay-webhook-secret"
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	handler = api.NewHandler(p.temporal, api.Options{
		Database: p.cfg.Odoo.Database, TaskQueue: p.cfg.Temporal.TaskQueue, PublicURL: srv.URL,
		AfterpayWebhookSecret: secret, ConfirmationTimeout: time.Minute, Afterpay: p.afterpay,
	})
	post := func(path string, body string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		webhooksig.SetHeaders(req.Header, secret, srv.URL+path, time.Now(), []byte(body))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The history holds the payloads as stored: encrypted.
	dc, _, err := app.Converters(p.cfg)
	require.NoError(t, err)
	signals := func(id string) []workflows.AfterpayEvent {
		var out []workflows.AfterpayEvent
		it := p.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			require.NoError(t, err)
			if a := ev.GetWorkflowExecutionSignaledEventAttributes(); a != nil && a.GetSignalName() == workflows.SignalAfterpayEvent {
				var e workflows.AfterpayEvent
				require.NoError(t, dc.FromPayloads(a.GetInput(), &e))
				out = append(out, e)
			}
		}
		return out
	}

	// An order that no workflow runs for yet: its event comes first.
	_, order := p.quotation(t, true, invoicedOnOrder(2000, 1))
	id := p.workflowID(order)
	_, err = p.temporal.DescribeWorkflowExecution(ctx, id, "")
	require.Error(t, err, "no workflow for %s yet", order)
	event := fmt.Sprintf(`{"eventId":"evt_early_%s","eventType":"payment.capture_completed","paymentId":"300000000999","token":"002.early%s",`+
		`"merchantReference":%q,"amount":{"amount":"20.00","currency":"USD"},"createdAt":%q}`, p.run, p.run, order, time.Now().UTC().Format(time.RFC3339))
	status, body := post("/afterpay/webhook/notification", event)
	require.Equal(t, http.StatusOK, status, body)
	desc, err := p.temporal.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err, "the event started the order's workflow")
	runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	got := signals(id)
	require.Len(t, got, 1, "the event is in the new workflow's history")
	require.Equal(t, "evt_early_"+p.run, got[0].ID)
	require.Equal(t, workflows.EventCaptureCompleted, got[0].Kind)

	// The same signed request again: acknowledged, not signalled again.
	status, body = post("/afterpay/webhook/notification", event)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "duplicate")
	require.Len(t, signals(id), 1)

	// Once the payment has ended, an event never revives it.
	require.NoError(t, p.temporal.TerminateWorkflow(ctx, id, runID, "e2e: the payment ended"))
	late := strings.Replace(event, "evt_early_", "evt_late_", 1)
	status, body = post("/afterpay/webhook/notification", late)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "payment finished")
	desc, err = p.temporal.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err)
	require.Equal(t, runID, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId(), "no new run")
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, desc.GetWorkflowExecutionInfo().GetStatus())

	// A dispute on a paid order: read from Afterpay, routed by its token to
	// the order's workflow. That workflow has completed, so nothing is
	// started for it; the API acknowledges and tells the operator.
	orderID, paid := p.quotation(t, true, invoicedOnOrder(3000, 1))
	p.confirm(t, orderID)
	info := p.waitCheckout(t, paid)
	_, err = shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
	require.NoError(t, err)
	res := p.result(t, paid)
	require.Equal(t, workflows.StatusCompleted, res.Status, res.Reason)
	dispute, err := p.sim.OpenDispute(res.AfterpayOrderID, "")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		list, err := p.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: `AfterpayToken = "` + info.Token + `"`})
		return err == nil && len(list.GetExecutions()) == 1
	}, 10*time.Second, 100*time.Millisecond, "visibility knows the payment's token")
	before, err := p.temporal.DescribeWorkflowExecution(ctx, p.workflowID(paid), "")
	require.NoError(t, err)
	status, body = post("/afterpay/webhook/disputes", fmt.Sprintf(
		`{"webhook_event_id":"%s-d1","webhook_event_type":"created","dispute_id":%q,"merchant_reference":"100101"}`, p.run, dispute.ID))
	require.Equal(t, http.StatusOK, status, body)
	after, err := p.temporal.DescribeWorkflowExecution(ctx, p.workflowID(paid), "")
	require.NoError(t, err)
	require.Equal(t, before.GetWorkflowExecutionInfo().GetExecution().GetRunId(), after.GetWorkflowExecutionInfo().GetExecution().GetRunId(),
		"a dispute never starts a payment")
	if after.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		require.Contains(t, body, "accepted")
	} else {
		require.Contains(t, body, "payment finished")
	}
}
