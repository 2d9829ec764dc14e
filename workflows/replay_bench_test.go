package workflows

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/codec"
	"github.com/odoo-afterpay/bridge/internal/testkit"
)

// envReplayHistories names a folder to write the generated histories to,
// as JSON, for a look at them (`temporal workflow show` prints the same).
const envReplayHistories = "REPLAYBENCH_HISTORIES"

var discardLogger = slog.New(slog.DiscardHandler)

// BenchmarkReplayPaymentHistory measures what a worker pays to bring a
// payment back into its cache after evicting it (more open payments than
// its sticky cache holds, a restart, a deploy): a replay of the run's whole
// history, decrypted. The histories are the product's workflow run on a
// virtual clock (historyServer), in a world scripted as its tests script
// it:
//
//   - 120-days: checked out, captured, booked; a credit note refunded on
//     day 30; daily checks until Afterpay's refund window closes, then the
//     final reconciliation. One run: it stays under Temporal's
//     continue-as-new suggestion.
//   - longest-run: the same payment with Odoo unreachable from day 40
//     (retried hourly while it needs attention), until Temporal suggests
//     continuing as new (4,096 events) and the run does: the most one
//     run's history holds.
//   - continued-1-day, continued-7-days: a run continued as new in
//     after_sale, one and seven daily checks later (still open): what a
//     replay would cost if the workflow continued as new that often.
//
// A recorded end-to-end history (testdata) is replayed too, for scale.
func BenchmarkReplayPaymentHistory(b *testing.B) {
	c := benchCodec(b)
	dc, fc := c.DataConverter(), c.FailureConverter()
	start := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, sc := range []struct {
		name    string
		resumed bool // from continuedInput, not a new payment
		outage  bool
		until   time.Duration // 0: until the run ends
		wantEnd enumspb.EventType
	}{
		{name: "120-days", wantEnd: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED},
		{name: "longest-run", outage: true, wantEnd: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW},
		{name: "continued-1-day", resumed: true, until: day + time.Hour, wantEnd: enumspb.EVENT_TYPE_TIMER_STARTED},
		{name: "continued-7-days", resumed: true, until: 7*day + time.Hour, wantEnd: enumspb.EVENT_TYPE_TIMER_STARTED},
	} {
		b.Run(sc.name, func(b *testing.B) {
			world := newPaymentWorld(start, dc)
			world.outage = sc.outage
			in := input()
			if sc.resumed {
				in = world.continuedInput()
			}
			var until time.Time
			if sc.until > 0 {
				until = start.Add(sc.until)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			h, err := recordHistory(ctx, in, start, until, world, dc, fc)
			require.NoError(b, err)
			last := h.Events[len(h.Events)-1]
			require.Equal(b, sc.wantEnd, last.GetEventType(), "how %s ends", sc.name)
			if sc.wantEnd == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
				var res PaymentResult
				require.NoError(b, dc.FromPayloads(last.GetWorkflowExecutionCompletedEventAttributes().GetResult(), &res))
				require.Equal(b, StatusCompleted, res.Status, res.Reason)
			}
			writeHistory(b, sc.name, h)
			benchReplay(b, h, dc, fc)
		})
	}
	b.Run("recorded-payment-completed", func(b *testing.B) {
		h, err := client.HistoryFromJSON(mustOpen(b, filepath.Join("testdata", "payment-completed.json")), client.HistoryJSONOptions{})
		require.NoError(b, err)
		benchReplay(b, h, dc, fc)
	})
}

// benchReplay replays h as a worker does after evicting the workflow.
func benchReplay(b *testing.B, h *historypb.History, dc converter.DataConverter, fc converter.FailureConverter) {
	replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: dc, FailureConverter: fc})
	require.NoError(b, err)
	replayer.RegisterWorkflowWithOptions((&Payment{}).Run, workflow.RegisterOptions{Name: PaymentWorkflowName})
	quiet := sdklog.NewStructuredLogger(discardLogger)
	cpu := processCPU(b)
	for b.Loop() {
		if err := replayer.ReplayWorkflowHistory(quiet, h); err != nil {
			b.Fatalf("replay: %v", err)
		}
	}
	// The process' CPU time, beside ns/op: on a shared machine the wall
	// clock also counts the time others had the CPU.
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
	// After the loop: b.Loop's start drops metrics reported before it.
	b.ReportMetric(float64(len(h.Events)), "events")
	b.ReportMetric(float64(proto.Size(h))/1024, "history-KiB")
}

// processCPU is the CPU time the process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchCodec(b *testing.B) *codec.Codec {
	b.Helper()
	keys, err := codec.ParseKeys([]string{testkit.PayloadKeys})
	require.NoError(b, err)
	c, err := codec.New(keys)
	require.NoError(b, err)
	return c
}

