package app

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/api"
	"github.com/odoo-afterpay/bridge/config"
	"github.com/odoo-afterpay/bridge/odoo"
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo"
)

const testToken = "serve-test-webhook-token-0123"

// serve runs handler with opts on a free port until the test ends; it
// returns the address and a channel that gets ServeListenerWith's result.
func serve(t *testing.T, ctx context.Context, handler http.Handler, opts ServerOptions) (string, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	ready := make(chan string, 1)
	go func() { done <- ServeListenerWith(ctx, ln, handler, ready, opts) }()
	return <-ready, done
}

// closedWithin reports whether the server closes conn within d (reading and
// discarding whatever it answers first).
func closedWithin(conn net.Conn, d time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return err == nil || !(errors.As(err, &ne) && ne.Timeout())
}

// Every phase of a connection has a deadline: slow headers, slow bodies
// (authenticated or not), idle keep-alive connections and answers nobody
// reads are not held.
func TestServerTimeouts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opts := ServerOptions{
		ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond, WriteTimeout: 400 * time.Millisecond,
		IdleTimeout: 300 * time.Millisecond, ShutdownTimeout: time.Second, MaxHeaderBytes: 8 << 10,
	}
	mux := http.NewServeMux()
	mux.Handle("/", api.NewHandler(nil, api.Options{WebhookToken: testToken, Database: "db", PublicURL: "http://x"}))
	mux.HandleFunc("/sleep", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(900 * time.Millisecond)
		_, _ = w.Write([]byte(strings.Repeat("x", 1<<20)))
	})
	addr, _ := serve(t, ctx, mux, opts)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("slow headers", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "POST /odoo/webhook/order-confirmed?token="+testToken+" HTTP/1.1\r\nHost: x\r\n")
		require.True(t, closedWithin(c, 2*time.Second), "held past ReadHeaderTimeout")
	})
	t.Run("slow body with a valid token", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "POST /odoo/webhook/order-confirmed?token="+testToken+" HTTP/1.1\r\nHost: x\r\n"+
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"_model\":")
		start := time.Now()
		require.True(t, closedWithin(c, 3*time.Second), "held past ReadTimeout")
		require.Less(t, time.Since(start), 2*time.Second)
	})
	t.Run("slow body with a wrong token is refused at once", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "POST /odoo/webhook/order-confirmed?token=wrong HTTP/1.1\r\nHost: x\r\n"+
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		_ = c.SetReadDeadline(time.Now().Add(150 * time.Millisecond)) // well before ReadTimeout
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err, "no answer before the body arrived")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
	t.Run("idle keep-alive connection", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		start := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err = br.ReadByte()
		require.ErrorIs(t, err, io.EOF, "held past IdleTimeout")
		require.Less(t, time.Since(start), 1500*time.Millisecond)
	})
	t.Run("an answer that takes too long to write", func(t *testing.T) {
		c := dial()
		_, _ = io.WriteString(c, "GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n")
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
		}
		require.Error(t, err, "the connection is cut at WriteTimeout")
	})
}

// Graceful shutdown: the request in flight finishes; meanwhile new
// connections are refused, not accepted and dropped half-way.
func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	entered, release := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	addr, done := serve(t, ctx, handler, DefaultServerOptions)

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	<-entered
	cancel()
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return false
		}
		return true
	}, 2*time.Second, 10*time.Millisecond, "new connections are refused during the shutdown")
	select {
	case got := <-answer:
		t.Fatalf("the request in flight ended early: %s", got)
	case <-done:
		t.Fatal("the server stopped before its request finished")
	default:
	}
	close(release)
	require.Equal(t, "finished", <-answer)
	require.NoError(t, <-done)
}

// The API's order look-up is one search on sale.order by name.
func TestOdooOrdersFindsOrdersByName(t *testing.T) {
	fake, err := fakeodoo.NewDemo(fakeodoo.Options{Database: "demo", Users: []fakeodoo.User{{Login: "admin", Password: "pw", UID: 2}}})
	require.NoError(t, err)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := odoo.NewClient(odoo.Config{URL: srv.URL, Database: "demo", Username: "admin", Password: "pw", Timeout: 5 * time.Second})
	require.NoError(t, err)
	orders := OdooOrders{Client: c}
	id, found, err := orders.FindOrder(context.Background(), "S00001")
	require.NoError(t, err)
	require.True(t, found)
	require.NotZero(t, id)
	for _, name := range []string{"S99999", "S00001' OR '1'='1", "s00001"} {
		_, found, err = orders.FindOrder(context.Background(), name)
		require.NoError(t, err)
		require.False(t, found, name)
	}
}

// APIHandler wires the configuration's settings, the previous token among
// them, into the API.
func TestAPIHandlerAcceptsBothTokensOfARotation(t *testing.T) {
	cfg, err := config.Load(config.MapLookup(map[string]string{
		"ODOO_PASSWORD": "pw", "AFTERPAY_MERCHANT_ID": "m", "AFTERPAY_SECRET_KEY": "k",
		"ODOO_WEBHOOK_TOKEN": testToken, "ODOO_WEBHOOK_TOKEN_PREVIOUS": "previous-token-0123456789",
		"ODOO_URL": "http://127.0.0.1:1", "ODOO_TIMEOUT": "1s", "PAYLOAD_ENCRYPTION_KEYS": appTestKeys,
	}))
	require.NoError(t, err)
	h := APIHandler(cfg, nil, slog.New(slog.DiscardHandler))
	for tok, want := range map[string]int{testToken: http.StatusUnprocessableEntity, "previous-token-0123456789": http.StatusUnprocessableEntity, "other-token-0123456789": http.StatusUnauthorized} {
		req := httptest.NewRequest(http.MethodPost, "/odoo/webhook/order-confirmed?token="+tok, strings.NewReader(`{"_model":"res.partner"}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, want, rec.Code, tok)
	}
}
