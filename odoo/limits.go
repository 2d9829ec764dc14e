package odoo

import (
	"context"
	"errors"
	"fmt"
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

// ReadMerchantLimits reads the limits cached on the Afterpay
// payment.provider; nil when none were ever written (a fresh database).
// A fault naming an x_afterpay field means Odoo was not provisioned.
func (c *Client) ReadMerchantLimits(ctx context.Context) (*MerchantLimits, error) {
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