func mustOpen(b *testing.B, path string) *os.File {
	b.Helper()
	f, err := os.Open(path)
	require.NoError(b, err)
	b.Cleanup(func() { _ = f.Close() })
	return f
}

// writeHistory writes h to REPLAYBENCH_HISTORIES, if set.
func writeHistory(b *testing.B, name string, h *historypb.History) {
	b.Helper()
	dir := os.Getenv(envReplayHistories)
	if dir == "" {
		return
	}
	data, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(h)
	require.NoError(b, err)
	require.NoError(b, os.MkdirAll(dir, 0o755))
	require.NoError(b, os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644))
}

// paymentWorld is Odoo and Afterpay for one immediate payment of 110.00
// USD, as the workflow's tests mock them (payment_test.go's harness): the
// order S00042 confirmed, the customer approving a minute after the
// checkout, invoice 5 reconciled with payment 77; on day 30 the merchant
// posts credit note 21 of 30.00 USD, which Afterpay refunds.
type paymentWorld struct {
	start    time.Time
	outage   bool // Odoo unreachable from day 40
	resumed  bool // the payment was made before start
	dc       converter.DataConverter
	captured time.Time
	settled  bool
	credits  []activities.CreditNote
	paidBack map[int64]bool
	refunds  []activities.RefundSeen
}

// newPaymentWorld reads activities' inputs with dc, the worker's.
func newPaymentWorld(start time.Time, dc converter.DataConverter) *paymentWorld {
	return &paymentWorld{start: start, dc: dc, paidBack: map[int64]bool{}}
}

// continuedInput is the payment paid, booked and settled ten days before
// start, continued as new in after_sale: the State its continueAsNew
// carries, its next daily check a day after start.
func (w *paymentWorld) continuedInput() PaymentInput {
	w.resumed, w.settled = true, true
	paid := w.start.Add(-10 * 24 * time.Hour)
	w.captured = paid
	total := usd(11000)
	s := &State{Phase: PhaseAfterSale, Status: StatusCompleted, TransactionID: 9, AfterpayOrderID: "300000000001",
		CaptureMode: CaptureImmediate, PaidAt: paid, CapturedAt: paid,
		Bookings: []Booking{{Key: "capture", PaymentID: 77, Amount: total, Open: usd(0)}},
		Ledger: Ledger{Currency: "USD", Captured: total.Minor, Entries: []LedgerEntry{
			{Key: "capture", Kind: EntryCaptured, Amount: total, At: paid, Ref: "300000000001"}}},
		NextCheck: paid.Add(11 * 24 * time.Hour),
	}
	s.Order.ID, s.Order.Name, s.Order.PartnerID, s.Order.Total = 42, "S00042", 7, &total
	s.Checkout.Token, s.Checkout.Expires = testToken, paid.Add(3*time.Hour)
	s.Checkout.RedirectURL = "https://portal.sandbox.afterpay.com/us/checkout/?token=" + testToken
	seen := returnMessage(CustomerReturn{Status: ReturnSuccess, OrderToken: testToken}).ID
	s.Inbox = Inbox{Seen: map[string]bool{seen: true}, Log: []string{seen}}
	in := input()
	in.Resume = s
	return in
}

func (w *paymentWorld) signals() []scriptedSignal {
	if w.resumed {
		return nil // a quiet week
	}
	cn := activities.CreditNote{ID: 21, Name: "RINV/2026/00021", Total: usd(3000), Residual: usd(3000), Reverses: 5}
	return []scriptedSignal{
		{at: w.start.Add(time.Minute), name: SignalCustomerReturn, arg: CustomerReturn{Status: ReturnSuccess, OrderToken: testToken}},
		{at: w.start.Add(30*24*time.Hour + 5*time.Hour), name: SignalOdooEvent,
			arg:   OdooEvent{ID: "account.move:21:posted", Kind: OdooCreditNotePosted, Model: "account.move", RecordID: 21, Name: cn.Name},
			apply: func() { w.credits = append(w.credits, cn) }},
	}
}

