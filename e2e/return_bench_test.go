package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// BenchmarkReturnEndpoint measures what the customer's return costs over
// the cheapest way to hand a payment the same news: GET /afterpay/return
// (the product's API handler over HTTP, Temporal, the worker running the
// real payment workflow's validator and handler, the page) against a raw
// SignalWorkflow of the customer-return signal, and against the bare
// update the endpoint sends (UpdateWorkflow and its answer, from the
// client): the update's own cost, which a signal does not wait for, apart
// from the endpoint's. Each request goes to a payment of its own, so that
// a return never joins an earlier update, and every payment waits for
// later events with its outcome known (paid): the update's handler answers
// at once, and nobody waits for Afterpay or Odoo. Bursts of each kind take
// turns, so that all meet the same machine. It reports each kind's p50 and
// p99, the return's excess over the signal and over the bare update, with
// 1 and with 50 requests in flight, and how many returns got the page that
// asks again (no answer within the API's wait) or the 503 page (Temporal
// did not answer at all); ns/op covers all three.
// Percentiles need samples: run it with -benchtime=1000x or more.
func BenchmarkReturnEndpoint(b *testing.B) {
	p := startProduct(b)
	cfg := p.cfg
	cfg.API.RateLimit = 1 << 20 // every request comes from one client
	apiSrv := httptest.NewServer(app.APIHandler(cfg, p.temporal, p.logger))
	b.Cleanup(apiSrv.Close)
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	b.Cleanup(httpClient.CloseIdleConnections)

	var pending, unavailable atomic.Int64
	returnTo := func(ctx context.Context, w waitingPayment) error {
		target := apiSrv.URL + "/afterpay/return?status=SUCCESS&orderToken=" + url.QueryEscape(w.token) + "&order=" + url.QueryEscape(w.order)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			return err
		case resp.StatusCode == http.StatusOK && strings.Contains(string(body), "Thank you, your payment is approved"):
			return nil
		case resp.StatusCode == http.StatusOK && strings.Contains(string(body), "Your payment is being confirmed"):
			pending.Add(1) // an answer too, if a slow one
			return nil
		case resp.StatusCode == http.StatusServiceUnavailable:
			unavailable.Add(1) // Temporal did not answer in time: counted, not fatal
			return nil
		}
		return fmt.Errorf("return of %s: %d, not the paid page", w.order, resp.StatusCode)
	}
	update := func(ctx context.Context, w waitingPayment) error {
		h, err := p.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: p.workflowID(w.order), UpdateName: workflows.UpdateCustomerReturn, WaitForStage: client.WorkflowUpdateStageAccepted,
			Args: []any{workflows.CustomerReturn{Status: workflows.ReturnSuccess, OrderToken: w.token}},
		})
		if err != nil {
			return err
		}
		var out workflows.ReturnOutcome
		if err := h.Get(ctx, &out); err != nil {
			return err
		}
		if out.Outcome != workflows.OutcomePaid {
			return fmt.Errorf("update of %s: %q, not paid", w.order, out.Outcome)
		}
		return nil
	}
	signal := func(ctx context.Context, w waitingPayment) error {
		return p.temporal.SignalWorkflow(ctx, p.workflowID(w.order), "", workflows.SignalCustomerReturn,
			workflows.CustomerReturn{Status: workflows.ReturnSuccess, OrderToken: w.token})
	}

	for _, inFlight := range []int{1, 50} {
		b.Run(fmt.Sprintf("in-flight=%d", inFlight), func(b *testing.B) {
			returned, updated, signalled := p.waitingPayments(b, b.N), p.waitingPayments(b, b.N), p.waitingPayments(b, b.N)
			pending.Store(0)
			unavailable.Store(0)
			b.ResetTimer()
			var ret, upd, sig []time.Duration
			for i := 0; i < b.N; i += inFlight {
				j := min(i+inFlight, b.N)
				ret = append(ret, burst(b, returned[i:j], returnTo)...)
				upd = append(upd, burst(b, updated[i:j], update)...)
				sig = append(sig, burst(b, signalled[i:j], signal)...)
			}
			b.StopTimer()
			report := func(name string, q float64) (float64, float64) {
				r, u, s := percentile(ret, q), percentile(upd, q), percentile(sig, q)
				b.ReportMetric(ms(r), "return-"+name+"-ms")
				b.ReportMetric(ms(u), "update-"+name+"-ms")
				b.ReportMetric(ms(s), "signal-"+name+"-ms")
				b.ReportMetric(ms(r-s), "over-signal-"+name+"-ms")
				b.ReportMetric(ms(r-u), "over-update-"+name+"-ms")
				return ms(r - s), ms(r - u)
			}
			s50, u50 := report("p50", 0.50)
			s99, u99 := report("p99", 0.99)
			b.ReportMetric(float64(pending.Load()), "pending-pages")
			b.ReportMetric(float64(unavailable.Load()), "503-pages")
			b.Logf("%d of each, %d in flight: the return adds %.2f ms at p50 and %.2f ms at p99 over a signal, %.2f and %.2f over the bare update; %d pending and %d 503 pages",
				len(ret), inFlight, s50, s99, u50, u99, pending.Load(), unavailable.Load())
		})
	}
}

