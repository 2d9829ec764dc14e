package fakeodoo

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// transcripts2Gaps are the exchanges of odoo-transcripts-2 the fake does
// not reproduce, and why. Everything else (deliveries, backorders, the SMS
// and backorder wizards, cancelling, the automation webhooks, partial
// credit notes, transactions) is replayed byte for byte.
var transcripts2Gaps = map[string]string{
	"201": "ir.module.module is not modelled",
	"210": "the sample payload shows a demo picking's date_done with microseconds the seed export dropped",
	"272": "mail.template is not modelled: the cancel wizard's template has no display name",
	"311": "amount_to_invoice after a credit note that changed a line's price follows Odoo's per-line rules the fake does not model",
	"323": "Odoo uses up one more account.move.line id in G's partial refund, so H's line ids are off by one and [2, 81] removes another line",
	"324": "as 323",
	"325": "as 323",
	"329": "mail.activity's activity_category, can_write and state are not modelled",
	"330": "sale.order's activity_* summary fields are not modelled",
	"334": "the chatter messages Odoo writes (tracking) are not all modelled, so mail.message ids differ",
	"335": "mail.activity has no active field in the fake",
}

// TestConformanceTranscripts2 replays odoo-transcripts-2 (recorded on a
// real Odoo 18 with sale_stock, starting from odoo-seed-stock) against the
// fake and compares every response and webhook body.
func TestConformanceTranscripts2(t *testing.T) {
	ref := referenceDir(t)
	exchanges := loadTranscripts(t, filepath.Join(ref, "odoo-transcripts-2"))
	clock := &settableClock{now: time.Date(2026, 11, 24, 2, 52, 47, 0, time.UTC)}
	recorder := &webhookRecorder{}
	srv, err := New(Options{Database: "afterpay_test", Clock: clock, HTTPClient: &http.Client{Transport: recorder}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.LoadSeed(filepath.Join(ref, "odoo-seed-stock")); err != nil {
		t.Fatal(err)
	}
	recorder.server = srv
	seen := 0
	for _, ex := range exchanges {
		t.Run(ex.name, func(t *testing.T) {
			if ex.webhookBody != nil {
				idx := seen
				seen++
				captured := recorder.captured()
				if idx >= len(captured) {
					t.Fatalf("the fake sent %d webhooks; transcript %s is webhook #%d", len(captured), ex.name, idx+1)
				}
				want := strings.TrimRight(string(ex.webhookBody), "\n")
				if _, known := transcripts2Gaps[ex.name[:3]]; known {
					requireStillAGap(t, ex.name, []byte(captured[idx].body), []byte(want))
					return
				}
				if normalise([]byte(captured[idx].body)) != normalise([]byte(want)) {
					t.Errorf("webhook body\n got: %s\nwant: %s", captured[idx].body, want)
				}
				return
			}
			if !ex.date.IsZero() {
				clock.Set(ex.date)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, ex.path, bytes.NewReader(ex.request)))
			if _, known := transcripts2Gaps[ex.name[:3]]; known {
				requireStillAGap(t, ex.name, rec.Body.Bytes(), ex.response)
				return
			}
			compareResponse(t, ex.response, rec.Body.Bytes())
		})
	}
	if n := len(recorder.captured()); n != seen {
		t.Errorf("the fake sent %d webhooks, the transcripts recorded %d", n, seen)
	}
}

// requireStillAGap keeps transcripts2Gaps honest: a known gap is replayed
// (the fake's state moves on) but not compared; once the fake answers as
// recorded, the gap must come off the list.
func requireStillAGap(t *testing.T, name string, got, want []byte) {
	t.Helper()
	if normalise(got) == normalise(want) {
		t.Errorf("%s now matches the recording: remove it from transcripts2Gaps", name)
	}
}