// activity answers as Odoo and Afterpay would.
func (w *paymentWorld) activity(now time.Time, name, taskQueue string, input *commonpb.Payloads) activityAnswer {
	if w.outage && strings.HasSuffix(taskQueue, odooQueueSuffix) && now.After(w.start.Add(40*24*time.Hour)) {
		return activityAnswer{timeout: true, err: temporal.NewApplicationError("Odoo did not answer: dial tcp 10.0.0.5:8069: connect: connection refused", activities.ErrTypeOdooUnavailable)}
	}
	took := 300 * time.Millisecond
	switch name {
	case "ReadOrderState":
		return activityAnswer{took: took, result: orderState("sale")}
	case "ReadCachedLimits":
		return activityAnswer{took: took, result: activities.CachedLimits{Found: true, Limits: activities.MerchantLimits{
			Minimum: usd(100), Maximum: usd(200000), ReadAt: w.start.Add(-30 * time.Minute)}}}
	case "CreateCheckout":
		return activityAnswer{took: took, result: activities.CheckoutCreated{Token: testToken, Expires: now.Add(3 * time.Hour), Amount: usd(11000),
			RedirectCheckoutURL: "https://portal.sandbox.afterpay.com/us/checkout/?token=" + testToken}}
	case "OpenTransaction":
		return activityAnswer{took: took, result: int64(9)}
	case "CapturePayment":
		w.captured = now
		return activityAnswer{took: 2 * time.Second, result: w.record()}
	case "LookupPayment":
		if w.captured.IsZero() {
			return activityAnswer{took: took, result: activities.PaymentLookup{}}
		}
		return activityAnswer{took: took, result: activities.PaymentLookup{Found: true, Payment: w.record()}}
	case "SetTransactionState", "PostOrderNote", "SetOrderAfterpay", "ScheduleOrderActivity":
		return activityAnswer{took: took}
	case "BookPayment":
		return activityAnswer{took: took, result: int64(77)}
	case "ReconcileInvoice":
		w.settled = true
		return activityAnswer{took: took, result: activities.Reconciled{PaymentResidual: usd(0), InvoiceResidual: usd(0)}}
	case "ReadBooks":
		var in activities.BooksInput
		if err := w.dc.FromPayloads(input, &in); err != nil {
			return activityAnswer{err: err}
		}
		return activityAnswer{took: took, result: w.books(in)}
	case "RefundPayment":
		var in activities.RefundInput
		if err := w.dc.FromPayloads(input, &in); err != nil {
			return activityAnswer{err: err}
		}
		return activityAnswer{took: 2 * time.Second, result: w.refund(now, in)}
	case "BookRefund":
		var in activities.BookRefundInput
		if err := w.dc.FromPayloads(input, &in); err != nil {
			return activityAnswer{err: err}
		}
		w.paidBack[in.CreditNoteID] = true
		return activityAnswer{took: took, result: 900 + in.CreditNoteID}
	}
	return activityAnswer{err: temporal.NewNonRetryableApplicationError("the benchmark's world has no answer for activity "+name, "Unscripted", nil)}
}

// record is Afterpay's record of the payment.
func (w *paymentWorld) record() activities.PaymentOutcome {
	p := activities.PaymentOutcome{OrderID: "300000000001", Status: "APPROVED", State: "CAPTURED", Amount: usd(11000), Created: w.captured,
		Captured: usd(11000), Refunded: usd(0), Voided: usd(0), OpenToCapture: usd(0), Refunds: w.refunds, LastCaptureID: "c-300000000001"}
	for _, r := range w.refunds {
		p.Refunded.Minor += r.Amount.Minor
	}
	p.Net = usd(p.Captured.Minor - p.Refunded.Minor)
	return p
}

// books is the order's invoices and credit notes in Odoo.
func (w *paymentWorld) books(in activities.BooksInput) activities.Books {
	inv := invoice5
	books := activities.Books{Invoices: []activities.Invoice{inv}, PaidOnInvoices: usd(0), PaidBackOnCreditNotes: usd(0)}
	if w.settled {
		books.Invoices[0].Residual, books.PaidOnInvoices = usd(0), usd(11000)
	}
	for _, cn := range w.credits {
		if w.paidBack[cn.ID] {
			books.PaidBackOnCreditNotes.Minor += cn.Total.Minor
			cn.Residual = usd(0)
		}
		known := false
		for _, id := range in.KnownCreditNotes {
			known = known || id == cn.ID
		}
		if !known {
			books.CreditNotes = append(books.CreditNotes, cn)
		}
	}
	return books
}

// refund refunds at Afterpay, once per request ID.
func (w *paymentWorld) refund(now time.Time, in activities.RefundInput) activities.RefundOutcome {
	ref := in.MerchantReference + "|" + in.RequestID
	for _, r := range w.refunds {
		if r.MerchantReference == ref {
			return activities.RefundOutcome{RefundID: r.RefundID, RefundedAt: r.At}
		}
	}
	r := activities.RefundSeen{RefundID: fmt.Sprintf("r-%d", len(w.refunds)+1), Amount: in.Amount, At: now, MerchantReference: ref}
	w.refunds = append(w.refunds, r)
	return activities.RefundOutcome{RefundID: r.RefundID, RefundedAt: r.At}
}
