package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/odoo-afterpay/bridge/activities"
	"github.com/odoo-afterpay/bridge/money"
)

// MerchantLimitsWorkflowName is the registered name of the refresh of the
// merchant's limits: it reads Afterpay's configuration (the smallest and
// largest order total Afterpay accepts for this merchant) and caches it in
// Odoo, on the Afterpay payment.provider, where every worker's payments
// read it before they ask Afterpay for a checkout.
const MerchantLimitsWorkflowName = "MerchantLimitsWorkflow"

// ErrTypeLimitsRefreshFailed is the failure of a refresh that could not
// read Afterpay's configuration (or not save it): the run fails with it, so
// that the schedule's recent runs, the Web UI and the SDK's workflow_failed
// metric (workflow_type MerchantLimitsWorkflow) show it. Its details are the
// MerchantLimitsResult: the last good limits, which stay in force.
const ErrTypeLimitsRefreshFailed = "MerchantLimitsRefreshFailed"

// limitsVersionChange gates the limit check in the payment workflow, which
// histories recorded before it do not have.
const limitsVersionChange = "merchant-limits-check"

// MerchantLimitsScheduleID is the id of the Temporal Schedule that
// refreshes the merchant's limits for an Odoo database (hourly by default).
func MerchantLimitsScheduleID(database string) string { return "afterpay-merchant-limits:" + database }

// MerchantLimitsWorkflowID is the id of a refresh run on demand at at.
func MerchantLimitsWorkflowID(database string, at time.Time) string {
	return MerchantLimitsScheduleID(database) + ":manual:" + at.UTC().Format("20060102T150405.000000000Z")
}

// MerchantLimitsInput starts a refresh.
type MerchantLimitsInput struct {
	// Database is the Odoo database whose provider holds the limits.
	Database string `json:"database"`
}

// MerchantLimitsResult is what a refresh did: its result, or the details of
// its ErrTypeLimitsRefreshFailed failure. Metrics and alerts count
// RefreshFailed and watch LastGoodAt's age.
type MerchantLimitsResult struct {
	// RefreshFailed: Afterpay's configuration could not be read or saved;
	// Error says why. The limits in force are the last good ones.
	RefreshFailed bool   `json:"refreshFailed"`
	Error         string `json:"error,omitempty"`
	// Limits are the limits in force after the run (nil: none known, the
	// payments leave the limits to Afterpay's checkout).
	Limits *activities.MerchantLimits `json:"limits,omitempty"`
	// LastGoodAt is when Limits were read from Afterpay.
	LastGoodAt time.Time `json:"lastGoodAt,omitzero"`
	// Changed: this run replaced different limits (or none).
	Changed bool `json:"changed,omitempty"`
	// Previous are the limits before the run, when there were any.
	Previous *activities.MerchantLimits `json:"previous,omitempty"`
}