// waitingPayment is a payment workflow waiting for later events, and its
// checkout token.
type waitingPayment struct{ order, token string }

// waitingPayments starts n payment workflows on the product's worker, each
// resumed (as a continued run is) after its capture was booked: waiting
// for later events until Afterpay's refund window closes, its outcome
// paid. It returns once each has run its first workflow task.
func (p *product) waitingPayments(t testing.TB, n int) []waitingPayment {
	t.Helper()
	out := make([]waitingPayment, n)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	slots := make(chan struct{}, 16) // starts at a time
	for i := range out {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			w, err := p.startWaitingPayment(context.Background(), seq.Add(1))
			out[i] = w
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	return out
}

// startWaitingPayment starts the k-th waiting payment and returns once it
// waits.
func (p *product) startWaitingPayment(ctx context.Context, k int64) (waitingPayment, error) {
	w := waitingPayment{order: fmt.Sprintf("BENCH-%s-%d", p.run, k), token: fmt.Sprintf("002.bench%s%d", p.run, k)}
	total, now := money.MustNew(4990, "USD"), time.Now()
	state := &workflows.State{
		Phase: workflows.PhaseAfterSale, Status: workflows.StatusCompleted, CaptureMode: workflows.CaptureImmediate,
		AfterpayOrderID: fmt.Sprint(400000000000 + k), TransactionID: k, PaidAt: now, CapturedAt: now,
	}
	state.Order.Name, state.Order.Total = w.order, &total
	state.Checkout.Token = w.token
	state.Ledger = workflows.Ledger{Currency: "USD", Captured: total.Minor, Entries: []workflows.LedgerEntry{
		{Key: "capture", Kind: workflows.EntryCaptured, Amount: total, At: now, Ref: state.AfterpayOrderID},
	}}
	id := p.workflowID(w.order)
	_, err := p.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: p.cfg.Temporal.TaskQueue},
		workflows.PaymentWorkflowName, workflows.PaymentInput{
			Database: p.cfg.Odoo.Database, OrderName: w.order, ReturnURL: p.apiURL + "/afterpay/return", Resume: state,
		})
	if err != nil {
		return w, fmt.Errorf("start %s: %w", id, err)
	}
	// The query waits for the first workflow task; on a busy machine it
	// may take more than one query's deadline.
	var info workflows.CheckoutInfo
	for attempt := 1; ; attempt++ {
		err := p.query(w.order, workflows.QueryCheckout, &info)
		if err == nil {
			break
		}
		if attempt == 5 {
			return w, fmt.Errorf("query %s: %w", id, err)
		}
	}
	if info.Outcome != workflows.OutcomePaid {
		return w, fmt.Errorf("%s: outcome %q, not paid", id, info.Outcome)
	}
	return w, nil
}

// burst runs do for all payments at once, and returns each call's
// latency.
func burst(b *testing.B, payments []waitingPayment, do func(context.Context, waitingPayment) error) []time.Duration {
	b.Helper()
	latencies := make([]time.Duration, len(payments))
	errs := make([]error, len(payments))
	var wg sync.WaitGroup
	for i, w := range payments {
		wg.Go(func() {
			start := time.Now()
			errs[i] = do(context.Background(), w)
			latencies[i] = time.Since(start)
		})
	}
	wg.Wait()
	require.NoError(b, errors.Join(errs...))
	return latencies
}

// percentile is the q-th quantile (nearest rank) of d.
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := int(q*float64(len(s))+0.999999) - 1
	return s[max(0, min(rank, len(s)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
