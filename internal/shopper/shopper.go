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
	"strconv"
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
	// Refreshes is how many times the page reloaded itself (a Refresh
	// header, as the API's "still being confirmed" page sends) before it
	// settled.
	Refreshes int
}

// maxRefreshes bounds how often a page may reload itself, as a person would
// not wait for ever.
const maxRefreshes = 30

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

// do sends req, follows redirects, and then follows the page's Refresh
// header, as a browser does, until the page no longer reloads itself.
func do(c *http.Client, req *http.Request) (*Landing, error) {
	ctx := req.Context()
	for refreshes := 0; ; refreshes++ {
		page, refresh, err := fetch(c, req)
		if err != nil {
			return nil, err
		}
		page.Refreshes = refreshes
		delay, target, ok := parseRefresh(refresh)
		if !ok || refreshes == maxRefreshes {
			return page, nil
		}
		base, _ := url.Parse(page.URL)
		next, err := base.Parse(target)
		if err != nil {
			return page, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		if req, err = http.NewRequestWithContext(ctx, http.MethodGet, next.String(), nil); err != nil {
			return nil, err
		}
	}
}

func fetch(c *http.Client, req *http.Request) (*Landing, string, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, "", err
	}
	return &Landing{URL: resp.Request.URL.String(), Status: resp.StatusCode, Body: string(body)}, resp.Header.Get("Refresh"), nil
}

// parseRefresh reads a Refresh header, "3" or "3; url=/next": the delay
// (at most 5 s) and the target ("" means the page itself).
func parseRefresh(h string) (time.Duration, string, bool) {
	if h == "" {
		return 0, "", false
	}
	secs, target, _ := strings.Cut(h, ";")
	n, err := strconv.Atoi(strings.TrimSpace(secs))
	if err != nil || n < 0 {
		return 0, "", false
	}
	target = strings.TrimSpace(target)
	if len(target) >= 4 && strings.EqualFold(target[:4], "url=") {
		target = strings.Trim(strings.TrimSpace(target[4:]), `"'`)
	} else {
		target = ""
	}
	return min(time.Duration(n)*time.Second, 5*time.Second), target, true
}
