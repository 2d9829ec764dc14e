package provision

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/kolo/xmlrpc"
	"github.com/stretchr/testify/require"
)

// roundTripFunc counts what gets through to "Odoo".
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func objectRequest(t *testing.T, method string, params ...any) *http.Request {
	t.Helper()
	body, err := xmlrpc.EncodeMethodCall(method, params...)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://odoo.test/xmlrpc/2/object", bytes.NewReader(body))
	require.NoError(t, err)
	return req
}

// The dry run lets reads through with their body intact, answers creates
// and writes itself, and refuses everything else: nothing that could
// change Odoo reaches it.
func TestDryRunTransport(t *testing.T) {
	var passed []string
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		passed = append(passed, string(b))
		return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(nil)), Request: r}, nil
	})
	d := &dryRunTransport{next: next}
	call := func(method string, params ...any) (*http.Response, error) {
		return d.RoundTrip(objectRequest(t, method, params...))
	}

	for _, m := range []string{"search", "search_read", "read", "search_count", "fields_get"} {
		_, err := call("execute_kw", "db", 2, "pw", "ir.model.fields", m, []any{[]any{}})
		require.NoError(t, err, m)
	}
	require.Len(t, passed, 5)
	require.Contains(t, passed[0], "<string>search</string>")

	res, err := call("execute_kw", "db", 2, "pw", "base.automation", "create", []any{map[string]any{"name": "x"}})
	require.NoError(t, err)
	var id int64
	body, _ := io.ReadAll(res.Body)
	require.NoError(t, xmlrpc.Response(body).Unmarshal(&id))
	require.Zero(t, id)
	res, err = call("execute_kw", "db", 2, "pw", "ir.actions.server", "write", []any{[]any{1}, map[string]any{"webhook_url": "u"}})
	require.NoError(t, err)
	var ok bool
	body, _ = io.ReadAll(res.Body)
	require.NoError(t, xmlrpc.Response(body).Unmarshal(&ok))
	require.True(t, ok)

	for _, tc := range []struct {
		method string
		params []any
	}{
		{"execute_kw", []any{"db", 2, "pw", "ir.actions.server", "unlink", []any{[]any{1}}}},
		{"execute_kw", []any{"db", 2, "pw", "account.move", "action_post", []any{[]any{1}}}},
		{"execute", []any{"db", 2, "pw", "sale.order", "action_confirm", []any{1}}},
		{"render_report", []any{"db", 2, "pw"}},
	} {
		_, err := call(tc.method, tc.params...)
		var refused *RefusedCallError
		require.True(t, errors.As(err, &refused), "%v: %v", tc, err)
	}
	require.Len(t, passed, 5, "nothing else got through")

	// The common service (version, authenticate) goes through untouched.
	req, err := http.NewRequest(http.MethodPost, "http://odoo.test/xmlrpc/2/common", bytes.NewReader([]byte("<methodCall/>")))
	require.NoError(t, err)
	_, err = d.RoundTrip(req)
	require.NoError(t, err)
	require.Len(t, passed, 6)
}
