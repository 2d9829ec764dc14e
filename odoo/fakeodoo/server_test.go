package fakeodoo

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

func TestCommonService(t *testing.T) {
	_, c := startDemo(t, Options{Users: []User{{UID: 2, Login: "admin", Password: "admin", APIKeys: []string{"key-123"}}}})
	tests := []struct {
		name   string
		method string
		params []any
		want   any
		fault  string
	}{
		{"password", "authenticate", []any{"odoo", "admin", "admin", wire.NewStruct()}, int64(2), ""},
		{"api key", "authenticate", []any{"odoo", "admin", "key-123", wire.NewStruct()}, int64(2), ""},
		{"wrong password", "authenticate", []any{"odoo", "admin", "nope", wire.NewStruct()}, false, ""},
		{"unknown login", "authenticate", []any{"odoo", "ghost", "admin", wire.NewStruct()}, false, ""},
		{"empty password", "authenticate", []any{"odoo", "admin", "", wire.NewStruct()}, false, ""},
		{"login", "login", []any{"odoo", "admin", "admin"}, int64(2), ""},
		{"unknown db", "authenticate", []any{"nope", "admin", "admin", wire.NewStruct()}, nil,
			`psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "nope" does not exist`},
		{"unknown method", "nosuchmethod", nil, nil, "Exception: Method not found: nosuchmethod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, f := c.call("common", tt.method, tt.params...)
			if tt.fault != "" {
				require.NotNil(t, f)
				require.Equal(t, int64(1), f.Code)
				require.Equal(t, tt.fault, faultLast(f))
				return
			}
			require.Nil(t, f, faultLast(f))
			require.Equal(t, tt.want, v)
		})
	}
	v, f := c.call("common", "version")
	require.Nil(t, f)
	require.Equal(t, "18.0", v.(*wire.Struct).Value("server_version"))
}

func TestObjectServiceFaults(t *testing.T) {
	_, c := startDemo(t, Options{})
	tests := []struct {
		name   string
		uid    int64
		pw     string
		model  string
		method string
		args   []any
		code   int64
		msg    string // the faultString, or a traceback's last line for code 1
	}{
		{"wrong password", 2, "bad", "sale.order", "search", []any{[]any{}}, 3, "Access Denied"},
		{"unknown uid", 99999, "admin", "sale.order", "search", []any{[]any{}}, 2,
			"Record does not exist or has been deleted.\n(Record: res.users(99999,), User: 99999)"},
		{"private method", 2, "admin", "payment.transaction", "_set_done", []any{[]any{int64(1)}}, 4,
			"Private methods (such as _set_done) cannot be called remotely."},
		{"init is private", 2, "admin", "sale.order", "init", []any{}, 4, "Private methods (such as init) cannot be called remotely."},
		{"unknown model", 2, "admin", "x.no.such.model", "search", []any{[]any{}}, 2, "Object x.no.such.model doesn't exist"},
		{"unknown method", 2, "admin", "sale.order", "no_such_method", []any{[]any{int64(1)}}, 1,
			"AttributeError: The method 'no_such_method' does not exist on the model 'sale.order'"},
		{"unknown field on write", 2, "admin", "sale.order", "write", []any{[]any{int64(1)}, wire.NewStruct("no_such_field", int64(1))}, 1,
			"ValueError: Invalid field 'no_such_field' on model 'sale.order'"},
		{"unknown field in domain", 2, "admin", "sale.order", "search", []any{[]any{[]any{"nope", "=", int64(1)}}}, 1,
			"ValueError: Invalid field sale.order.nope in leaf ('nope', '=', 1)"},
		{"bad selection", 2, "admin", "sale.order", "write", []any{[]any{int64(1)}, wire.NewStruct("state", "captured")}, 1,
			"ValueError: Wrong value for sale.order.state: 'captured'"},
		{"missing record", 2, "admin", "sale.order", "write", []any{[]any{int64(999)}, wire.NewStruct("client_order_ref", "x")}, 2,
			"Record does not exist or has been deleted.\n(Record: sale.order(999,), User: 2)"},
		{"read without ids", 2, "admin", "sale.order", "read", []any{}, 1, "IndexError: tuple index out of range"},
		{"message_post on two records", 2, "admin", "sale.order", "message_post", []any{[]any{int64(1), int64(2)}}, 1,
			"ValueError: Expected singleton: sale.order(1, 2)"},
		{"method returning None", 2, "admin", "sale.order", "action_lock", []any{[]any{int64(1)}}, 1,
			"TypeError: cannot marshal None unless allow_none is enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, f := c.call("object", "execute_kw", "odoo", tt.uid, tt.pw, tt.model, tt.method, tt.args)
			require.NotNil(t, f)
			require.Equal(t, tt.code, f.Code)
			if tt.code == 1 {
				require.True(t, strings.HasPrefix(f.String, "Traceback (most recent call last):\n"))
				require.Equal(t, tt.msg, faultLast(f))
				return
			}
			require.Equal(t, tt.msg, f.String)
		})
	}
}

