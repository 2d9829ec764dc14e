// Command starter is the operator's and integrator's CLI:
//
//	starter start -order S00042   start (or find) an order's payment workflow
//	starter status -order S00042  show where an order's payment stands: a short
//	                              summary, then the whole state as JSON
//	starter demo [-order S00042]  confirm a demo order and pay it end to end
//	starter setup-odoo            prepare an Odoo 18 database for the product
//	starter reconcile [-from DAY] [-to DAY] [-json]
//	                              compare Afterpay, Odoo and the payment workflows
//	                              now and print the report
//	starter doctor [-json]        check everything the product depends on
//
// and the operator's actions on a payment, sent to its workflow as the
// workflows.UpdateOperatorAction update, whose answer they print:
//
//	starter retry -order S00042 [-by WHO]                       run the step it is parked on again now
//	starter resolve -order S00042 -note TEXT [-by WHO]          record that step as handled by hand
//	starter refund -order S00042 [-amount 12.50] [-note TEXT]   give captured money back (all held without -amount)
//	starter void -order S00042 [-amount 12.50] [-note TEXT]     release authorised, uncaptured money
//
// A payment refuses an action that makes no sense now; the command then
// prints "refused: <reason>" and exits with status 1. -by (default $USER)
// and -note go on the order's chatter; -amount is a decimal with at most two
// places, in the payment's currency.
//
// It reads the same configuration as the worker and the API (see README);
// `make demo` points it at the .dev/dev.env file `make dev` writes.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/internal/shopper"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/provision"
	"github.com/odoo-afterpay/bridge/workflows"
)

