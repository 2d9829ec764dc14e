package shopper

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// The customer's browser lands on a "being confirmed" page that reloads
// itself, and waits for the outcome, as a browser does.
func TestCheckoutFollowsSelfRefreshingPages(t *testing.T) {
	var visits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/us/checkout/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<form method="post" action="confirm"><button name="outcome" value="approve">Approve</button></form>`)
	})
	mux.HandleFunc("/us/checkout/confirm", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/afterpay/return?status=SUCCESS&orderToken=002.t", http.StatusFound)
	})
	mux.HandleFunc("/afterpay/return", func(w http.ResponseWriter, r *http.Request) {
		if visits.Add(1) < 3 {
			w.Header().Set("Refresh", "0")
			fmt.Fprint(w, "Your payment is being confirmed")
			return
		}
		fmt.Fprint(w, "Thank you")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	landing, err := Checkout(ctx, srv.URL+"/us/checkout/?token=002.t", Approve)
	if err != nil {
		t.Fatal(err)
	}
	if landing.Body != "Thank you" || landing.Refreshes != 2 {
		t.Fatalf("landing = %+v", landing)
	}
}

func TestParseRefresh(t *testing.T) {
	for h, want := range map[string]struct {
		d      time.Duration
		target string
		ok     bool
	}{
		"3":              {3 * time.Second, "", true},
		"0; url=/next":   {0, "/next", true},
		"60":             {5 * time.Second, "", true},
		"2;URL='/a?b=c'": {2 * time.Second, "/a?b=c", true},
		"":               {0, "", false},
		"soon":           {0, "", false},
	} {
		d, target, ok := parseRefresh(h)
		if d != want.d || target != want.target || ok != want.ok {
			t.Errorf("parseRefresh(%q) = %v %q %v", h, d, target, ok)
		}
	}
}
