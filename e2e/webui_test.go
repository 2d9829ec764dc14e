package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestWebUIShowsWhatAPaymentIsDoing opens a paid order's payment in the
// Temporal Web UI, in headless Chromium, as an operator would: its page
// shows the payment's current details and the summaries of its steps,
// decrypted through the worker's codec server.
func TestWebUIShowsWhatAPaymentIsDoing(t *testing.T) {
	browser := newBrowser(t)
	p := startProduct(t)
	ctx := context.Background()
	_, order, _, _ := p.payOrder(t, invoicedOnOrder(4990, 2))

	desc, err := p.temporal.DescribeWorkflowExecution(ctx, p.workflowID(order), "")
	require.NoError(t, err)
	page := tab(t, browser)
	run := p.uiURL + "/namespaces/default/workflows/" + url.PathEscape(p.workflowID(order)) + "/" + desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	// The history: each step with its summary.
	requireShows(t, page, run+"/history", "Capture 99.80 USD at Afterpay", "Record the payment on the Odoo transaction (Captured)")
	// The User Metadata tab: the current details.
	userMetadata, err := chromedp.Run(page, chromedp.Evaluate[string](
		`([...document.querySelectorAll("a")].find(a => a.textContent.trim() === "User Metadata") || {}).href || ""`))
	require.NoError(t, err)
	require.NotEmpty(t, userMetadata, "the payment's page has a User Metadata tab")
	requireShows(t, page, userMetadata, "completed: Afterpay payment of order "+order, "held 99.80 USD", "Waiting: Compare with Afterpay and Odoo at")
}

// requireShows opens u and waits until the page shows every one of want.
func requireShows(t *testing.T, page context.Context, u string, want ...string) {
	t.Helper()
	require.NoError(t, chromedp.Do(page, chromedp.Navigate(u)))
	var text string
	deadline := time.Now().Add(90 * time.Second)
	for {
		var err error
		// Markdown (the current details) is rendered in frames of the UI's
		// own origin: read them too.
		text, err = chromedp.Run(page, chromedp.Evaluate[string](
			`(document.body ? document.body.innerText : "") + "\n" + [...document.querySelectorAll("iframe")].map(f => (f.contentDocument && f.contentDocument.body) ? f.contentDocument.body.innerText : "").join("\n")`))
		missing := ""
		for _, w := range want {
			if !strings.Contains(text, w) {
				missing = w
				break
			}
		}
		if err == nil && missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the payment's page in the Web UI never showed %q; it shows:\n%s", missing, text)
		}
		// The Web UI reads the current details again when one presses R.
		_, _ = chromedp.Run(page, chromedp.KeyEvent("r"))
		time.Sleep(time.Second)
	}
}
