package sandbox

import (
	"encoding/json"
	"strings"
)

// personalKeys are the JSON objects whose every string is personal data
// (names, emails, phones, addresses) and is masked in logs.
var personalKeys = map[string]bool{"consumer": true, "billing": true, "shipping": true}

// maskJSON returns body for logging with personal data masked. Bodies that
// are not JSON are summarised, not logged.
func maskJSON(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "<non-JSON body>"
	}
	b, err := json.Marshal(maskValue(v, false))
	if err != nil {
		return "<unloggable body>"
	}
	return string(b)
}

func maskValue(v any, personal bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[k] = maskValue(val, personal || personalKeys[k] || k == "email" || k == "phoneNumber")
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = maskValue(val, personal)
		}
		return out
	case string:
		if personal {
			return maskString(t)
		}
	}
	return v
}

// maskString keeps the first character, so that logs still tell values apart
// a little, and hides the rest.
func maskString(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	return string(r[0]) + strings.Repeat("*", min(len(r)-1, 8))
}
