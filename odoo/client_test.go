package odoo_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/odoo"
)

func TestNewClientValidatesConfig(t *testing.T) {
	valid := odoo.Config{URL: "http://127.0.0.1:8069", Database: "db", Username: "admin", Password: "pw"}
	tests := []struct {
		name   string
		mutate func(*odoo.Config)
		ok     bool
	}{
		{"valid", func(*odoo.Config) {}, true},
		{"valid https with path prefix", func(c *odoo.Config) { c.URL = "https://erp.example.com/odoo/" }, true},
		{"no scheme", func(c *odoo.Config) { c.URL = "127.0.0.1:8069" }, false},
		{"ftp", func(c *odoo.Config) { c.URL = "ftp://host" }, false},
		{"credentials in URL", func(c *odoo.Config) { c.URL = "http://admin:pw@host" }, false},
		{"query", func(c *odoo.Config) { c.URL = "http://host/?db=x" }, false},
		{"no database", func(c *odoo.Config) { c.Database = "" }, false},
		{"no username", func(c *odoo.Config) { c.Username = "" }, false},
		{"no password", func(c *odoo.Config) { c.Password = "" }, false},
		{"negative timeout", func(c *odoo.Config) { c.Timeout = -time.Second }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.mutate(&cfg)
			_, err := odoo.NewClient(cfg)
			if tt.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.NotContains(t, err.Error(), "pw@", "error must not echo credentials")
		})
	}
}

func TestVersionFromTranscript(t *testing.T) {
	s := newStubOdoo(t)
	s.raw = func(c stubCall) (int, []byte, bool) { return 200, transcript(t, "001-common-version"), true }
	c, _ := newTestClient(t, s)
	v, err := c.Version(context.Background())
	require.NoError(t, err)
	require.Equal(t, &odoo.ServerVersion{ServerVersion: "18.0", Serie: "18.0", Major: 18, Minor: 0, ReleaseLevel: "final", ProtocolVersion: 1}, v)
	require.Equal(t, "version", s.calls[0].Method)
	require.Empty(t, s.calls[0].Params)
}

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name       string
		password   string
		response   string // transcript whose bytes answer
		wantUID    int64
		wantErr    error
		wantAlarms int
	}{
		{"password", testPassword, "002-common-authenticate-ok", 2, nil, 0},
		{"api key", testAPIKey, "007-common-authenticate-apikey", 2, nil, 0},
		{"wrong password answers False", "wrong-password", "003-common-authenticate-badpw", 0, odoo.ErrBadCredentials, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStubOdoo(t)
			s.raw = func(c stubCall) (int, []byte, bool) { return 200, transcript(t, tt.response), true }
			c, logs := newTestClient(t, s, func(cfg *odoo.Config) { cfg.Password = tt.password })
			uid, err := c.Authenticate(context.Background())
			require.Equal(t, tt.wantUID, uid)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				require.True(t, odoo.IsAccessAlarm(err))
				require.False(t, odoo.IsRetryable(err))
			} else {
				require.NoError(t, err)
			}
			// The request is authenticate(db, login, secret, {}).
			params := s.calls[0].Params
			require.Len(t, params, 4)
			require.Equal(t, []any{"afterpay_test", "admin", tt.password}, params[:3])
			require.Empty(t, params[3]) // kolo decodes the empty struct {} as a nil map
			require.Equal(t, tt.wantAlarms, strings.Count(logs.String(), "level=ERROR"))
			require.NotContains(t, logs.String(), tt.password)
		})
	}
}

func TestExecuteKWAuthenticatesOnceAndSendsCredentials(t *testing.T) {
	s := newAfterpayOdoo(t)
	s.secrets[testAPIKey] = true
	c, logs := newTestClient(t, s.stubOdoo, func(cfg *odoo.Config) { cfg.Password = testAPIKey })
	ctx := context.Background()
	for range 3 {
		_, err := c.ExecuteKW(ctx, "res.partner", "read", []any{[]any{42}}, map[string]any{"fields": []any{"name"}})
		require.NoError(t, err)
	}
	auths, objects := 0, 0
	for _, call := range s.calls {
		switch call.Service {
		case "common":
			auths++
		case "object":
			objects++
			require.Equal(t, []any{"afterpay_test", int64(2), testAPIKey, "res.partner", "read"}, call.Params[:5])
		}
	}
	require.Equal(t, 1, auths, "the uid is cached")
	require.Equal(t, 3, objects)
	require.NotContains(t, logs.String(), testAPIKey)
}

