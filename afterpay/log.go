package afterpay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"
)

// maxLoggedBody bounds the body text put in one DEBUG record.
const maxLoggedBody = 8 << 10

// mask replaces personal data in logs.
const mask = "***"

func (c *Client) logRequest(ctx context.Context, r *request, payload []byte) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.method),
		slog.String("path", r.path),
	}
	if len(r.query) > 0 {
		attrs = append(attrs, slog.String("query", r.query.Encode()))
	}
	if len(payload) > 0 {
		attrs = append(attrs, slog.String("body", maskBody(payload)))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "afterpay request", attrs...)
}

func (c *Client) logResponse(ctx context.Context, r *request, resp *http.Response, body []byte, start time.Time) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.method),
		slog.String("path", r.path),
		slog.Int("status", resp.StatusCode),
		slog.Duration("elapsed", c.now().Sub(start)),
	}
	if id := resp.Header.Get("http_correlation_id"); id != "" {
		attrs = append(attrs, slog.String("correlation_id", id))
	}
	if len(body) > 0 {
		attrs = append(attrs, slog.String("body", maskBody(body)))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "afterpay response", attrs...)
}

func (c *Client) logTransport(ctx context.Context, err *TransportError, start time.Time) {
	c.log.LogAttrs(ctx, slog.LevelDebug, "afterpay transport failure",
		slog.String("endpoint", err.Endpoint),
		slog.Bool("timeout", err.Timeout()),
		slog.Bool("not_sent", err.NotSent),
		slog.Duration("elapsed", c.now().Sub(start)),
		slog.String("error", err.Err.Error()),
	)
}

// logCredentialsAlarm reports a 401 loudly: every later call will fail the
// same way until someone fixes the merchant ID or secret key. The secret is
// not logged, nor anything derived from it.
func (c *Client) logCredentialsAlarm(ctx context.Context, e *Error) {
	c.log.LogAttrs(ctx, slog.LevelError, "afterpay rejected the credentials (401): check the merchant ID and secret key",
		slog.String("merchant_id", c.merchantID),
		slog.String("environment", string(c.env)),
		slog.String("base_url", c.baseURL),
		slog.String("endpoint", e.Endpoint),
		slog.String("error_code", e.ErrorCode),
		slog.String("error_id", e.ErrorID),
		slog.String("correlation_id", e.CorrelationID),
	)
}

// isPersonalKey reports JSON keys whose string values are personal data
// wherever they appear: consumer identity, contact details, address lines, postcodes,
// and the free text of disputes.
func isPersonalKey(key string) bool {
	switch key {
	case "email", "givenNames", "surname", "phoneNumber", "line1", "line2", "postcode",
		"openingNote", "closingNote", "shippingAddress":
		return true
	}
	return false
}

// isPersonObject reports objects whose "name" is a person's name (an item's
// or a courier's name is not).
func isPersonObject(key string) bool {
	switch key {
	case "billing", "shipping", "consumer":
		return true
	}
	return false
}

// maskBody returns a JSON body with personal data replaced, compacted and
// truncated; of anything else only the size.
func maskBody(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep numbers as written
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		// Not one JSON value: nothing can be masked in it, so only its size
		// is logged. The *Error built from it still carries its start.
		return fmt.Sprintf("[%d bytes, not JSON]", len(body))
	}
	out, err := json.Marshal(maskValue(v, ""))
	if err != nil {
		return "[unloggable body]"
	}
	return truncate(string(out))
}

func maskValue(v any, parentKey string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s, ok := child.(string); ok {
				if (isPersonalKey(k) || (k == "name" && isPersonObject(parentKey))) && s != "" {
					t[k] = mask
				}
				continue
			}
			t[k] = maskValue(child, k)
		}
		return t
	case []any:
		for i, child := range t {
			t[i] = maskValue(child, parentKey)
		}
		return t
	}
	return v
}

func truncate(s string) string {
	if len(s) <= maxLoggedBody {
		return s
	}
	cut := maxLoggedBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(truncated)"
}
