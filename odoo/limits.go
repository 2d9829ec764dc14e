package odoo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/odoo-afterpay/bridge/money"
)

// The merchant's Afterpay order limits are kept on the Afterpay
// payment.provider, where every worker reads them and merchants see them:
// the maximum in Odoo's own maximum_amount ("Maximum Amount" on the
// provider's form; Odoo 18 has no minimum), the rest in fields setup-odoo
// provisions.
const (
	// FieldProviderMaximum is Odoo's own payment.provider.maximum_amount.
	FieldProviderMaximum = "maximum_amount"
	// FieldLimitsMinimum is the merchant's minimum order total (0: none).
	FieldLimitsMinimum = "x_afterpay_minimum_amount"
	// FieldLimitsCurrency is the currency of both limits (Afterpay's).
	FieldLimitsCurrency = "x_afterpay_limits_currency"
	// FieldLimitsRefreshed is when they were last read from Afterpay.
	FieldLimitsRefreshed = "x_afterpay_limits_refreshed"
)

// MerchantLimits are the order totals Afterpay accepts for this merchant,
// as last read from GET /v2/configuration.
type MerchantLimits struct {
	// Minimum is zero when the merchant has no minimum.
	Minimum money.Money
	Maximum money.Money
	// RefreshedAt is when they were read from Afterpay; the zero time
	// means they never were (ReadMerchantLimits then returns nil).
	RefreshedAt time.Time
}

var merchantLimitsFields = []string{FieldProviderMaximum, FieldLimitsMinimum, FieldLimitsCurrency, FieldLimitsRefreshed}

// limitsTTL bounds how long ReadMerchantLimits trusts what it last read.
// The limits change at most once per refresh (hourly by default), and a
// stale minute costs nothing: Afterpay's checkout enforces the same limits.
// Every payment reads them, so one read a minute replaces one a payment.
const limitsTTL = time.Minute

// limitsCache holds the limits ReadMerchantLimits last read.
type limitsCache struct {
	mu      sync.Mutex
	limits  *MerchantLimits // nil: none written yet
	expires time.Time
}

func (l *limitsCache) get(now time.Time) (*MerchantLimits, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.expires) {
		return nil, false
	}
	if l.limits == nil {
		return nil, true
	}
	copied := *l.limits
	return &copied, true
}

func (l *limitsCache) set(limits *MerchantLimits, expires time.Time) {
	if limits != nil {
		copied := *limits
		limits = &copied
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits, l.expires = limits, expires
}

// ReadMerchantLimits reads the limits cached on the Afterpay
// payment.provider; nil when none were ever written (a fresh database).
// What it read is reused for limitsTTL, and until this client writes new
// limits. A fault naming an x_afterpay field means Odoo was not provisioned.
func (c *Client) ReadMerchantLimits(ctx context.Context) (*MerchantLimits, error) {
	now := c.now()
	if l, ok := c.limits.get(now); ok {
		return l, nil
	}
	l, err := c.readMerchantLimits(ctx)
	if err != nil {
		return nil, err
	}
	c.limits.set(l, now.Add(limitsTTL))
	return l, nil
}

func (c *Client) readMerchantLimits(ctx context.Context) (*MerchantLimits, error) {
	id, err := c.afterpayProviderID(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := c.readOne(ctx, "payment.provider", id, merchantLimitsFields, map[string]any{"active_test": false})
	if err != nil {
		return nil, fmt.Errorf("odoo: read the merchant limits on payment.provider %d: %w", id, provisioningHint(err))
	}
	d := newDecoder("payment.provider", rec)
	currency, refreshed := d.str(FieldLimitsCurrency), d.time(FieldLimitsRefreshed)
	if err := d.Err(); err != nil {
		return nil, err
	}
	if currency == "" || refreshed.IsZero() {
		return nil, nil
	}
	out := &MerchantLimits{RefreshedAt: refreshed}
	out.Maximum, out.Minimum = d.money(FieldProviderMaximum, currency), d.money(FieldLimitsMinimum, currency)
	if err := d.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// WriteMerchantLimits caches l on the Afterpay payment.provider, in one
// write (a retried write writes the same values).
func (c *Client) WriteMerchantLimits(ctx context.Context, l MerchantLimits) error {
	switch {
	case l.Maximum.Currency == "" || l.Maximum.Minor <= 0:
		return errors.New("odoo: write the merchant limits: the maximum is missing")
	case l.Minimum.Minor < 0 || l.Minimum.Minor > l.Maximum.Minor:
		return fmt.Errorf("odoo: write the merchant limits: minimum %s is not between 0 and the maximum %s", l.Minimum.Amount(), l.Maximum)
	case l.Minimum.Currency != "" && l.Minimum.Currency != l.Maximum.Currency:
		return fmt.Errorf("odoo: write the merchant limits: minimum in %s, maximum in %s", l.Minimum.Currency, l.Maximum.Currency)
	case l.RefreshedAt.IsZero():
		return errors.New("odoo: write the merchant limits: RefreshedAt is required")
	}
	id, err := c.afterpayProviderID(ctx)
	if err != nil {
		return err
	}
	// The next read is Odoo's answer, whatever this write does.
	defer c.limits.set(nil, time.Time{})
	err = c.Write(ctx, "payment.provider", []int64{id}, map[string]any{
		FieldProviderMaximum: wireDouble(l.Maximum.Amount()),
		FieldLimitsMinimum:   wireDouble(money.Money{Minor: l.Minimum.Minor, Currency: l.Maximum.Currency}.Amount()),
		FieldLimitsCurrency:  l.Maximum.Currency,
		FieldLimitsRefreshed: FormatDatetime(l.RefreshedAt),
	}, map[string]any{"active_test": false})
	if err != nil {
		return fmt.Errorf("odoo: write the merchant limits on payment.provider %d: %w", id, provisioningHint(err))
	}
	return nil
}

// afterpayProviderID is the Afterpay payment.provider, archived or not.
func (c *Client) afterpayProviderID(ctx context.Context) (int64, error) {
	id, err := c.provisioned.get(ctx, "payment.provider", c.now(), func(ctx context.Context) (int64, error) {
		return c.searchOne(ctx, "payment.provider", []any{[]any{"name", "=", ProviderName}}, map[string]any{"active_test": false})
	})
	if err != nil {
		return 0, fmt.Errorf("odoo: find the %s payment.provider: %w", ProviderName, err)
	}
	if id == 0 {
		return 0, fmt.Errorf("odoo: find the %s payment.provider (run setup-odoo): %w", ProviderName, ErrNotFound)
	}
	return id, nil
}
