package provision

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/odoo-afterpay/bridge/odoo"
)

// Check reports what Run would do to the Odoo cfg points at, without doing
// it: Run's own steps, on a connection that passes reads (search, read,
// search_read…) to Odoo and answers creates and writes itself, so nothing
// reaches Odoo that could change it (any other call fails the check with a
// *RefusedCallError). In the report, Created and Updated steps are what
// Run would create and update, with what it would change; records it would
// create have ID 0. Provisioning is complete and current when the report
// has no Pending steps.
func Check(ctx context.Context, cfg odoo.Config, opts Options) (*Report, error) {
	base := cfg.HTTPClient
	if base == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.ResponseHeaderTimeout = cfg.Timeout
		base = &http.Client{Transport: transport}
	}
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	dry := *base
	dry.Transport = &dryRunTransport{next: next}
	cfg.HTTPClient = &dry
	c, err := odoo.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	opts.Logger = nil // Run's log says "created"; nothing is
	report, err := Run(ctx, c, opts)
	if report != nil {
		for i := range report.Steps {
			if report.Steps[i].Action == Created {
				report.Steps[i].ID = 0
			}
		}
	}
	return report, err
}

// Pending returns the steps that create or update something.
func (r *Report) Pending() []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.Action == Created || s.Action == Updated {
			out = append(out, s)
		}
	}
	return out
}

// RefusedCallError is a call Check refused to send to Odoo, because it
// might change something and Check does not know how to answer it.
type RefusedCallError struct {
	Model, Method string
}

func (e *RefusedCallError) Error() string {
	return fmt.Sprintf("provision: check: refused to call %s.%s: a check changes nothing in Odoo", e.Model, e.Method)
}

// readOnlyMethods are the object-service methods Check lets through.
var readOnlyMethods = map[string]bool{
	"search": true, "search_read": true, "read": true, "search_count": true, "fields_get": true,
}

// dryRunTransport lets reads through to Odoo and answers creates (id 0)
// and writes (True) itself.
type dryRunTransport struct{ next http.RoundTripper }

