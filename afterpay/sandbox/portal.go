package sandbox

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
	"time"
)

// The consumer checkout page stands in for portal.sandbox.afterpay.com: it
// shows the order and lets a person approve, decline (the sandbox's CVC 051)
// or cancel.

// Afterpay's pay-in-4 plan: four instalments, one every two weeks.
const (
	instalments        = 4
	instalmentInterval = 14 * 24 * time.Hour
)

var pageTemplate = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Afterpay sandbox checkout</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f6f5;color:#111;margin:0}
main{max-width:34rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem 2rem;box-shadow:0 2px 10px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:0 0 .25rem}
.badge{display:inline-block;background:#b2fce4;border-radius:999px;padding:.1rem .6rem;font-size:.75rem;font-weight:600}
table{width:100%;border-collapse:collapse;margin:1rem 0}
td,th{padding:.35rem 0;text-align:left;border-bottom:1px solid #eee;font-size:.95rem}
td.num,th.num{text-align:right}
.total{font-size:1.15rem;font-weight:700}
ol.plan{display:flex;gap:.5rem;list-style:none;padding:0;margin:1rem 0}
ol.plan li{flex:1;background:#f4f6f5;border-radius:8px;padding:.5rem;text-align:center;font-size:.85rem}
ol.plan strong{display:block;font-size:1rem}
.actions{display:flex;gap:.5rem;margin-top:1.5rem}
button{flex:1;padding:.7rem;border-radius:8px;border:1px solid #111;font-size:1rem;cursor:pointer;background:#fff}
button.approve{background:#b2fce4;border-color:#b2fce4;font-weight:700}
p.note{color:#555;font-size:.8rem}
.error{color:#a00}
</style>
</head>
<body><main>
{{- if .Error}}
<h1>Checkout unavailable</h1>
<p class="error">{{.Error}}</p>
{{- else}}
<span class="badge">SANDBOX</span>
<h1>{{.Merchant}}</h1>
{{- if .Reference}}<p>Order reference <strong>{{.Reference}}</strong></p>{{end}}
{{- if .Items}}
<table>
<tr><th>Item</th><th class="num">Qty</th><th class="num">Price</th></tr>
{{- range .Items}}
<tr><td>{{.Name}}</td><td class="num">{{.Quantity}}</td><td class="num">{{.Price}}</td></tr>
{{- end}}
</table>
{{- end}}
<p class="total">Total {{.Total}}</p>
<p>Pay in 4 interest-free instalments, every 2 weeks:</p>
<ol class="plan">
{{- range .Plan}}
<li><strong>{{.Amount}}</strong>{{.Due}}</li>
{{- end}}
</ol>
{{- if .State}}<p class="note">This checkout is already {{.State}}; choosing the same again returns you to the store.</p>{{end}}
<form method="post" action="confirm">
<input type="hidden" name="token" value="{{.Token}}">
<div class="actions">
<button type="submit" class="approve" name="outcome" value="approve">Approve</button>
<button type="submit" class="decline" name="outcome" value="decline">Decline</button>
<button type="submit" class="cancel" name="outcome" value="cancel">Cancel</button>
</div>
</form>
<p class="note">Approve and Decline both return you to the store like the real sandbox's CVC 000 and 051 cards; a decline shows when the merchant captures or authorises the payment.</p>
{{- end}}
</main></body>
</html>
`))

type pageItem struct {
	Name     string
	Quantity int32
	Price    string
}

type pageInstalment struct {
	Amount string
	Due    string
}

type pageData struct {
	Error     string
	Merchant  string
	Reference string
	Token     string
	Items     []pageItem
	Total     string
	Plan      []pageInstalment
	State     string
}

func (s *Server) servePortal(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/"+s.opts.CountryPath+"/checkout")
	switch {
	case rest == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		// The page's form posts to the relative "confirm", which needs the
		// trailing slash.
		target := r.URL.Path + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	case rest == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.renderCheckoutPage(w, r.URL.Query().Get("token"))
	case rest == "/confirm" && r.Method == http.MethodPost:
		s.handlePortalConfirm(w, r)
	case rest == "/" || rest == "/confirm" || rest == "":
		w.Header().Set("Allow", "GET, HEAD, POST")
		s.renderPage(w, http.StatusMethodNotAllowed, pageData{Error: "Method not allowed."})
	default:
		s.renderPage(w, http.StatusNotFound, pageData{Error: "Page not found."})
	}
}

func (s *Server) renderCheckoutPage(w http.ResponseWriter, token string) {
	s.mu.Lock()
	rec := s.st.Checkouts[token]
	now := s.now()
	var data pageData
	status := http.StatusOK
	switch {
	case rec == nil:
		status, data.Error = http.StatusNotFound, "This checkout does not exist. Start again from the store."
	case rec.OrderID != "":
		status, data.Error = http.StatusGone, "This checkout has already been completed."
	case s.checkoutExpired(rec, now):
		status, data.Error = http.StatusGone, "This checkout has expired. Start again from the store."
	default:
		data = checkoutPageData(rec, now)
	}
	s.mu.Unlock()
	s.renderPage(w, status, data)
}

func checkoutPageData(rec *checkoutRecord, now time.Time) pageData {
	d := rec.Data
	data := pageData{
		Merchant:  "Sandbox merchant",
		Reference: d.MerchantReference,
		Token:     rec.Token,
		Total:     d.Amount.String(),
	}
	if d.Merchant != nil && d.Merchant.Name != "" {
		data.Merchant = d.Merchant.Name
	}
	for _, it := range d.Items {
		data.Items = append(data.Items, pageItem{Name: it.Name, Quantity: it.Quantity, Price: it.Price.String()})
	}
	for i, part := range d.Amount.Split(instalments) {
		due := "today"
		if i > 0 {
			due = now.Add(time.Duration(i) * instalmentInterval).Format("Mon 2 Jan")
		}
		data.Plan = append(data.Plan, pageInstalment{Amount: part.String(), Due: due})
	}
	if rec.State != tokenCreated {
		data.State = rec.State
	}
	return data
}

func (s *Server) handlePortalConfirm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Error: "The form could not be read."})
		return
	}
	s.mu.Lock()
	target, err := s.confirmLocked(r.PostForm.Get("token"), Outcome(r.PostForm.Get("outcome")))
	s.mu.Unlock()
	if err != nil {
		status, _ := confirmErrorStatus(err)
		s.renderPage(w, status, pageData{Error: pageMessage(err)})
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func pageMessage(err error) string {
	status, _ := confirmErrorStatus(err)
	switch status {
	case http.StatusNotFound:
		return "This checkout does not exist. Start again from the store."
	case http.StatusGone:
		return "This checkout has expired or was already completed. Start again from the store."
	case http.StatusConflict:
		return "This checkout was already answered with another choice."
	}
	return "Choose Approve, Decline or Cancel."
}

func (s *Server) renderPage(w http.ResponseWriter, status int, data pageData) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		s.log.Error("afterpay sandbox: render checkout page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
