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
	"strings"
	"time"

	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/internal/logging"
	"github.com/odoo-afterpay/bridge/workflows"
)

// reconcilePeriod turns -from and -to (whole UTC days, both included) into
// the period [from, to) a reconciliation compares. Neither: zero times, and
// the reconciliation takes RECONCILE_DAYS up to now; one: the other is
// RECONCILE_DAYS away (-to alone) or today (-from alone).
func reconcilePeriod(fromDay, toDay string, days int, now time.Time) (time.Time, time.Time, error) {
	if fromDay == "" && toDay == "" {
		return time.Time{}, time.Time{}, nil
	}
	parse := func(flag, v string) (time.Time, error) {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return time.Time{}, usageError{fmt.Errorf("-%s %q is not a date such as 2026-03-01", flag, v)}
		}
		return d, nil
	}
	today := now.UTC().Truncate(24 * time.Hour)
	to := today.AddDate(0, 0, 1)
	if toDay != "" {
		d, err := parse("to", toDay)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		to = d.AddDate(0, 0, 1)
	}
	from := to.AddDate(0, 0, -days)
	if fromDay != "" {
		d, err := parse("from", fromDay)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		from = d
	}
	if !from.Before(to) {
		return time.Time{}, time.Time{}, usageError{fmt.Errorf("-from %s is after -to %s", fromDay, toDay)}
	}
	return from, to, nil
}

// reconcileCommand runs a reconciliation now and prints its report:
// `starter reconcile [-from YYYY-MM-DD] [-to YYYY-MM-DD] [-json]`.
func reconcileCommand(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fromDay := fs.String("from", "", "first day compared, YYYY-MM-DD (UTC)")
	toDay := fs.String("to", "", "last day compared, YYYY-MM-DD (UTC)")
	jsonOnly := fs.Bool("json", false, "print the report as JSON only")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("reconcile takes no arguments, got %q", strings.Join(fs.Args(), " "))}
	}
	// The dates are checked before anything is configured or dialled.
	if _, _, err := reconcilePeriod(*fromDay, *toDay, 1, time.Now()); err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	from, to, err := reconcilePeriod(*fromDay, *toDay, cfg.Payment.ReconcileDays, time.Now())
	if err != nil {
		return err
	}
	logger := logging.New(os.Stderr, cfg.Log.Format, max(cfg.Log.Level, slog.LevelWarn))
	c, err := dialTemporal(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	rep, id, err := app.RunReconciliation(ctx, c, cfg, from, to)
	if err != nil {
		if id != "" {
			return fmt.Errorf("%w\n  %s", err, webUI(cfg, id))
		}
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return errors.New("the report could not be printed: " + err.Error())
	}
	if *jsonOnly {
		fmt.Fprintf(out, "%s\n", b)
		return nil
	}
	fmt.Fprintf(out, "%s\n%s\n  %s\n", reconcileSummary(rep), b, webUI(cfg, id))
	return nil
}

// reconcileSummary is the report in a few lines for people.
func reconcileSummary(rep *workflows.ReconciliationReport) string {
	var b strings.Builder
	c := rep.Counts
	fmt.Fprintf(&b, "Reconciliation of %s to %s\n", rep.From.UTC().Format(time.RFC3339), rep.To.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "  compared      %d Afterpay payments, %d confirmed Afterpay orders, %d payments in the Afterpay journal\n",
		c.AfterpayPayments, c.OdooOrders, c.OdooPayments)
	fmt.Fprintf(&b, "  agree         %d (and %d under way, left alone)\n", c.Matched, c.InFlight)
	fmt.Fprintf(&b, "  started       %d payment workflows", c.Started)
	for _, s := range rep.Started {
		fmt.Fprintf(&b, ", %s (%s)", s.OrderName, s.Outcome)
	}
	b.WriteString("\n")
	for _, u := range rep.Unstarted {
		fmt.Fprintf(&b, "  not started   %s: %s\n", u.OrderName, u.Reason)
	}
	if len(rep.Drift) == 0 {
		b.WriteString("  drift         none: Afterpay and Odoo agree\n")
		return b.String()
	}
	fmt.Fprintf(&b, "  drift         %d (%d captured at Afterpay and not in Odoo, %d in Odoo and not at Afterpay, %d amounts differ); finance has %d activities in Odoo\n",
		c.Drift(), c.CapturedNotInOdoo, c.NotAtAfterpay, c.AmountsDiffer, c.Activities)
	for _, d := range rep.Drift {
		order := d.OrderName
		if order == "" {
			order = "no order"
		}
		fmt.Fprintf(&b, "    %-24s Afterpay order %s (%s): Afterpay %s, Odoo %s\n", d.Kind, orNone(d.AfterpayOrderID), order, d.Afterpay, d.Odoo)
		fmt.Fprintf(&b, "      %s\n", d.Detail)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
