package afterpay

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/sony/gobreaker/v2"
)

// ErrCircuitOpen is the cause of a call the client did not send because
// Afterpay failed every recent call: during an outage the client stops
// hammering it and fails fast, as a TransportError with NotSent set (the
// call had no effect), until a trial call succeeds.
var ErrCircuitOpen = errors.New("afterpay circuit breaker open: recent calls failed, this one was not sent")

// BreakerConfig trips the client's circuit breaker. The zero value takes
// the defaults.
type BreakerConfig struct {
	// Failures is how many calls in a row must fail (no answer, 5xx or
	// 429) to open the circuit; default 10.
	Failures uint32
	// Cooldown is how long it stays open before one trial call; default
	// 15 s.
	Cooldown time.Duration
	// Disabled turns the breaker off.
	Disabled bool
	// OnStateChange is told of every change ("closed", "open",
	// "half-open"), e.g. for metrics.
	OnStateChange func(to string)
}

// breaker guards every call of one client.
type breaker struct {
	cb *gobreaker.CircuitBreaker[struct{}]
}

func newBreaker(cfg BreakerConfig, log *slog.Logger) *breaker {
	if cfg.Disabled {
		return nil
	}
	if cfg.Failures == 0 {
		cfg.Failures = 10
	}
	if cfg.Cooldown <= 0 {
		cfg.Cooldown = 15 * time.Second
	}
	return &breaker{cb: gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "afterpay",
		MaxRequests: 1,
		Timeout:     cfg.Cooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= cfg.Failures },
		// Only an outage counts: Afterpay's business answers (declined,
		// invalid, 401) prove it is up.
		IsSuccessful: func(err error) bool { return !outage(err) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			log.Warn("Afterpay circuit breaker", "from", from.String(), "to", to.String())
			if cfg.OnStateChange != nil {
				cfg.OnStateChange(to.String())
			}
		},
	})}
}

// outage reports whether err says Afterpay is down or overloaded.
func outage(err error) bool {
	var tErr *TransportError
	if errors.As(err, &tErr) {
		return true
	}
	var apiErr *Error
	return errors.As(err, &apiErr) && (apiErr.HTTPStatusCode >= 500 || apiErr.HTTPStatusCode == http.StatusTooManyRequests)
}

// call runs send through the breaker; an open circuit answers at once.
func (b *breaker) call(endpoint string, send func() (*response, error)) (*response, error) {
	if b == nil {
		return send()
	}
	var resp *response
	_, err := b.cb.Execute(func() (struct{}, error) {
		var err error
		resp, err = send()
		return struct{}{}, err
	})
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return nil, &TransportError{Endpoint: endpoint, NotSent: true, Err: ErrCircuitOpen}
	}
	return resp, err
}

// BreakerState is the circuit breaker's state: "closed", "open" or
// "half-open" ("disabled" without one).
func (c *Client) BreakerState() string {
	if c.breaker == nil {
		return "disabled"
	}
	return c.breaker.cb.State().String()
}
