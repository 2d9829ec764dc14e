package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/internal/app"
	"github.com/odoo-afterpay/bridge/workflows"
)

// disputeUsage documents the dispute commands; the usage text lists them.
const disputeUsage = `  disputes [-order NAME] [STATUS]      list Afterpay disputes (of one order; STATUS e.g. needs_response)
  dispute DISPUTE_ID                   show one dispute
  dispute-accept DISPUTE_ID -yes       accept a dispute: it closes as lost and the customer gets the amount back
  dispute-evidence DISPUTE_ID [flags]  contest a dispute with evidence (once; see dispute-evidence -h)
`

// disputeCommand runs the dispute commands against Afterpay's disputes API
// with the product's Afterpay client. Afterpay then sends its signed
// "updated" webhook, which the API turns into a signal to the order's
// workflow (its chatter and activity).
func disputeCommand(ctx context.Context, cfg config.Config, logger *slog.Logger, cmd, order string, args []string, out io.Writer) error {
	ap, err := app.NewAfterpayClient(cfg, logger)
	if err != nil {
		return err
	}
	switch cmd {
	case "disputes":
		return listDisputes(ctx, cfg, logger, ap, order, args, out)
	case "dispute":
		id, _, err := disputeID(cmd, args)
		if err != nil {
			return err
		}
		d, err := ap.GetDispute(ctx, id)
		if err != nil {
			return err
		}
		printDispute(out, d)
		return nil
	case "dispute-accept":
		id, rest, err := disputeID(cmd, args)
		if err != nil {
			return err
		}
		fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
		yes := fs.Bool("yes", false, "confirm: accepting cannot be undone")
		if err := fs.Parse(rest); err != nil {
			return usageError{err}
		}
		if !*yes {
			d, err := ap.GetDispute(ctx, id)
			if err != nil {
				return err
			}
			printDispute(out, d)
			return usageError{fmt.Errorf("accepting dispute %s gives the customer %s back and cannot be undone: add -yes to accept it", id, d.Amount)}
		}
		d, err := ap.AcceptDispute(ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Dispute %s accepted: it is %s.\n", d.ID, d.Status)
		printDispute(out, d)
		return nil
	case "dispute-evidence":
		id, rest, err := disputeID(cmd, args)
		if err != nil {
			return err
		}
		evidence, err := evidenceFlags(cmd, rest)
		if err != nil {
			return err
		}
		d, err := ap.SubmitDisputeEvidence(ctx, id, evidence)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Evidence submitted for dispute %s: it is %s.\n", d.ID, d.Status)
		printDispute(out, d)
		return nil
	}
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}

// disputeID takes the dispute id, the first argument.
func disputeID(cmd string, args []string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, usageError{fmt.Errorf("%s needs the dispute id first, e.g. %s dp_5kRZ4vJ9qS2x", cmd, cmd)}
	}
	return args[0], args[1:], nil
}

func evidenceFlags(cmd string, args []string) (afterpay.DisputeEvidence, error) {
	var e afterpay.DisputeEvidence
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.StringVar(&e.UncategorizedText, "text", "", "anything else relevant, in words")
	fs.StringVar(&e.ProductDescription, "product", "", "the product or service, as shown to the customer")
	fs.StringVar(&e.ShippingCarrier, "carrier", "", "delivery service(s), comma-separated")
	fs.StringVar(&e.ShippingTrackingNumber, "tracking", "", "tracking number")
	fs.StringVar(&e.ShippingDate, "shipping-date", "", "when the goods left, e.g. 2026-03-02")
	fs.StringVar(&e.ShippingAddress, "shipping-address", "", "where the goods were shipped")
	fs.StringVar(&e.RefundPolicyDisclosure, "refund-policy-disclosure", "", "how and when the customer was shown the refund policy")
	fs.StringVar(&e.RefundRefusalExplanation, "refund-refusal", "", "why the customer is not entitled to a refund")
	fs.StringVar(&e.ShippingDocumentation, "shipping-documentation", "", "id of an uploaded file: shipping label or receipt")
	fs.StringVar(&e.RefundPolicy, "refund-policy", "", "id of an uploaded file: the refund policy")
	fs.StringVar(&e.UncategorizedFile, "file", "", "id of another uploaded file")
	if err := fs.Parse(args); err != nil {
		return e, usageError{err}
	}
	if fs.NArg() > 0 {
		return e, usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	if e.IsZero() {
		return e, usageError{errors.New("dispute-evidence needs at least one piece of evidence, e.g. -tracking 1Z999 -carrier UPS")}
	}
	return e, nil
}

func listDisputes(ctx context.Context, cfg config.Config, logger *slog.Logger, ap *afterpay.Client, order string, args []string, out io.Writer) error {
	params := afterpay.ListDisputesParams{Limit: 50}
	if len(args) > 1 {
		return usageError{fmt.Errorf("disputes takes at most one status, got %q", args)}
	}
	if len(args) == 1 {
		params.Status = args[0]
	}
	if order != "" {
		token, err := orderToken(ctx, cfg, logger, order)
		if err != nil {
			return err
		}
		params.Order = token
	}
	list, err := ap.ListDisputes(ctx, params)
	if err != nil {
		return err
	}
	if len(list.Data) == 0 {
		fmt.Fprintln(out, "No disputes.")
		return nil
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DISPUTE\tORDER\tSTATUS\tAMOUNT\tREASON\tRESPOND BY")
	for _, d := range list.Data {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s %s\t%s\t%s\n", d.ID, d.MerchantOrderID, d.Status, d.Amount, d.Currency, d.Reason, when(d.ResponseDueBy))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if list.Total > len(list.Data) {
		fmt.Fprintf(out, "(%d of %d shown)\n", len(list.Data), list.Total)
	}
	return nil
}

// orderToken is the checkout token of an order's payment, from its
// workflow's search attributes.
func orderToken(ctx context.Context, cfg config.Config, logger *slog.Logger, order string) (string, error) {
	c, err := dialTemporal(ctx, cfg, logger)
	if err != nil {
		return "", err
	}
	defer c.Close()
	desc, err := c.DescribeWorkflowExecution(ctx, workflows.PaymentWorkflowID(cfg.Odoo.Database, order), "")
	if err != nil {
		return "", fmt.Errorf("order %s: %w", order, err)
	}
	token, ok := workflows.KeywordAttribute(desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields(), workflows.AfterpayTokenKey.GetName())
	if !ok || token == "" {
		return "", fmt.Errorf("order %s has no Afterpay checkout", order)
	}
	return token, nil
}

func printDispute(out io.Writer, d *afterpay.Dispute) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %s\t%s\n", k, v)
		}
	}
	row("dispute", d.ID)
	row("order", d.MerchantOrderID)
	row("checkout token", d.Order)
	row("status", d.Status)
	row("open", fmt.Sprint(d.Open))
	row("amount", strings.TrimSpace(d.Amount+" "+d.Currency))
	row("reason", d.Reason)
	row("respond by", when(d.ResponseDueBy))
	row("opened", when(d.CreatedAt))
	row("closing reason", d.ClosingReason)
	row("customer's note", d.OpeningNote)
	_ = w.Flush()
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