// MerchantLimits refreshes the cached limits. A failed refresh keeps the
// last good ones (nothing is written), logs an error and fails the run with
// ErrTypeLimitsRefreshFailed.
func MerchantLimits(ctx workflow.Context, in MerchantLimitsInput) (*MerchantLimitsResult, error) {
	logger := workflow.GetLogger(ctx)
	if in.Database == "" {
		return nil, temporal.NewNonRetryableApplicationError("merchant limits input: database is empty", "InvalidInput", nil)
	}
	res := &MerchantLimitsResult{}
	var cached activities.CachedLimits
	cachedErr := workflow.ExecuteActivity(titled(onOdoo(ctx, limitsOdooOptions()), "Read the cached Afterpay limits in Odoo"), act.ReadCachedLimits).Get(ctx, &cached)
	if cachedErr == nil && cached.Found {
		prev := cached.Limits
		res.Previous, res.Limits, res.LastGoodAt = &prev, &prev, prev.ReadAt
	}
	var fresh activities.MerchantLimits
	err := workflow.ExecuteActivity(titled(onAfterpay(ctx, limitsAfterpayOptions()), "Read the merchant's limits at Afterpay"), act.FetchMerchantLimits).Get(ctx, &fresh)
	if err == nil && cachedErr != nil {
		// Saving needs Odoo too; it failed a moment ago.
		err = cachedErr
	}
	if err == nil {
		err = workflow.ExecuteActivity(titled(onOdoo(ctx, limitsOdooOptions()), "Save the Afterpay limits "+fresh.Minimum.Amount()+" to "+fresh.Maximum.String()+" in Odoo"),
			act.SaveMerchantLimits, fresh).Get(ctx, nil)
	}
	if err != nil {
		res.RefreshFailed, res.Error = true, failureText(err)
		kept := "no limits are known yet; payments leave them to Afterpay's checkout"
		if res.Limits != nil {
			kept = fmt.Sprintf("the last good limits stay in force: %s to %s, read at %s",
				res.Limits.Minimum.Amount(), res.Limits.Maximum, res.Limits.ReadAt.UTC().Format(time.RFC3339))
		}
		logger.Error("Afterpay merchant limits refresh failed; "+kept, "error", res.Error)
		return nil, temporal.NewNonRetryableApplicationError("the merchant's Afterpay limits could not be refreshed: "+res.Error+"; "+kept,
			ErrTypeLimitsRefreshFailed, nil, *res)
	}
	res.Changed = res.Previous == nil || res.Previous.Minimum != fresh.Minimum || res.Previous.Maximum != fresh.Maximum
	res.Limits, res.LastGoodAt = &fresh, fresh.ReadAt
	if res.Changed {
		logger.Info("Afterpay merchant limits changed", "minimum", fresh.Minimum.String(), "maximum", fresh.Maximum.String())
	}
	return res, nil
}

// failureText is an activity failure's own message, without the SDK's
// wrapping.
func failureText(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	return err.Error()
}

// limitsAfterpayOptions: a refresh is worth a few minutes; the next one
// comes with the schedule.
func limitsAfterpayOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second, ScheduleToCloseTimeout: 3 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 4},
	}
}

func limitsOdooOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 45 * time.Second, ScheduleToCloseTimeout: 3 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 4},
	}
}

// limitReasons says why total is outside the merchant's limits; none when
// it is inside (both ends inclusive, as Afterpay's own check).
func limitReasons(total money.Money, l activities.MerchantLimits) []string {
	accepts := fmt.Sprintf("Afterpay accepts orders from %s to %s for this merchant (read at %s)",
		l.Minimum.Amount(), l.Maximum, l.ReadAt.UTC().Format("2006-01-02 15:04 MST"))
	switch {
	case total.Currency != l.Maximum.Currency:
		return []string{fmt.Sprintf("the order is in %s, but the merchant's Afterpay limits are in %s: %s", total.Currency, l.Maximum.Currency, accepts)}
	case total.Minor > l.Maximum.Minor:
		return []string{fmt.Sprintf("the order total %s is above the merchant's Afterpay maximum of %s: %s", total, l.Maximum, accepts)}
	case total.Minor < l.Minimum.Minor:
		return []string{fmt.Sprintf("the order total %s is below the merchant's Afterpay minimum of %s %s: %s", total, l.Minimum.Amount(), l.Maximum.Currency, accepts)}
	}
	return nil
}

// checkMerchantLimits ends the payment not_payable, before any checkout,
// when the order's total is outside the merchant's cached limits. Limits
// that cannot be read leave the decision to Afterpay's checkout, which
// enforces the same limits: a payment is never held up by the cache.
func (r *run) checkMerchantLimits(ctx workflow.Context) (ended bool) {
	if r.s.Order.Total == nil || workflow.GetVersion(ctx, limitsVersionChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return false
	}
	var cached activities.CachedLimits
	err := workflow.ExecuteActivity(titled(onOdoo(ctx, parkNoteOptions()), "Read the merchant's Afterpay limits in Odoo"), act.ReadCachedLimits).Get(ctx, &cached)
	if err != nil {
		r.logger.Warn("Merchant limits unreadable; Afterpay's checkout checks them", "error", failureText(err))
		return false
	}
	if !cached.Found {
		return false
	}
	reasons := limitReasons(*r.s.Order.Total, cached.Limits)
	if len(reasons) == 0 {
		return false
	}
	reason := reasons[0]
	r.endWithoutMoney(ctx, Ending{Status: StatusNotPayable, Reason: reason, Note: "Afterpay cannot be used for this order: " + reason + "."})
	return true
}
