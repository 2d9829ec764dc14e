// Package odoofault is a fault-injecting proxy for Odoo's XML-RPC API. It
// sits between the product and any Odoo, the real Odoo 18 or the fake, so
// that the same test can make Odoo refuse a call, lose the answer of a call
// that committed, or be unreachable, whichever Odoo answers behind it.
package odoofault

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Action is what a Rule does to a matching call.
type Action int

// The actions.
const (
	// Refuse answers a fault without forwarding the call: nothing happens
	// in Odoo, as when Odoo raises a UserError (Code 2) or a bug (Code 1).
	Refuse Action = iota + 1
	// LoseAnswer forwards the call, lets Odoo commit it, and answers the
	// fault Odoo sends when it cannot marshal a None result: the change was
	// made but the caller cannot tell from the answer.
	LoseAnswer
	// Unavailable answers 503 without forwarding: Odoo is down.
	Unavailable
	// Slow forwards the call after Delay.
	Slow
)

// Rule matches execute_kw calls on Model and Method ("" matches any) and
// applies Action to the next Times of them (0: every one until cleared).
type Rule struct {
	Model, Method string
	Action        Action
	// Code and Message make the fault of Refuse (default 2, "injected fault").
	Code    int
	Message string
	// Delay is Slow's delay.
	Delay time.Duration
	Times int
}

// Proxy is an http.Handler forwarding to one Odoo.
type Proxy struct {
	forward *httputil.ReverseProxy

	mu    sync.Mutex
	rules []*rule
	calls map[string]int
}

type rule struct {
	Rule
	left int // remaining applications; -1 forever
}

// New returns a proxy to the Odoo at target (its base URL).
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("odoofault: target %q is not an absolute URL", target)
	}
	return &Proxy{forward: httputil.NewSingleHostReverseProxy(u), calls: map[string]int{}}, nil
}

// Inject adds a rule; rules are tried in the order they were added. The
// returned func removes it, for a rule that must hold until a test has seen
// its effect rather than for a number of calls.
func (p *Proxy) Inject(r Rule) (remove func()) {
	if r.Action == Refuse && r.Code == 0 {
		r.Code = 2
	}
	if r.Message == "" {
		r.Message = "injected fault"
	}
	left := r.Times
	if left == 0 {
		left = -1
	}
	added := &rule{Rule: r, left: left}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, added)
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.rules = slices.DeleteFunc(p.rules, func(r *rule) bool { return r == added })
	}
}

// Clear removes every rule.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

// Calls returns how many execute_kw calls on model.method went through the
// proxy ("" for either counts all).
func (p *Proxy) Calls(model, method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for k, v := range p.calls {
		m, f, _ := cut(k)
		if (model == "" || model == m) && (method == "" || method == f) {
			n += v
		}
	}
	return n
}

// CallCounts returns how many execute_kw calls went through the proxy, by
// "model method".
func (p *Proxy) CallCounts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.calls)
}

func cut(key string) (string, string, bool) {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == ' ' {
			return key[:i], key[i+1:], true
		}
	}
	return key, "", false
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "odoofault: read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	model, method, ok := executeKW(body)
	var match *Rule
	if ok {
		match = p.take(model, method)
	}
	if match == nil {
		p.forward.ServeHTTP(w, r)
		return
	}
	switch match.Action {
	case Refuse:
		writeFault(w, match.Code, match.Message)
	case Unavailable:
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
	case Slow:
		select {
		case <-time.After(match.Delay):
		case <-r.Context().Done():
			return
		}
		p.forward.ServeHTTP(w, r)
	case LoseAnswer:
		rec := &discard{header: http.Header{}}
		p.forward.ServeHTTP(rec, r)
		writeFault(w, 1, "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py\", line 167, in xmlrpc_2\n    response = self._xmlrpc(service)\nTypeError: cannot marshal None unless allow_none is enabled\n")
	}
}

func (p *Proxy) take(model, method string) *Rule {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[model+" "+method]++
	for _, r := range p.rules {
		if r.left == 0 || (r.Model != "" && r.Model != model) || (r.Method != "" && r.Method != method) {
			continue
		}
		if r.left > 0 {
			r.left--
		}
		out := r.Rule
		return &out
	}
	return nil
}

// executeKW returns the model and method of an execute_kw call.
func executeKW(body []byte) (model, method string, ok bool) {
	var call struct {
		MethodName string `xml:"methodName"`
		Params     []struct {
			Value struct {
				String string `xml:"string"`
				Bare   string `xml:",chardata"`
			} `xml:"value"`
		} `xml:"params>param"`
	}
	if err := xml.Unmarshal(body, &call); err != nil || call.MethodName != "execute_kw" || len(call.Params) < 5 {
		return "", "", false
	}
	str := func(i int) string {
		if v := call.Params[i].Value; v.String != "" {
			return v.String
		}
		return string(bytes.TrimSpace([]byte(call.Params[i].Value.Bare)))
	}
	return str(3), str(4), true
}

// writeFault answers an XML-RPC fault the way Odoo's /xmlrpc/2 does.
func writeFault(w http.ResponseWriter, code int, message string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n"+
		"<member>\n<name>faultCode</name>\n<value><int>%d</int></value>\n</member>\n"+
		"<member>\n<name>faultString</name>\n<value><string>%s</string></value>\n</member>\n"+
		"</struct></value>\n</fault>\n</methodResponse>\n", code, html.EscapeString(message))
}

// discard is a ResponseWriter that drops what Odoo answered.
type discard struct{ header http.Header }

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