func (d *dryRunTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/xmlrpc/2/object") {
		return d.next.RoundTrip(req) // common: version, authenticate
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("provision: check: read the call: %w", err)
		}
		body = b
	}
	model, method, err := objectCall(body)
	if err != nil {
		return nil, err
	}
	switch {
	case readOnlyMethods[method]:
		out := req.Clone(req.Context())
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.ContentLength = int64(len(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		return d.next.RoundTrip(out)
	case method == "create":
		return xmlrpcAnswer(req, "<int>0</int>"), nil
	case method == "write":
		return xmlrpcAnswer(req, "<boolean>1</boolean>"), nil
	}
	return nil, &RefusedCallError{Model: model, Method: method}
}

// objectCall reads the model and method of an execute_kw (or execute)
// call: its fourth and fifth parameters.
func objectCall(body []byte) (model, method string, err error) {
	var call struct {
		Name   string `xml:"methodName"`
		Params []struct {
			Value struct {
				String *string `xml:"string"`
				Text   string  `xml:",chardata"`
			} `xml:"value"`
		} `xml:"params>param"`
	}
	if err := xml.Unmarshal(body, &call); err != nil {
		return "", "", fmt.Errorf("provision: check: unreadable XML-RPC call: %w", err)
	}
	str := func(i int) string {
		if i >= len(call.Params) {
			return ""
		}
		v := call.Params[i].Value
		if v.String != nil {
			return *v.String
		}
		return strings.TrimSpace(v.Text) // a string value without a type element
	}
	if (call.Name != "execute_kw" && call.Name != "execute") || str(3) == "" || str(4) == "" {
		return "", "", &RefusedCallError{Model: str(3), Method: call.Name}
	}
	return str(3), str(4), nil
}

// xmlrpcAnswer is a methodResponse holding one value.
func xmlrpcAnswer(req *http.Request, value string) *http.Response {
	body := `<?xml version='1.0'?>` + "\n<methodResponse>\n<params>\n<param>\n<value>" + value +
		"</value>\n</param>\n</params>\n</methodResponse>\n"
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/xml; charset=utf-8"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// WebhookState says where one of the product's automation rules posts,
// compared with where Options say it should.
type WebhookState string

// The states of a rule's webhook.
const (
	// WebhookCurrent posts to Options.APIBaseURL with Options.WebhookToken.
	WebhookCurrent WebhookState = "current"
	// WebhookPreviousToken posts to the right URL with the previous token
	// of a rotation under way: the API still accepts it, until setup-odoo
	// rewrites the rule.
	WebhookPreviousToken WebhookState = "previous token"
	// WebhookOtherToken posts to the right URL with a token the API refuses.
	WebhookOtherToken WebhookState = "other token"
	// WebhookOtherURL posts somewhere else than Options.APIBaseURL.
	WebhookOtherURL WebhookState = "other URL"
	// WebhookMissing is a rule that does not exist or has no webhook action.
	WebhookMissing WebhookState = "missing"
	// WebhookArchived is a rule that exists but is archived: it never fires.
	WebhookArchived WebhookState = "archived"
	// WebhookNotApplicable is an optional rule whose model does not exist
	// in this Odoo (the delivery rule without sale_stock).
	WebhookNotApplicable WebhookState = "not applicable"
)

// RuleWebhook is where one of the product's automation rules posts.
type RuleWebhook struct {
	// Rule is the rule's name, e.g. "Afterpay: order confirmed".
	Rule string
	// ID is the base.automation id; 0 when missing.
	ID    int64
	State WebhookState
	// URL is where the rule posts, its token masked; empty when missing.
	URL string
	// Want is where it should post, its token masked.
	Want string
}

// CheckWebhooks reads where each of the product's automation rules posts
// and compares it with opts.APIBaseURL and opts.WebhookToken;
// previousToken, if not empty, is the token of a rotation under way. It
// only reads. Tokens never appear in what it returns.
func CheckWebhooks(ctx context.Context, c *odoo.Client, opts Options, previousToken string) ([]RuleWebhook, error) {
	if c == nil {
		return nil, errors.New("provision: nil odoo client")
	}
	p, err := newProvisioner(c, opts)
	if err != nil {
		return nil, err
	}
	out := make([]RuleWebhook, 0, len(ruleSpecs))
	for _, spec := range ruleSpecs {
		want := p.webhookURL(spec.path)
		rw := RuleWebhook{Rule: spec.name, Want: maskToken(want)}
		current, err := p.ruleWebhook(ctx, spec, &rw)
		if err != nil {
			return out, fmt.Errorf("provision: automation rule %q: %w", spec.name, err)
		}
		if rw.State == "" {
			rw.State = p.compareWebhook(current, want, spec.path, previousToken)
		}
		out = append(out, rw)
	}
	return out, nil
}

// ruleWebhook finds the rule and its webhook URL; it sets rw.State when the
// rule is missing, archived or not applicable.
func (p *provisioner) ruleWebhook(ctx context.Context, spec ruleSpec, rw *RuleWebhook) (string, error) {
	modelID, err := p.c.ModelID(ctx, spec.model)
	if errors.Is(err, odoo.ErrNotFound) && spec.optional {
		rw.State = WebhookNotApplicable
		return "", nil
	}
	if err != nil {
		return "", err
	}
	id, err := p.searchFirst(ctx, "base.automation", eq("name", spec.name), eq("model_id", modelID))
	if err != nil {
		return "", err
	}
	if id == 0 {
		rw.State = WebhookMissing
		return "", nil
	}
	rw.ID = id
	rec, err := p.readOne(ctx, "base.automation", id, "action_server_ids", "active")
	if err != nil {
		return "", err
	}
	actionIDs, err1 := rec.IDs("action_server_ids")
	active, err2 := rec.Bool("active")
	if err := errors.Join(err1, err2); err != nil {
		return "", err
	}
	for _, actionID := range actionIDs {
		// One read per action (see ensureWebhookAction).
		action, err := p.readOne(ctx, "ir.actions.server", actionID, "state", "webhook_url")
		if err != nil {
			return "", err
		}
		if state, _ := action.String("state"); state != "webhook" {
			continue
		}
		current, err := action.String("webhook_url")
		if err != nil {
			return "", err
		}
		rw.URL = maskToken(current)
		if !active {
			rw.State = WebhookArchived
		}
		return current, nil
	}
	rw.State = WebhookMissing
	return "", nil
}

// compareWebhook classifies a rule's webhook URL.
func (p *provisioner) compareWebhook(current, want, path, previousToken string) WebhookState {
	if current == want {
		return WebhookCurrent
	}
	u, err := url.Parse(current)
	if err != nil || strings.TrimRight(u.Scheme+"://"+u.Host+u.Path, "/") != p.baseURL+path {
		return WebhookOtherURL
	}
	if token := u.Query().Get(webhookTokenParameter); previousToken != "" && token == previousToken {
		return WebhookPreviousToken
	}
	return WebhookOtherToken
}
