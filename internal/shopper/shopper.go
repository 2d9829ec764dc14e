// Package shopper plays a customer's browser at Afterpay's checkout page:
// it opens the redirectCheckoutUrl, presses a button on the page, and follows
// the redirects back to the merchant, exactly as a browser would.
package shopper

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Choice is the button the customer presses.
type Choice string

// The checkout page's buttons.
const (
	Approve Choice = "approve" // approve; the payment may still be declined at capture
	Decline Choice = "decline" // approve with a card that will be declined
	Cancel  Choice = "cancel"  // leave Afterpay without paying
)

// Landing is the merchant page the browser ended on.
type Landing struct {
	URL    string
	Status int
	Body   string
}

var formAction = regexp.MustCompile(`<form[^>]*action="([^"]+)"`)

// Checkout opens checkoutURL, presses choice and follows the redirects.
func Checkout(ctx context.Context, checkoutURL string, choice Choice) (*Landing, error) {
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	page, err := get(ctx, browser, checkoutURL)
	if err != nil {
		return nil, err
	}
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="`+string(choice)+`"`) {
		return nil, fmt.Errorf("checkout page %s answered %d without a %q button", checkoutURL, page.Status, choice)
	}
	m := formAction.FindStringSubmatch(page.Body)
	if m == nil {
		return nil, fmt.Errorf("checkout page %s has no form", checkoutURL)
	}
	base, _ := url.Parse(page.URL)
	action, err := base.Parse(m[1])
	if err != nil {
		return nil, fmt.Errorf("checkout form action %q: %w", m[1], err)
	}
	form := url.Values{"token": {base.Query().Get("token")}, "outcome": {string(choice)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(browser, req)
}

func get(ctx context.Context, c *http.Client, u string) (*Landing, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return do(c, req)
}

func do(c *http.Client, req *http.Request) (*Landing, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &Landing{URL: resp.Request.URL.String(), Status: resp.StatusCode, Body: string(body)}, nil
}