const usage = `usage: starter <command> [flags]

commands:
  start -order NAME [-id ID]   start the payment workflow of a confirmed Odoo sale order
  status -order NAME           print where an order's payment stands (a summary, then the JSON)
  demo [-order NAME]           confirm a demo order in Odoo and pay it through the simulator
  setup-odoo                   create the Afterpay provider, fields and automation rules in Odoo
  reconcile [-from DAY] [-to DAY] [-json]
                               compare Afterpay, Odoo and the payment workflows now (days YYYY-MM-DD, UTC;
                               default: RECONCILE_DAYS up to now), start missing payments, print the report
` + doctorUsage + operatorUsage + disputeUsage

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1], os.Args[2:], os.Stdout)
	var usageErr usageError
	var refused refusedError
	var unhealthy doctorFailedError
	switch {
	case errors.As(err, &usageErr):
		fmt.Fprintf(os.Stderr, "%v\n\n%s", err, usage)
		os.Exit(2)
	case errors.As(err, &unhealthy):
		os.Exit(1) // the report says what failed
	case errors.As(err, &refused):
		fmt.Fprintln(os.Stderr, refused)
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

type usageError struct{ error }

// dialTemporal connects to Temporal; tests replace it.
var dialTemporal = app.DialTemporal

func run(ctx context.Context, cmd string, args []string, out io.Writer) error {
	if cmd == "doctor" {
		// Its own flags; it reports a configuration it cannot read itself.
		return doctorCommand(ctx, args, out)
	}
	if cmd == "reconcile" {
		return reconcileCommand(ctx, args, out) // its own flags: -from, -to, -json
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	order := fs.String("order", "", "Odoo sale order name, e.g. S00042")
	id := fs.Int64("id", 0, "Odoo sale order id (optional hint)")
	by := fs.String("by", os.Getenv("USER"), "operator's name, for the order's chatter (retry, resolve, refund, void)")
	note := fs.String("note", "", "what was done by hand (resolve), or why the money goes back (refund, void)")
	amount := fs.String("amount", "", "amount to refund or void, e.g. 12.50; all that can be without it")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	var action workflows.OperatorAction
	if isOperatorCommand(cmd) {
		// Checked before anything is configured or dialled.
		var err error
		action, err = operatorAction(cmd, operatorFlags{order: *order, note: *note, amount: *amount, by: *by, extra: fs.Args()})
		if err != nil {
			return err
		}
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	logger := logging.New(os.Stderr, cfg.Log.Format, max(cfg.Log.Level, slog.LevelWarn))
	switch cmd {
	case string(workflows.ActionRetry), string(workflows.ActionResolve), string(workflows.ActionRefund), string(workflows.ActionVoid):
		c, err := dialTemporal(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer c.Close()
		wid := workflows.PaymentWorkflowID(cfg.Odoo.Database, *order)
		if err := sendOperatorAction(ctx, c, wid, action, out); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s\n", webUI(cfg, wid))
		return nil
	case "start":
		if *order == "" {
			return usageError{errors.New("start needs -order")}
		}
		c, err := dialTemporal(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer c.Close()
		outcome, run, err := workflows.StartPayment(ctx, c, cfg.Temporal.TaskQueue, paymentInput(cfg, *order, *id))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: workflow %s\n  %s\n", outcome, run.GetID(), webUI(cfg, run.GetID()))
		return nil
	case "status":
		if *order == "" {
			return usageError{errors.New("status needs -order")}
		}
		c, err := dialTemporal(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer c.Close()
		id := workflows.PaymentWorkflowID(cfg.Odoo.Database, *order)
		var view workflows.StatusView
		if err := query(ctx, c, id, workflows.QueryStatus, &view); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(view, "", "  ")
		fmt.Fprintf(out, "%s\n%s\n  %s\n", statusSummary(view), b, webUI(cfg, id))
		return nil
	case "demo":
		return demo(ctx, cfg, *order, out)
	case "disputes", "dispute", "dispute-accept", "dispute-evidence":
		return disputeCommand(ctx, cfg, logger, cmd, *order, fs.Args(), out)
	case "setup-odoo":
		od, err := app.NewOdooClient(cfg, logger)
		if err != nil {
			return err
		}
		report, err := provision.Run(ctx, od, provision.Options{APIBaseURL: cfg.API.PublicURL, WebhookToken: cfg.API.WebhookToken.Reveal()})
		if err != nil {
			return err
		}
		fmt.Fprintln(out, report)
		return nil
	}
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}

func paymentInput(cfg config.Config, order string, id int64) workflows.PaymentInput {
	return workflows.PaymentInput{
		Database: cfg.Odoo.Database, OrderName: order, OrderID: id,
		ReturnURL: cfg.API.PublicURL + "/afterpay/return", ConfirmationTimeout: cfg.Payment.OrderConfirmationTimeout,
		CaptureMode: cfg.Payment.CaptureMode,
	}
}

func webUI(cfg config.Config, workflowID string) string {
	return api.WebUILink(cfg.Temporal.UIURL, cfg.Temporal.Namespace, workflowID)
}

// query asks the order's payment workflow (running or ended) a query.
func query(ctx context.Context, c client.Client, workflowID, name string, out any) error {
	val, err := c.QueryWorkflow(ctx, workflowID, "", name)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("no payment workflow %s: %w", workflowID, err)
	}
	if err != nil {
		return fmt.Errorf("ask %s where the payment stands: %w", workflowID, err)
	}
	return val.Get(out)
}

// demo confirms a demo quotation in Odoo and follows its payment: Odoo's
// automation rule starts the workflow, a simulated customer approves at the
// Afterpay simulator, the workflow captures and records the payment.
func demo(ctx context.Context, cfg config.Config, orderName string, out io.Writer) error {
	logger := logging.New(io.Discard, logging.FormatText, slog.LevelWarn)
	od, err := app.NewOdooClient(cfg, logger)
	if err != nil {
		return err
	}
	order, err := demoOrder(ctx, od, orderName)
	if err != nil {
		return err
	}
	tc, err := dialTemporal(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer tc.Close()
	workflowID := workflows.PaymentWorkflowID(cfg.Odoo.Database, order.Name)
	fmt.Fprintf(out, "1. Choosing Afterpay on quotation %s (%s) in Odoo at %s (its payment term), and confirming it\n", order.Name, order.AmountTotal, cfg.Odoo.URL)
	term, err := od.FindAfterpayPaymentTerm(ctx)
	if err != nil {
		return fmt.Errorf("find the Afterpay payment term (run setup-odoo): %w", err)
	}
	if err := od.Write(ctx, "sale.order", []int64{order.ID}, map[string]any{"payment_term_id": term}, nil); err != nil {
		return fmt.Errorf("choose Afterpay on %s: %w", order.Name, err)
	}
	if err := od.ConfirmSaleOrder(ctx, order.ID); err != nil {
		return fmt.Errorf("confirm %s: %w", order.Name, err)
	}
	fmt.Fprintf(out, "   Odoo's automation rule posted the order to the API; its workflow:\n   %s\n", webUI(cfg, workflowID))

	fmt.Fprintf(out, "2. Waiting for the Afterpay checkout\n")
	var info workflows.CheckoutInfo
	err = poll(ctx, 90*time.Second, func() (bool, error) {
		if err := query(ctx, tc, workflowID, workflows.QueryCheckout, &info); err != nil {
			return false, nil // the workflow may not exist for a moment
		}
		return info.RedirectCheckoutURL != "" || isFinal(info.Status), nil
	})
	if err != nil {
		return fmt.Errorf("no checkout for %s: %w (is `make dev` running?)", order.Name, err)
	}
	if info.RedirectCheckoutURL == "" {
		return fmt.Errorf("order %s ended as %s: %s", order.Name, info.Status, info.Reason)
	}
	fmt.Fprintf(out, "   Checkout %s, customer page:\n   %s\n", info.Token, info.RedirectCheckoutURL)

	fmt.Fprintf(out, "3. The customer approves on Afterpay's page\n")
	landing, err := shopper.Checkout(ctx, info.RedirectCheckoutURL, shopper.Approve)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   Browser returned to %s (HTTP %d)\n", landing.URL, landing.Status)

	fmt.Fprintf(out, "4. Waiting for the capture and the Odoo records\n")
	err = poll(ctx, 90*time.Second, func() (bool, error) {
		return query(ctx, tc, workflowID, workflows.QueryCheckout, &info) == nil && isFinal(info.Status), nil
	})
	if err != nil {
		return fmt.Errorf("payment of %s did not finish: %w", order.Name, err)
	}
	if info.Status != workflows.StatusCompleted {
		return fmt.Errorf("payment of %s ended as %s: %s", order.Name, info.Status, info.Reason)
	}
	tx, err := od.ReadTransaction(ctx, info.TransactionID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "   Captured: Afterpay order %s; Odoo payment.transaction %s is %s\n", info.AfterpayOrderID, tx.Reference, tx.State)
	fmt.Fprintf(out, "Done. The workflow stays open for refunds and disputes until Afterpay's refund window closes:\n   %s\n", webUI(cfg, workflowID))
	return nil
}

// demoOrder picks the named order, or the oldest quotation; when the demo
// has used them all, it creates a new quotation like the last order.
func demoOrder(ctx context.Context, od *odoo.Client, name string) (*odoo.SaleOrder, error) {
	if name != "" {
		return od.FindSaleOrderByName(ctx, name)
	}
	ids, err := od.Search(ctx, "sale.order", []any{[]any{"state", "=", "draft"}}, &odoo.SearchOptions{Limit: 1, Order: "id asc"})
	if err != nil {
		return nil, fmt.Errorf("find a demo quotation: %w", err)
	}
	if len(ids) == 1 {
		return od.ReadSaleOrder(ctx, ids[0])
	}
	ids, err = od.Search(ctx, "sale.order", nil, &odoo.SearchOptions{Limit: 1, Order: "id desc"})
	if err != nil || len(ids) == 0 {
		return nil, fmt.Errorf("no sale order in Odoo to base a demo order on: %v", err)
	}
	last, err := od.ReadSaleOrder(ctx, ids[0])
	if err != nil {
		return nil, err
	}
	draft := odoo.SaleOrderDraft{PartnerID: last.Partner.ID, ClientOrderRef: fmt.Sprintf("demo-%d", time.Now().UnixNano())}
	for _, l := range last.Lines {
		qty, whole := l.WholeQuantity()
		if l.DisplayType != "" || l.IsDelivery || !whole || l.ProductID == 0 {
			continue
		}
		price := l.PriceUnit
		draft.Lines = append(draft.Lines, odoo.SaleOrderDraftLine{ProductID: l.ProductID, Quantity: int64(qty), PriceUnit: &price})
	}
	id, err := od.CreateSaleOrder(ctx, draft)
	if err != nil {
		return nil, fmt.Errorf("create a demo quotation: %w", err)
	}
	return od.ReadSaleOrder(ctx, id)
}

func isFinal(s workflows.Status) bool {
	switch s {
	case workflows.StatusAwaitingOrder, workflows.StatusCreatingCheckout, workflows.StatusAwaitingCustomer,
		workflows.StatusCapturing, workflows.StatusRecording, workflows.StatusCompensating:
		return false
	}
	return true
}

func poll(ctx context.Context, limit time.Duration, done func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}
