package afterpay

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/odoo-afterpay/bridge/money"
)

// Values for GetConfiguration's include parameter.
const (
	IncludePublicID         = "publicid"
	IncludeConsumerLending  = "consumerlending"
	IncludePayByInstallment = "paybyinstallment"
)

// Configuration is the merchant's order limits and, when asked for, extras.
type Configuration struct {
	// MinimumAmount is nil when the merchant has no minimum.
	MinimumAmount *money.Money `json:"minimumAmount,omitempty"`
	// MaximumAmount is the largest order total Afterpay accepts.
	MaximumAmount money.Money `json:"maximumAmount"`
	// PublicID is the merchant public identifier (MPID), with IncludePublicID.
	PublicID string `json:"publicId,omitempty"`
	// ConsumerLending is present with IncludeConsumerLending.
	ConsumerLending *ConsumerLending `json:"consumerLending,omitempty"`
	// PayByInstallment is present with IncludePayByInstallment.
	PayByInstallment *AmountRange `json:"payByInstallment,omitempty"`
}

// Accepts reports whether an order total lies within [MinimumAmount,
// MaximumAmount], inclusive, in the configuration's currency. Checkouts
// outside it are rejected with unsupported_payment_type.
func (c *Configuration) Accepts(total money.Money) bool {
	if total.Currency != c.MaximumAmount.Currency || total.Minor > c.MaximumAmount.Minor {
		return false
	}
	if c.MinimumAmount != nil && total.Minor < c.MinimumAmount.Minor {
		return false
	}
	return total.Minor > 0
}

// ConsumerLending says whether consumer lending is enabled and for which totals.
type ConsumerLending struct {
	Enabled       bool         `json:"enabled"`
	MinimumAmount *money.Money `json:"minimumAmount,omitempty"`
	MaximumAmount *money.Money `json:"maximumAmount,omitempty"`
}

// AmountRange is an inclusive range of order totals.
type AmountRange struct {
	MinimumAmount *money.Money `json:"minimumAmount,omitempty"`
	MaximumAmount *money.Money `json:"maximumAmount,omitempty"`
}

// Ping checks that Afterpay's API answers: GET /ping, unauthenticated,
// text/plain "pong".
func (c *Client) Ping(ctx context.Context) error {
	r := &request{method: http.MethodGet, path: "/ping", class: classRead, noAuth: true, accept: "*/*"}
	resp, err := c.send(ctx, r, false)
	if err != nil {
		return err
	}
	// A 200 from anything but Afterpay (a captive portal, a misrouted base
	// URL) must not pass for a healthy API.
	if !bytes.EqualFold(bytes.TrimSpace(resp.body), []byte("pong")) {
		return &DecodeError{Endpoint: r.endpoint(), HTTPStatusCode: resp.status,
			Err: fmt.Errorf("want body %q, got %q", "pong", snippet(resp.body))}
	}
	return nil
}

// GetConfiguration reads the merchant's order limits. include asks for
// optional fields (IncludePublicID, IncludeConsumerLending,
// IncludePayByInstallment); each is sent as its own include= parameter.
func (c *Client) GetConfiguration(ctx context.Context, include ...string) (*Configuration, error) {
	r := &request{method: http.MethodGet, path: "/v2/configuration", class: classRead}
	if len(include) > 0 {
		r.query = url.Values{"include": include}
	}
	var out Configuration
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