func TestExecuteKWNormalisesValues(t *testing.T) {
	s := newAfterpayOdoo(t)
	var got stubCall
	s.on("res.partner", "probe", func(st *stubOdoo, c stubCall) (any, error) { got = c; return true, nil })
	c, _ := newTestClient(t, s.stubOdoo)
	when := time.Date(2026, 11, 24, 13, 25, 6, 0, time.FixedZone("AEDT", 11*3600))
	var nilMoney *money.Money
	_, err := c.ExecuteKW(context.Background(), "res.partner", "probe",
		[]any{nil, when, money.MustNew(28313, "USD"), nilMoney, []any{nil, 7}},
		map[string]any{"context": map[string]any{"tz": nil}})
	require.NoError(t, err)
	require.Equal(t, []any{false, "2026-11-24 02:25:06", 283.13, false, []any{false, int64(7)}}, got.Args)
	require.Equal(t, map[string]any{"context": map[string]any{"tz": false}}, got.Kwargs)
}

// Faults, with the exact bytes Odoo 18 answered (odoo-transcripts).
func TestFaultsFromTranscripts(t *testing.T) {
	tests := []struct {
		transcript                                string
		code                                      int
		kind                                      odoo.FaultKind
		message                                   string
		retryable, applied, alarm, business, logs bool
	}{
		{"076-fault-execute_kw-wrong-password", 3, odoo.KindAccessDenied, "Access Denied", false, false, true, false, true},
		{"077-fault-execute_kw-unknown-uid", 2, odoo.KindUnknownUser, "Record does not exist or has been deleted.\n(Record: res.users(99999,), User: 99999)", false, false, true, false, true},
		{"078-fault-private-method", 4, odoo.KindAccessError, "Private methods (such as _set_done) cannot be called remotely.", false, false, true, false, true},
		{"079-fault-unknown-model", 2, odoo.KindBusiness, "Object x.no.such.model doesn't exist", false, false, false, true, false},
		{"081-fault-confirm-twice", 2, odoo.KindBusiness, "Some orders are not in a state requiring confirmation.", false, false, false, true, false},
		{"085-fault-write-missing-record", 2, odoo.KindBusiness, "Record does not exist or has been deleted.\n(Record: sale.order(99999999,), User: 2)", false, false, false, true, false},
		{"080-fault-unknown-method", 1, odoo.KindApplication, "AttributeError: The method 'no_such_method' does not exist on the model 'sale.order'", false, false, false, false, false},
		{"065-payment.transaction-write-bad-state", 1, odoo.KindApplication, "ValueError: Wrong value for payment.transaction.state: 'captured'", false, false, false, false, false},
		{"089-fault-none-result-action_lock", 1, odoo.KindProbablyApplied, "TypeError: cannot marshal None unless allow_none is enabled", false, true, false, false, false},
		{"029-sale.advance.payment.inv-create_invoices", 1, odoo.KindProbablyApplied, "TypeError: cannot marshal None unless allow_none is enabled", false, true, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.transcript, func(t *testing.T) {
			s := newStubOdoo(t)
			s.raw = func(c stubCall) (int, []byte, bool) {
				if c.Service == "object" {
					return 200, transcript(t, tt.transcript), true
				}
				return 0, nil, false
			}
			c, logs := newTestClient(t, s)
			_, err := c.ExecuteKW(context.Background(), "sale.order", "action_lock", []any{[]any{37}}, nil)
			require.Error(t, err)
			f, ok := odoo.AsFault(err)
			require.True(t, ok, "want a *Fault, got %T %v", err, err)
			require.Equal(t, tt.code, f.Code)
			require.Equal(t, tt.kind, f.Kind())
			require.Equal(t, tt.message, f.Message)
			require.Equal(t, "sale.order", f.Model)
			require.Equal(t, "action_lock", f.Method)
			if tt.code == 1 {
				require.True(t, strings.HasPrefix(f.Traceback, "Traceback (most recent call last):"))
			} else {
				require.Empty(t, f.Traceback)
			}
			require.Equal(t, tt.retryable, odoo.IsRetryable(err), "IsRetryable")
			require.Equal(t, tt.applied, odoo.IsProbablyApplied(err), "IsProbablyApplied")
			require.Equal(t, tt.alarm, odoo.IsAccessAlarm(err), "IsAccessAlarm")
			require.Equal(t, tt.business, odoo.IsBusiness(err), "IsBusiness")
			require.Equal(t, tt.logs, strings.Contains(logs.String(), "level=ERROR"), "alarm logged at ERROR")
			require.NotContains(t, logs.String(), testPassword)
		})
	}
}

func TestAccessDeniedForgetsTheUID(t *testing.T) {
	s := newAfterpayOdoo(t)
	c, _ := newTestClient(t, s.stubOdoo)
	ctx := context.Background()
	_, err := c.Read(ctx, "res.partner", []int64{42}, []string{"name"}, nil)
	require.NoError(t, err)

	// The password is revoked: the next call faults 3, the one after it
	// re-authenticates and reports bad credentials.
	delete(s.secrets, testPassword)
	_, err = c.Read(ctx, "res.partner", []int64{42}, []string{"name"}, nil)
	require.True(t, odoo.IsAccessAlarm(err))
	_, err = c.Read(ctx, "res.partner", []int64{42}, []string{"name"}, nil)
	require.ErrorIs(t, err, odoo.ErrBadCredentials)
}