func TestReadOfMissingIDsIsEmpty(t *testing.T) {
	_, c := startDemo(t, Options{})
	v := c.must("sale.order", "read", []any{[]any{int64(999), int64(1)}}, "fields", []any{"name"})
	require.Len(t, v, 1)
	require.Equal(t, "S00001", v.([]any)[0].(*wire.Struct).Value("name"))
}

func TestLegacyRouteUsesStringFaultCodes(t *testing.T) {
	_, c := startDemo(t, Options{})
	tests := []struct {
		name       string
		pw         string
		model      string
		method     string
		args       []any
		code, text string
	}{
		{"access error", "admin", "payment.transaction", "_set_done", []any{[]any{int64(1)}},
			"warning -- AccessError\n\nPrivate methods (such as _set_done) cannot be called remotely.", ""},
		{"user error", "admin", "sale.order", "unlink", []any{[]any{int64(999)}},
			"warning -- MissingError\n\nRecord does not exist or has been deleted.\n(Record: sale.order(999,), User: 2)", ""},
		{"access denied", "bad", "sale.order", "search", []any{[]any{}}, "AccessDenied", "Access Denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, f := c.callPath("/xmlrpc/object", "execute_kw", "odoo", int64(2), tt.pw, tt.model, tt.method, tt.args)
			require.NotNil(t, f)
			require.Equal(t, tt.code, f.Code)
			require.Equal(t, tt.text, f.String)
		})
	}
	c.must("sale.order", "action_confirm", []any{[]any{int64(1)}})
	_, f := c.callPath("/xmlrpc/object", "execute_kw", "odoo", int64(2), "admin", "sale.order", "action_confirm", []any{[]any{int64(1)}})
	require.Equal(t, "warning -- UserError\n\nSome orders are not in a state requiring confirmation.", f.Code)
}

func TestNoneResultIsAppliedThenFaults(t *testing.T) {
	_, c := startDemo(t, Options{})
	_, f := c.exec("sale.order", "action_lock", []any{[]any{int64(2)}})
	require.Equal(t, "TypeError: cannot marshal None unless allow_none is enabled", faultLast(f))
	require.Equal(t, true, c.read("sale.order", 2, "locked").Value("locked"), "the change was committed before marshalling")
	_, f = c.exec("sale.order", "action_unlock", []any{[]any{int64(2)}})
	require.NotNil(t, f)
	require.Equal(t, false, c.read("sale.order", 2, "locked").Value("locked"))
}

func TestExecuteAndOtherRoutes(t *testing.T) {
	srv, c := startDemo(t, Options{})
	v, f := c.call("object", "execute", "odoo", int64(2), "admin", "sale.order", "search_count", []any{[]any{"state", "=", "draft"}})
	require.Nil(t, f)
	require.Equal(t, int64(5), v)

	_, f = c.call("object", "nope", "odoo")
	require.Equal(t, "NameError: Method not available nope", faultLast(f))

	_, f = c.call("nosuchservice", "version")
	require.Equal(t, "KeyError: 'nosuchservice'", faultLast(f))

	v, f = c.call("db", "list")
	require.Nil(t, f)
	require.Equal(t, []any{"odoo"}, v)

	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/xmlrpc/2/common", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)

	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/web/health", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	body, _ := io.ReadAll(rec.Body)
	require.JSONEq(t, `{"status": "pass"}`, string(body))

	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/xmlrpc/2/object", strings.NewReader("<not xml")))
	require.Equal(t, http.StatusOK, rec.Code)
	_, fault, err := wire.DecodeResponse(rec.Body.Bytes())
	require.NoError(t, err)
	require.Equal(t, int64(1), fault.Code)
}

func TestArchivedUserCannotLogIn(t *testing.T) {
	srv, c := startDemo(t, Options{Users: []User{{UID: 2, Login: "admin", Password: "admin"}, {UID: 1, Login: "__system__", Password: "x"}}})
	v, _ := c.call("common", "authenticate", "odoo", "__system__", "x", wire.NewStruct())
	require.Equal(t, false, v, "uid 1 is archived in the demo data")
	_, err := srv.Record("res.users", 1)
	require.NoError(t, err)
}
