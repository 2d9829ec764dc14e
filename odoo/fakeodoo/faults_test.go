package fakeodoo

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

func TestFailNext(t *testing.T) {
	srv, c := startDemo(t, Options{})
	srv.FailNext("sale.order", "write", 2, "Injected: try later", 2)
	for i := 0; i < 2; i++ {
		_, f := c.exec("sale.order", "write", []any{[]any{int64(1)}, wire.NewStruct("client_order_ref", "A")})
		require.NotNil(t, f)
		require.Equal(t, int64(2), f.Code)
		require.Equal(t, "Injected: try later", f.String)
	}
	require.Equal(t, "DEMO-1001", c.read("sale.order", 1, "client_order_ref").Value("client_order_ref"), "failed calls change nothing")
	require.Equal(t, true, c.must("sale.order", "write", []any{[]any{int64(1)}, wire.NewStruct("client_order_ref", "B")}))

	srv.FailNext("", "", 1, "boom", 1)
	_, f := c.exec("res.partner", "search", []any{[]any{}})
	require.Equal(t, "Exception: boom", faultLast(f))
	_, f = c.exec("res.partner", "search", []any{[]any{}})
	require.Nil(t, f)
}

func TestFailAfterCommit(t *testing.T) {
	srv, c := startDemo(t, Options{})
	srv.FailAfterCommit("sale.order", "action_confirm", "", 1)
	_, f := c.exec("sale.order", "action_confirm", []any{[]any{int64(1)}})
	require.NotNil(t, f)
	require.Equal(t, int64(1), f.Code)
	require.Equal(t, "TypeError: cannot marshal None unless allow_none is enabled", faultLast(f))
	require.Equal(t, "sale", c.read("sale.order", 1, "state").Value("state"), "the change is committed")

	srv.InjectFault(Fault{Model: "sale.order", Method: "write", Code: 2, Message: "after", AfterCommit: true})
	_, f = c.exec("sale.order", "write", []any{[]any{int64(2)}, wire.NewStruct("client_order_ref", "Z")})
	require.Equal(t, "after", f.String)
	require.Equal(t, "Z", c.read("sale.order", 2, "client_order_ref").Value("client_order_ref"))
}

func TestDownAndSlow(t *testing.T) {
	srv, c := startDemo(t, Options{})

	srv.SetDown(Down503)
	resp, err := http.Post(c.url+"/xmlrpc/2/common", "text/xml", strings.NewReader("<x/>"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	srv.SetDown(DownClose)
	body, _ := wire.EncodeCall("version")
	_, err = (&http.Client{Timeout: 5 * time.Second}).Post(c.url+"/xmlrpc/2/common", "text/xml", bytes.NewReader(body))
	require.Error(t, err, "the connection is closed without an answer")

	srv.SetDown(DownNone)
	_, f := c.call("common", "version")
	require.Nil(t, f)

	srv.Slow(time.Hour)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	_, err = client.Post(c.url+"/xmlrpc/2/common", "text/xml", bytes.NewReader(body))
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "a slow server makes the client time out: %v", err)
	srv.ClearFaults()
	_, f = c.call("common", "version")
	require.Nil(t, f)
}

func TestFaultHTTPHook(t *testing.T) {
	_, c := startDemo(t, Options{})
	post := func(body string) int {
		resp, err := http.Post(c.url+"/__fake/faults", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusNoContent, post(`{"faults":[{"model":"sale.order","method":"read","code":4,"message":"nope","times":1}]}`))
	_, f := c.exec("sale.order", "read", []any{[]any{int64(1)}}, "fields", []any{"name"})
	require.Equal(t, int64(4), f.Code)
	require.Equal(t, "nope", f.String)

	require.Equal(t, http.StatusNoContent, post(`{"down":"503"}`))
	resp, err := http.Post(c.url+"/xmlrpc/2/common", "text/xml", strings.NewReader(""))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	require.Equal(t, http.StatusNoContent, post(`{"clear":true}`), "control routes work while down")
	_, f = c.call("common", "version")
	require.Nil(t, f)

	require.Equal(t, http.StatusBadRequest, post(`{"down":"sideways"}`))
	require.Equal(t, http.StatusBadRequest, post(`{"unknown":1}`))

	rec := httptest.NewRecorder()
	srv2, err := NewDemo(Options{})
	require.NoError(t, err)
	srv2.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/__fake/snapshot", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `"format":"fakeodoo-snapshot/1"`)
}