func TestTransportFailures(t *testing.T) {
	t.Run("HTTP 500 is retryable", func(t *testing.T) {
		s := newStubOdoo(t)
		s.raw = func(stubCall) (int, []byte, bool) { return 500, []byte("<html>Internal Server Error</html>"), true }
		c, _ := newTestClient(t, s)
		_, err := c.Version(context.Background())
		var he *odoo.HTTPError
		require.ErrorAs(t, err, &he)
		require.Equal(t, 500, he.StatusCode)
		require.True(t, odoo.IsRetryable(err))
		require.Contains(t, err.Error(), "bad status code - 500")
	})
	t.Run("HTTP 404 is final", func(t *testing.T) {
		s := newStubOdoo(t)
		s.raw = func(stubCall) (int, []byte, bool) { return 404, nil, true }
		c, _ := newTestClient(t, s)
		_, err := c.Version(context.Background())
		require.False(t, odoo.IsRetryable(err))
	})
	t.Run("HTML with 200 is a protocol error", func(t *testing.T) {
		s := newStubOdoo(t)
		s.raw = func(stubCall) (int, []byte, bool) { return 200, []byte("<html><body>login</body></html>"), true }
		c, _ := newTestClient(t, s)
		_, err := c.Version(context.Background())
		var pe *odoo.ProtocolError
		require.ErrorAs(t, err, &pe)
		require.False(t, odoo.IsRetryable(err))
	})
	t.Run("connection refused is retryable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		c, err := odoo.NewClient(odoo.Config{URL: "http://" + addr, Database: "db", Username: "u", Password: testPassword})
		require.NoError(t, err)
		_, err = c.Authenticate(context.Background())
		var te *odoo.TransportError
		require.ErrorAs(t, err, &te)
		require.False(t, te.Timeout)
		require.True(t, odoo.IsRetryable(err))
		require.NotContains(t, err.Error(), testPassword)
	})
	t.Run("connection reset mid-answer is retryable", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<?xml"))
			_ = conn.Close()
		}))
		defer srv.Close()
		c, err := odoo.NewClient(odoo.Config{URL: srv.URL, Database: "db", Username: "u", Password: testPassword})
		require.NoError(t, err)
		_, err = c.Version(context.Background())
		require.True(t, odoo.IsRetryable(err), "%v", err)
	})
}

// hangingServer never answers until the request is abandoned.
func hangingServer(t *testing.T) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

func TestTimeouts(t *testing.T) {
	t.Run("Config.Timeout", func(t *testing.T) {
		srv := hangingServer(t)
		c, err := odoo.NewClient(odoo.Config{URL: srv.URL, Database: "db", Username: "u", Password: "p", Timeout: 20 * time.Millisecond})
		require.NoError(t, err)
		_, err = c.Version(context.Background())
		var te *odoo.TransportError
		require.ErrorAs(t, err, &te)
		require.True(t, te.Timeout)
		require.True(t, odoo.IsRetryable(err))
	})
	t.Run("context deadline", func(t *testing.T) {
		srv := hangingServer(t)
		c, err := odoo.NewClient(odoo.Config{URL: srv.URL, Database: "db", Username: "u", Password: "p", Timeout: time.Hour})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err = c.Version(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.True(t, odoo.IsRetryable(err))
	})
	t.Run("context cancelled", func(t *testing.T) {
		srv := hangingServer(t)
		c, err := odoo.NewClient(odoo.Config{URL: srv.URL, Database: "db", Username: "u", Password: "p", Timeout: time.Hour})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { _, err := c.ExecuteKW(ctx, "sale.order", "search", nil, nil); errc <- err }()
		cancel()
		err = <-errc
		require.ErrorIs(t, err, context.Canceled)
		require.False(t, odoo.IsRetryable(err))
	})
}

func TestPredicatesOnOtherErrors(t *testing.T) {
	require.False(t, odoo.IsRetryable(nil))
	require.False(t, odoo.IsRetryable(errors.New("boom")))
	require.True(t, odoo.IsBusiness(odoo.ErrInvalidState))
	require.False(t, odoo.IsBusiness(odoo.ErrNotFound))
	transient := &odoo.Fault{Code: 1, Message: "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update"}
	require.Equal(t, odoo.KindTransient, transient.Kind())
	require.True(t, odoo.IsRetryable(transient))
	notOwnUser := &odoo.Fault{Code: 2, Message: "Record does not exist or has been deleted.\n(Record: res.users(7,), User: 2)"}
	require.Equal(t, odoo.KindBusiness, notOwnUser.Kind())
	require.True(t, odoo.IsRetryable(&odoo.HTTPError{StatusCode: 429}))
	require.False(t, odoo.IsRetryable(&odoo.HTTPError{StatusCode: 403}))
}
