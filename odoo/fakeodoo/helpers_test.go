package fakeodoo

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// fixedClock is a Clock that always says the same time.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

var testNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// rpc is a minimal XML-RPC client speaking to the fake over loopback HTTP,
// encoding calls like Python's xmlrpc.client.
type rpc struct {
	t    *testing.T
	url  string
	http *http.Client
	db   string
	uid  int64
	pw   string
}

func newRPC(t *testing.T, url string) *rpc {
	return &rpc{t: t, url: url, http: &http.Client{Timeout: 10 * time.Second}, db: "odoo", uid: 2, pw: "admin"}
}

// call posts one methodCall to /xmlrpc/2/<service>.
func (c *rpc) call(service, method string, params ...any) (any, *wire.Fault) {
	c.t.Helper()
	return c.callPath("/xmlrpc/2/"+service, method, params...)
}

func (c *rpc) callPath(path, method string, params ...any) (any, *wire.Fault) {
	c.t.Helper()
	body, err := wire.EncodeCall(method, params...)
	if err != nil {
		c.t.Fatalf("encode %s: %v", method, err)
	}
	resp, err := c.http.Post(c.url+path, "text/xml", bytes.NewReader(body))
	if err != nil {
		c.t.Fatalf("post %s: %v", method, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("%s: HTTP %d: %s", method, resp.StatusCode, data)
	}
	v, f, err := wire.DecodeResponse(data)
	if err != nil {
		c.t.Fatalf("decode %s: %v\n%s", method, err, data)
	}
	return v, f
}

// exec is execute_kw; kwargs are alternating names and values.
func (c *rpc) exec(model, method string, args []any, kwargs ...any) (any, *wire.Fault) {
	c.t.Helper()
	return c.call("object", "execute_kw", c.db, c.uid, c.pw, model, method, normaliseGo(args), normaliseGo(wire.NewStruct(kwargs...)))
}

// must is exec that fails the test on a fault.
func (c *rpc) must(model, method string, args []any, kwargs ...any) any {
	c.t.Helper()
	v, f := c.exec(model, method, args, kwargs...)
	if f != nil {
		c.t.Fatalf("%s.%s faulted: %v %s", model, method, f.Code, lastLine(f.String))
	}
	return v
}

// read returns the first record of a read() as a struct.
func (c *rpc) read(model string, id int64, fields ...string) *wire.Struct {
	c.t.Helper()
	anyFields := make([]any, len(fields))
	for i, f := range fields {
		anyFields[i] = f
	}
	v := c.must(model, "read", []any{[]any{id}}, "fields", anyFields)
	list := v.([]any)
	if len(list) != 1 {
		c.t.Fatalf("read %s %d: %d records", model, id, len(list))
	}
	return list[0].(*wire.Struct)
}

// startDemo runs a demo server behind a loopback httptest server.
func startDemo(t *testing.T, opts Options) (*Server, *rpc) {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = fixedClock(testNow)
	}
	srv, err := NewDemo(opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, newRPC(t, hs.URL)
}

func faultLast(f *wire.Fault) string {
	if f == nil {
		return ""
	}
	return lastLine(f.String)
}

func idList(v any) []int64 {
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, x.(int64))
	}
	return out
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func readAll(r io.Reader) []byte {
	data, _ := io.ReadAll(r)
	return data
}
