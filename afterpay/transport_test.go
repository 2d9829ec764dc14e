package afterpay

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// blockingServer answers nothing until the client gives up (the request's
// context ends when the client drops the connection) or the test ends.
// arrived receives one value per request that reached the handler.
func blockingServer(t *testing.T) (srv *httptest.Server, arrived chan struct{}) {
	t.Helper()
	arrived = make(chan struct{}, 16)
	done := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv, arrived
}

// TestReadTimeoutPerEndpointClass: a tiny timeout for one class fires while
// the other class's timeout is an hour; the caller's own context (a minute)
// is still alive afterwards, so it was the endpoint's timeout that fired.
func TestReadTimeoutPerEndpointClass(t *testing.T) {
	tests := []struct {
		name     string
		timeouts Timeouts
		call     func(ctx context.Context, c *Client) error
	}{
		{"look-up uses Read", Timeouts{Read: 50 * time.Millisecond, MoneyRead: time.Hour}, func(ctx context.Context, c *Client) error {
			_, err := c.GetPayment(ctx, "300000016189")
			return err
		}},
		{"ping uses Read", Timeouts{Read: 50 * time.Millisecond, MoneyRead: time.Hour}, func(ctx context.Context, c *Client) error {
			return c.Ping(ctx)
		}},
		{"capture uses MoneyRead", Timeouts{Read: time.Hour, MoneyRead: 50 * time.Millisecond}, func(ctx context.Context, c *Client) error {
			_, err := c.CapturePayment(ctx, &CaptureRequest{Token: testToken})
			return err
		}},
		{"refund uses MoneyRead", Timeouts{Read: time.Hour, MoneyRead: 50 * time.Millisecond}, func(ctx context.Context, c *Client) error {
			_, err := c.Refund(ctx, "1", &RefundRequest{RequestID: "r", MerchantReference: "m", Amount: usd(100)})
			return err
		}},
		{"reversal uses MoneyRead", Timeouts{Read: time.Hour, MoneyRead: 50 * time.Millisecond}, func(ctx context.Context, c *Client) error {
			return c.ReversePaymentByToken(ctx, testToken)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := blockingServer(t)
			c := newTestClient(t, srv.URL, func(cfg *Config) { cfg.Timeouts = tt.timeouts })
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()

			err := tt.call(ctx, c)
			require.NoError(t, ctx.Err(), "the caller's context must still be alive")
			var tErr *TransportError
			require.ErrorAs(t, err, &tErr)
			require.True(t, tErr.Timeout())
			require.True(t, tErr.OutcomeUnknown(), "the request was sent; it may have been committed")
			require.True(t, IsOutcomeUnknown(err))
			require.True(t, IsRetryable(err))
			require.ErrorIs(t, err, context.DeadlineExceeded)
		})
	}
}

func TestCallerCancellationIsNotRetryable(t *testing.T) {
	srv, arrived := blockingServer(t)
	c := newTestClient(t, srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := c.Auth(ctx, &AuthRequest{RequestID: "r", Token: testToken})
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, tErr.Timeout())
	require.True(t, IsOutcomeUnknown(err), "the auth reached Afterpay before the caller gave up")
	require.False(t, IsRetryable(err), "the caller gave up; retrying in its context cannot help")
}

func TestConnectionRefusedIsNotSent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	c := newTestClient(t, "http://"+addr)
	_, err = c.CapturePayment(t.Context(), &CaptureRequest{Token: testToken})
	var tErr *TransportError
	require.ErrorAs(t, err, &tErr)
	require.True(t, tErr.NotSent, "a refused dial never reached Afterpay: %v", err)
	require.False(t, tErr.OutcomeUnknown())
	require.False(t, tErr.Timeout())
	require.True(t, IsRetryable(err))
	require.Equal(t, "POST /v2/payments/capture", tErr.Endpoint)
}

// hijackServer lets a handler write raw bytes and drop the connection.
func hijackServer(t *testing.T, raw string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
		_ = conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDroppedConnectionIsOutcomeUnknown(t *testing.T) {
	tests := []struct {
		name string
		raw  string
	}{
		{"closed before any answer", ""},
		{"closed mid-body", "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\" : \"3000"},
		{"garbage instead of HTTP", "SSH-2.0-OpenSSH\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hijackServer(t, tt.raw)
			c := newTestClient(t, srv.URL)
			p, err := c.CapturePayment(t.Context(), &CaptureRequest{Token: testToken})
			require.Nil(t, p)
			var tErr *TransportError
			require.ErrorAs(t, err, &tErr)
			require.False(t, tErr.Timeout())
			require.True(t, tErr.OutcomeUnknown(), "the capture may have been committed")
			require.True(t, IsRetryable(err))
		})
	}
}

func TestConnectionsAreReused(t *testing.T) {
	var mu sync.Mutex
	newConns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/payments/missing":
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, afterpayErrorBody(CodeNotFound, "e", "Order not found", 404))
		default:
			_, _ = io.WriteString(w, paymentCapturedJSON)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			newConns++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	c := newTestClient(t, srv.URL)
	for i := 0; i < 3; i++ {
		_, err := c.GetPayment(t.Context(), "300000016189")
		require.NoError(t, err)
		_, err = c.GetPayment(t.Context(), "missing")
		require.True(t, IsNotFound(err))
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, newConns, "six sequential calls must share one connection")
}

func TestTransportErrorUnwrap(t *testing.T) {
	base := errors.New("boom")
	e := &TransportError{Endpoint: "GET /x", Err: base}
	require.ErrorIs(t, e, base)
	require.Contains(t, e.Error(), "GET /x")
	require.Contains(t, e.Error(), "boom")
}
