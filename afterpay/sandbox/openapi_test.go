package sandbox

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// openAPI is one of Afterpay's published OpenAPI documents, used to check the
// simulator's responses against the machine-readable contract.
type openAPI struct {
	schemas map[string]map[string]any
}

func loadOpenAPI(t *testing.T, file string) *openAPI {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(referenceDir(t), "afterpay-openapi", file))
	if err != nil {
		t.Fatalf("read OpenAPI document: %v", err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	return &openAPI{schemas: doc.Components.Schemas}
}

// conform checks body against the named component schema: required
// properties present, every documented property of the right JSON type and,
// unless listed in extraEnum, inside its enum. Undocumented properties are
// allowed (real responses carry some, e.g. orderDetails.shipping), and so is
// null for an optional property (Payment-Event.expires is null unless
// AUTH_APPROVED).
func (o *openAPI) conform(t *testing.T, schema string, body []byte, extraEnum map[string][]string) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	var problems []string
	o.check(map[string]any{"$ref": "#/components/schemas/" + schema}, v, schema, extraEnum, &problems)
	if len(problems) > 0 {
		t.Errorf("response does not conform to %s:\n  %s\nbody: %s", schema, strings.Join(problems, "\n  "), body)
	}
}

func (o *openAPI) resolve(node map[string]any) map[string]any {
	for {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		next, ok := o.schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
		if !ok {
			return map[string]any{}
		}
		node = next
	}
}

func (o *openAPI) check(node map[string]any, v any, path string, extraEnum map[string][]string, problems *[]string) {
	node = o.resolve(node)
	bad := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	switch node["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("want object, got %T", v)
			return
		}
		if req, ok := node["required"].([]any); ok {
			for _, r := range req {
				if _, present := obj[r.(string)]; !present {
					bad("required property %q missing", r)
				}
			}
		}
		props, _ := node["properties"].(map[string]any)
		for name, sub := range props {
			val, present := obj[name]
			if !present || val == nil {
				continue
			}
			o.check(sub.(map[string]any), val, path+"."+name, extraEnum, problems)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			bad("want array, got %T", v)
			return
		}
		items, _ := node["items"].(map[string]any)
		for i, el := range arr {
			if items != nil {
				o.check(items, el, fmt.Sprintf("%s[%d]", path, i), extraEnum, problems)
			}
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			bad("want string, got %T", v)
			return
		}
		if enum, ok := node["enum"].([]any); ok {
			allowed := slices.ContainsFunc(enum, func(e any) bool { return e == s }) || slices.Contains(extraEnum[path], s)
			if !allowed {
				bad("%q not in enum %v", s, enum)
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			bad("want integer, got %v", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want boolean, got %T", v)
		}
	}
}
