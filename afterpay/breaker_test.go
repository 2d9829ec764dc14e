package afterpay

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTheBreakerStopsCallingAfterpayDuringAnOutageAndTriesAgainAfterTheCooldown(t *testing.T) {
	var calls atomic.Int32
	var status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte(`{"errorCode":"service_unavailable","errorId":"e1","message":"down","httpStatusCode":503}`))
	}))
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	var states []string
	c := newTestClient(t, srv.URL, func(cfg *Config) {
		cfg.Breaker = BreakerConfig{Failures: 3, Cooldown: 200 * time.Millisecond, OnStateChange: func(to string) {
			mu.Lock()
			defer mu.Unlock()
			states = append(states, to)
		}}
	})
	ctx := context.Background()
	for range 3 {
		_, err := c.GetPayment(ctx, "100101")
		var apiErr *Error
		require.ErrorAs(t, err, &apiErr, "Afterpay's own 503")
	}
	require.Equal(t, "open", c.BreakerState())

	_, err := c.GetPayment(ctx, "100101")
	require.ErrorIs(t, err, ErrCircuitOpen)
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	require.False(t, tErr.OutcomeUnknown(), "a call the breaker stopped was not sent")
	require.True(t, IsRetryable(err))
	require.EqualValues(t, 3, calls.Load(), "nothing reached Afterpay while the circuit was open")

	// Afterpay comes back; after the cooldown one trial call goes through
	// and closes the circuit.
	status.Store(http.StatusNotFound)
	time.Sleep(250 * time.Millisecond)
	_, err = c.GetPayment(ctx, "100101")
	require.True(t, IsNotFound(err), "a business answer: Afterpay is up (%v)", err)
	require.Equal(t, "closed", c.BreakerState())
	mu.Lock()
	require.Equal(t, []string{"open", "half-open", "closed"}, states)
	mu.Unlock()
}

func TestBusinessAnswersNeverOpenTheBreaker(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"errorCode":"unauthorized","errorId":"e1","message":"bad credentials","httpStatusCode":401}`))
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Breaker = BreakerConfig{Failures: 2} })
	for range 5 {
		_, err := c.GetPayment(context.Background(), "100101")
		require.False(t, errors.Is(err, ErrCircuitOpen))
	}
	require.Equal(t, "closed", c.BreakerState())
	require.Equal(t, "disabled", newTestClient(t, srv.URL, func(cfg *Config) { cfg.Breaker.Disabled = true }).BreakerState())
}
