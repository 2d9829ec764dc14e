package odoo

import "testing"

func TestParseAfterpayMemo(t *testing.T) {
	for memo, want := range map[string][3]any{
		"Afterpay 300000000001":                 {"300000000001", "", true},
		"Afterpay 300000000001 INV/2026/00007":  {"300000000001", "", true},
		"Afterpay 300000000001 capture 2Zk9abc": {"300000000001", "", true},
		"Afterpay refund 500000000007":          {"", "500000000007", true},
		"Afterpay refund 500000000007 extra":    {"", "500000000007", true},
		"Afterpay refund":                       {"", "", false},
		"Afterpay refund abc":                   {"", "", false},
		"Afterpay by hand":                      {"", "", false},
		"Afterpay ":                             {"", "", false},
		"afterpay 300000000001":                 {"", "", false},
		"Payment 300000000001":                  {"", "", false},
		"Afterpay 30000000000x":                 {"", "", false},
		"":                                      {"", "", false},
	} {
		order, refund, ok := ParseAfterpayMemo(memo)
		if order != want[0] || refund != want[1] || ok != want[2] {
			t.Errorf("ParseAfterpayMemo(%q) = %q, %q, %v; want %v", memo, order, refund, ok, want)
		}
	}
}

func TestDomainHelpers(t *testing.T) {
	a, b, c := []any{"a", "=", 1}, []any{"b", "=", 2}, []any{"c", "=", 3}
	if got := allOf(a); len(got) != 1 {
		t.Errorf("allOf of one leaf is the leaf: %v", got)
	}
	if got := allOf(a, b, c); len(got) != 5 || got[0] != "&" || got[1] != "&" {
		t.Errorf("allOf(a, b, c) = %v", got)
	}
	got := anyOf(allOf(a, b), []any{c})
	if len(got) != 5 || got[0] != "|" || got[1] != "&" {
		t.Errorf("anyOf = %v", got)
	}
	if d := distinct([]string{" b", "a", "", "b", "a "}); len(d) != 2 || d[0] != "a" || d[1] != "b" {
		t.Errorf("distinct = %v", d)
	}
}
