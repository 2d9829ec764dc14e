package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/odoo-afterpay/bridge/afterpay"
	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

// ErrTypeNotWired: the worker's client lacks a call an activity needs (a
// wiring bug, not weather).
const ErrTypeNotWired = "NotWired"

// ConfigurationReader is the part of *afterpay.Client FetchMerchantLimits
// uses. It is asserted on Activities.Afterpay, so that the clients' test
// doubles need not grow it.
type ConfigurationReader interface {
	GetConfiguration(ctx context.Context, include ...string) (*afterpay.Configuration, error)
}

// LimitsStore is the part of *odoo.Client that keeps the merchant's limits
// (on the Afterpay payment.provider). It is asserted on Activities.Odoo.
type LimitsStore interface {
	ReadMerchantLimits(ctx context.Context) (*odoo.MerchantLimits, error)
	WriteMerchantLimits(ctx context.Context, l odoo.MerchantLimits) error
}

// MerchantLimits are the order totals Afterpay accepts for the merchant.
type MerchantLimits struct {
	// Minimum is zero (in Maximum's currency) when the merchant has none.
	Minimum money.Money `json:"minimum"`
	Maximum money.Money `json:"maximum"`
	// ReadAt is when they were read from Afterpay.
	ReadAt time.Time `json:"readAt"`
}

// CachedLimits is what Odoo holds of the limits: Found is false before the
// first refresh.
type CachedLimits struct {
	Found  bool           `json:"found"`
	Limits MerchantLimits `json:"limits,omitzero"`
}

// FetchMerchantLimits reads the merchant's limits from Afterpay (GET
// /v2/configuration). ReadAt is the time of the answer.
func (a *Activities) FetchMerchantLimits(ctx context.Context) (*MerchantLimits, error) {
	r, ok := a.Afterpay.(ConfigurationReader)
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError("the Afterpay client cannot read the configuration", ErrTypeNotWired, nil)
	}
	cfg, err := r.GetConfiguration(ctx)
	if err != nil {
		return nil, afterpayFailure("get configuration", err)
	}
	limits := MerchantLimits{Minimum: money.Money{Currency: cfg.MaximumAmount.Currency}, Maximum: cfg.MaximumAmount, ReadAt: time.Now().UTC().Truncate(time.Second)}
	if cfg.MinimumAmount != nil {
		limits.Minimum = *cfg.MinimumAmount
	}
	if limits.Maximum.Currency == "" || limits.Maximum.Minor <= 0 || limits.Minimum.Currency != limits.Maximum.Currency ||
		limits.Minimum.Minor < 0 || limits.Minimum.Minor > limits.Maximum.Minor {
		// Afterpay answered, with nothing a retry would change.
		return nil, temporal.NewNonRetryableApplicationError("afterpay get configuration: unusable limits "+limits.Minimum.String()+" to "+limits.Maximum.String(),
			ErrTypeAfterpayRejected, nil, AfterpayRejection{ErrorCode: "invalid_configuration", Message: "minimum " + limits.Minimum.String() + ", maximum " + limits.Maximum.String()})
	}
	return &limits, nil
}

// ReadCachedLimits reads the limits last saved in Odoo.
func (a *Activities) ReadCachedLimits(ctx context.Context) (*CachedLimits, error) {
	s, ok := a.Odoo.(LimitsStore)
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError("the Odoo client cannot read the merchant limits", ErrTypeNotWired, nil)
	}
	l, err := s.ReadMerchantLimits(ctx)
	if err != nil {
		return nil, odooFailure("read the merchant limits", err)
	}
	if l == nil {
		return &CachedLimits{}, nil
	}
	return &CachedLimits{Found: true, Limits: MerchantLimits{Minimum: l.Minimum, Maximum: l.Maximum, ReadAt: l.RefreshedAt}}, nil
}

// SaveMerchantLimits saves the limits in Odoo, on the Afterpay
// payment.provider, for every worker and for the merchant to see.
func (a *Activities) SaveMerchantLimits(ctx context.Context, in MerchantLimits) error {
	s, ok := a.Odoo.(LimitsStore)
	if !ok {
		return temporal.NewNonRetryableApplicationError("the Odoo client cannot save the merchant limits", ErrTypeNotWired, nil)
	}
	if err := s.WriteMerchantLimits(ctx, odoo.MerchantLimits{Minimum: in.Minimum, Maximum: in.Maximum, RefreshedAt: in.ReadAt}); err != nil {
		return odooFailure("save the merchant limits", err)
	}
	return nil
}
