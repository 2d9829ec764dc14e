package api

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// What the API accepts as names, tokens and ids. Everything from outside is
// checked against these before it goes anywhere near Temporal (whose
// workflow IDs refuse control characters and very long names) or a log.
const (
	maxOrderName = 64
	maxToken     = 128
	maxEventID   = 100
	maxLogValue  = 120
)

// validOrderName reports whether s can be an Odoo sale order's (or
// document's) name: 1 to 64 printable ASCII characters from a small set
// (letters, digits, space and / . _ # : + -), starting with a letter or
// digit, without "..". Odoo's sequences make names like S00042 or
// SO/2026/0042; quotes, semicolons, angle brackets, backslashes and control
// or non-ASCII characters never appear in them.
func validOrderName(s string) bool {
	if s == "" || len(s) > maxOrderName || !isAlnum(s[0]) || strings.Contains(s, "..") || strings.HasSuffix(s, " ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune(" /._#:+-", rune(c)) {
			return false
		}
	}
	return true
}

// validToken reports whether s can be an Afterpay checkout token, e.g.
// "002.5lmerr1k4ghi2ua0k54jpgf9thp2ggfn2ji3dm60ejt4bkq8".
func validToken(s string) bool { return validID(s, maxToken, "._-") }

// validEventID reports whether s can be a webhook's event id: a payment
// event's eventId ("evt_…") or a dispute webhook's webhook_event_id (a UUID).
func validEventID(s string) bool { return validID(s, maxEventID, "._:-") }

// validAfterpayID reports whether s can be an Afterpay order, refund or
// dispute id ("300000016189", "dp_5kRZ4vJ9qS2x").
func validAfterpayID(s string) bool { return validID(s, 64, "_-") }

func validID(s string, max int, extra string) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune(extra, rune(c)) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// clip makes an untrusted value safe and short for a log line: at most
// maxLogValue bytes of it, quoted (control characters escaped), with the
// original length when it was cut.
func clip(s string) string {
	if len(s) <= maxLogValue {
		return strconv.Quote(s)
	}
	cut := maxLogValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// maskToken shows enough of a checkout token to recognise it in Afterpay's
// portal, not enough to use it.
func maskToken(s string) string {
	if len(s) <= 8 {
		return "***"
	}
	return clip(s[:8] + "…")
}
