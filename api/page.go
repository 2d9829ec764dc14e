package api

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/odoo-afterpay/bridge/money"
	"github.com/odoo-afterpay/bridge/workflows"
)

// pageStyle is the pages' only style sheet, inline and allowed by its hash
// in the Content-Security-Policy; the pages run no script at all.
const pageStyle = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f5f5f4;color:#1c1917}` +
	`main{max-width:34rem;margin:3rem auto;padding:1.5rem 2rem;background:#fff;border-radius:12px;box-shadow:0 1px 6px rgba(0,0,0,.1)}` +
	`.shop{margin:0;font-weight:600;color:#44403c}h1{font-size:1.5rem;margin:.5rem 0 1rem}p{line-height:1.5}` +
	`dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:1rem 0}dt{color:#44403c}dd{margin:0;font-weight:600}` +
	`a{color:#1d4ed8}a.back{display:inline-block;margin-top:.5rem;padding:.6rem 1rem;border:1px solid #1d4ed8;border-radius:8px;text-decoration:none}`

// pageCSP is the Content-Security-Policy of the pages: nothing but the
// inline style above; no script, no frame, no form, no base.
var pageCSP = func() string {
	sum := sha256.Sum256([]byte(pageStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

// pageTemplate is the page a customer sees after Afterpay.
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} · {{.ShopName}}</title>
<style>` + pageStyle + `</style></head>
<body><main>
<p class="shop">{{.ShopName}}</p>
<h1>{{.Title}}</h1>
{{- if .Order}}
<dl><dt>Order</dt><dd>{{.Order}}</dd>{{if .Amount}}<dt>Amount</dt><dd>{{.Amount}}</dd>{{end}}</dl>
{{- end}}
{{- range .Paragraphs}}
<p>{{.}}</p>
{{- end}}
{{- if .RefreshURL}}
<p role="status">This page checks again by itself every few seconds. <a href="{{.RefreshURL}}">Check now</a></p>
{{- end}}
{{- if .ShopURL}}
<p><a class="back" href="{{.ShopURL}}">Back to {{.ShopName}}</a></p>
{{- end}}
</main></body></html>
`))

// pageData fills pageTemplate.
type pageData struct {
	Title      string
	ShopName   string
	Order      string
	Amount     string
	Paragraphs []string
	// RefreshURL is set on a page that reloads itself.
	RefreshURL string
	ShopURL    string
}

// refreshSeconds is how often a "still being confirmed" page reloads.
const refreshSeconds = "3"

func (s *server) page(c *gin.Context, status int, data pageData) {
	if data.ShopName == "" {
		data.ShopName = s.shopName
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	if data.RefreshURL != "" {
		h.Set("Refresh", refreshSeconds)
	}
	c.Status(status)
	if err := pageTemplate.Execute(c.Writer, data); err != nil {
		s.logger(c).Error("Rendering page failed", "error", err)
	}
}

// outcomePage is the page of a payment's outcome as the customer's return
// found it.
func (s *server) outcomePage(c *gin.Context, out workflows.ReturnOutcome, afterpayStatus string) {
	d := pageData{Order: out.OrderName, ShopURL: s.shopLink(out.OrderName, afterpayStatus, out.Outcome)}
	if out.Amount != nil && out.Amount.Currency != "" {
		d.Amount = formatMoney(*out.Amount)
	}
	shop := s.shopName
	switch out.Outcome {
	case workflows.OutcomePaid:
		d.Title = "Thank you, your payment is approved"
		d.Paragraphs = []string{"Afterpay approved your payment and " + shop + " has received it. Afterpay will email you your instalment plan."}
	case workflows.OutcomeAuthorised:
		d.Title = "Thank you, your payment is approved"
		d.Paragraphs = []string{"Afterpay approved your payment. Your first instalment is taken when " + shop + " ships your order; Afterpay will email you your plan."}
	case workflows.OutcomeDeclined:
		d.Title = "Payment declined"
		d.Paragraphs = []string{"Afterpay declined this payment, so nothing was charged. You can go back to " + shop + " and choose another way to pay."}
	case workflows.OutcomeCancelled:
		d.Title = "Payment cancelled"
		d.Paragraphs = []string{"You left Afterpay without paying, so nothing was charged. You can go back to " + shop + " to pay another way, or return to Afterpay from the shop before the checkout expires."}
	case workflows.OutcomeExpired:
		d.Title = "Checkout expired"
		d.Paragraphs = []string{"This Afterpay checkout expired before it was completed, so nothing was charged. You can go back to " + shop + " to pay again."}
	case workflows.OutcomeNotCompleted:
		d.Title = "Payment not completed"
		d.Paragraphs = []string{"Afterpay approved your payment, but " + shop + " could not complete the order, so the payment was given back to you in full. " + shop + " will be in touch."}
	case outcomeClosed:
		d.Title = "This checkout is closed"
		d.Paragraphs = []string{"This Afterpay checkout is no longer open. If you have a question about your order, please contact " + shop + "."}
	default: // pending
		d.Title = "Your payment is being confirmed"
		d.Paragraphs = []string{"Afterpay has your answer and we are confirming the payment with Afterpay now. This usually takes a few seconds; you do not need to do anything."}
		d.RefreshURL = c.Request.URL.RequestURI()
	}
	s.page(c, http.StatusOK, d)
}

// outcomeClosed is shown for a payment that ended in a way the customer's
// return cannot describe (e.g. the order could not be paid with Afterpay).
const outcomeClosed workflows.ReturnOutcomeKind = "closed"

// shopLink is the link back to the shop, with the order and its outcome.
func (s *server) shopLink(order, afterpayStatus string, outcome workflows.ReturnOutcomeKind) string {
	if s.opts.ShopReturnURL == "" {
		return ""
	}
	u, err := url.Parse(s.opts.ShopReturnURL)
	if err != nil {
		return ""
	}
	q := u.Query()
	if order != "" {
		q.Set("order", order)
	}
	if afterpayStatus != "" {
		q.Set("status", afterpayStatus)
	}
	if outcome != "" {
		q.Set("outcome", string(outcome))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// shopNameFor is the name the pages give the shop: SHOP_NAME, else the host
// of its URL, else "the shop".
func shopNameFor(name, shopURL string) string {
	if name = strings.TrimSpace(name); name != "" {
		return name
	}
	if u, err := url.Parse(shopURL); err == nil && u.Hostname() != "" {
		return strings.TrimPrefix(u.Hostname(), "www.")
	}
	return "the shop"
}

// formatMoney writes an amount as customers read it: "$99.80 USD".
func formatMoney(m money.Money) string {
	symbol := ""
	switch m.Currency {
	case "USD", "AUD", "NZD", "CAD":
		symbol = "$"
	case "GBP":
		symbol = "£"
	case "EUR":
		symbol = "€"
	}
	return symbol + m.Amount() + " " + m.Currency
}
