package odoo_test

import (
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kolo/xmlrpc"
)

// stubOdoo is a small in-memory Odoo 18 behind /xmlrpc/2: it authenticates,
// checks credentials on every execute_kw, keeps records per model in the
// shape `read` returns them, evaluates simple domains, applies x2many
// commands, and answers with the byte layout of Python's xmlrpc.client
// (the transcripts' layout). Model-specific behaviour is added with on().
type stubOdoo struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	db       string
	login    string
	secrets  map[string]bool // passwords and API keys accepted
	uid      int64
	records  map[string]map[int64]map[string]any
	nextID   map[string]int64
	many2one map[string]map[string]string // model -> field -> comodel
	x2many   map[string]map[string]string
	invalid  map[string]map[string]bool // fields that do not exist
	defaults map[string]map[string]any
	methods  map[string]stubMethod     // "model.method"
	afterW   map[string]func(id int64) // after create/write on a model
	calls    []stubCall
	// raw, when set, answers a call with fixed bytes (and status) instead.
	raw func(c stubCall) (status int, body []byte, ok bool)
}

type stubCall struct {
	Service, Method string // HTTP-level: "common"/"object", "authenticate"/"execute_kw"
	Params          []any
	Model, Func     string // execute_kw's model and method
	Args            []any
	Kwargs          map[string]any
}

func (c stubCall) context() map[string]any {
	ctx, _ := c.Kwargs["context"].(map[string]any)
	return ctx
}

type stubMethod func(s *stubOdoo, c stubCall) (any, error)

// stubFault is returned by handlers to answer a fault.
type stubFault struct {
	Code   int
	String string
}

func (f *stubFault) Error() string { return fmt.Sprintf("fault %d: %s", f.Code, f.String) }

const noneTraceback = "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py\", line 140, in _xmlrpc\n    return dumps((result,))\n  File \"/usr/lib/python3.11/xmlrpc/client.py\", line 540, in dump_nil\n    raise TypeError(\"cannot marshal None unless allow_none is enabled\")\nTypeError: cannot marshal None unless allow_none is enabled\n"

func faultNone() error { return &stubFault{Code: 1, String: noneTraceback} }

func newStubOdoo(t *testing.T) *stubOdoo {
	t.Helper()
	s := &stubOdoo{
		t:        t,
		db:       "afterpay_test",
		login:    "admin",
		secrets:  map[string]bool{"admin": true},
		uid:      2,
		records:  map[string]map[int64]map[string]any{},
		nextID:   map[string]int64{},
		many2one: map[string]map[string]string{},
		x2many:   map[string]map[string]string{},
		invalid:  map[string]map[string]bool{},
		defaults: map[string]map[string]any{},
		methods:  map[string]stubMethod{},
		afterW:   map[string]func(int64){},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *stubOdoo) m2o(model, field, comodel string) { setNested(s.many2one, model, field, comodel) }
func (s *stubOdoo) x2m(model, field, comodel string) { setNested(s.x2many, model, field, comodel) }
func (s *stubOdoo) on(model, method string, m stubMethod) {
	s.methods[model+"."+method] = m
}

func setNested[V any](m map[string]map[string]V, a, b string, v V) {
	if m[a] == nil {
		m[a] = map[string]V{}
	}
	m[a][b] = v
}

// put stores a record as given (read shape) and returns its id.
func (s *stubOdoo) put(model string, id int64, rec map[string]any) int64 {
	if s.records[model] == nil {
		s.records[model] = map[int64]map[string]any{}
	}
	rec["id"] = id
	s.records[model][id] = rec
	if s.nextID[model] <= id {
		s.nextID[model] = id + 1
	}
	return id
}

func (s *stubOdoo) rec(model string, id int64) map[string]any { return s.records[model][id] }

func (s *stubOdoo) count(model string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records[model])
}

// callsTo counts execute_kw calls of model.method.
func (s *stubOdoo) callsTo(model, method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Model == model && c.Func == method {
			n++
		}
	}
	return n
}

// objectCalls lists the execute_kw calls made so far as "model.method".
func (s *stubOdoo) objectCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.calls {
		if c.Service == "object" {
			out = append(out, c.Model+"."+c.Func)
		}
	}
	return out
}

func (s *stubOdoo) lastCall(model, method string) stubCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.calls) - 1; i >= 0; i-- {
		if s.calls[i].Model == model && s.calls[i].Func == method {
			return s.calls[i]
		}
	}
	s.t.Fatalf("no call to %s.%s", model, method)
	return stubCall{}
}

var methodNameRx = regexp.MustCompile(`<methodName>([^<]*)</methodName>`)

func (s *stubOdoo) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/xml" {
		s.t.Errorf("request Content-Type %q, want text/xml", ct)
	}
	service := strings.TrimPrefix(r.URL.Path, "/xmlrpc/2/")
	call := stubCall{Service: service, Params: decodeParams(s.t, body)}
	if m := methodNameRx.FindSubmatch(body); m != nil {
		call.Method = string(m[1])
	}
	if service == "object" && len(call.Params) >= 6 {
		call.Model, _ = call.Params[3].(string)
		call.Func, _ = call.Params[4].(string)
		call.Args, _ = call.Params[5].([]any)
		if len(call.Params) > 6 {
			call.Kwargs, _ = call.Params[6].(map[string]any)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
	if s.raw != nil {
		if status, raw, ok := s.raw(call); ok {
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write(raw)
			return
		}
	}
	result, err := s.dispatch(call)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	if err != nil {
		f, ok := err.(*stubFault)
		if !ok {
			f = &stubFault{Code: 1, String: "Traceback (most recent call last):\n  File \"stub\"\nValueError: " + err.Error() + "\n"}
		}
		_, _ = io.WriteString(w, pyFault(f.Code, f.String))
		return
	}
	_, _ = io.WriteString(w, pyResponse(result))
}

// decodeParams turns a methodCall's params into Go values with kolo's own
// decoder, by rewriting them as one array value.
func decodeParams(t *testing.T, body []byte) []any {
	s := string(body)
	start, end := strings.Index(s, "<params>"), strings.LastIndex(s, "</params>")
	if start < 0 || end < 0 {
		return nil
	}
	inner := s[start+len("<params>") : end]
	inner = strings.ReplaceAll(strings.ReplaceAll(inner, "<param>", ""), "</param>", "")
	doc := "<methodResponse><params><param><value><array><data>" + inner + "</data></array></value></param></params></methodResponse>"
	var out []any
	if err := xmlrpc.Response(doc).Unmarshal(&out); err != nil {
		t.Errorf("stub: cannot decode request params: %v\n%s", err, body)
	}
	return out
}

func (s *stubOdoo) dispatch(c stubCall) (any, error) {
	switch c.Service {
	case "common":
		switch c.Method {
		case "version":
			return map[string]any{"server_version": "18.0", "server_version_info": []any{int64(18), int64(0), int64(0), "final", int64(0), ""}, "server_serie": "18.0", "protocol_version": int64(1)}, nil
		case "authenticate":
			if len(c.Params) != 4 {
				return nil, fmt.Errorf("authenticate takes 4 arguments, got %d", len(c.Params))
			}
			if c.Params[0] == s.db && c.Params[1] == s.login && s.secrets[str(c.Params[2])] {
				return s.uid, nil
			}
			return false, nil
		}
		return nil, fmt.Errorf("Method not found: %s", c.Method)
	case "object":
	default:
		return nil, fmt.Errorf("KeyError: %q", c.Service)
	}
	if c.Method != "execute_kw" || len(c.Params) < 6 {
		return nil, fmt.Errorf("bad object call %s with %d params", c.Method, len(c.Params))
	}
	uid, _ := c.Params[1].(int64)
	if uid != s.uid {
		return nil, &stubFault{Code: 2, String: fmt.Sprintf("Record does not exist or has been deleted.\n(Record: res.users(%d,), User: %d)", uid, uid)}
	}
	if !s.secrets[str(c.Params[2])] {
		return nil, &stubFault{Code: 3, String: "Access Denied"}
	}
	if strings.HasPrefix(c.Func, "_") {
		return nil, &stubFault{Code: 4, String: fmt.Sprintf("Private methods (such as %s) cannot be called remotely.", c.Func)}
	}
	if m, ok := s.methods[c.Model+"."+c.Func]; ok {
		return m(s, c)
	}
	switch c.Func {
	case "search":
		ids, err := s.search(c.Model, c.Args[0].([]any), c.Kwargs, c.context())
		return idsToAny(ids), err
	case "search_read":
		ids, err := s.search(c.Model, c.Args[0].([]any), c.Kwargs, c.context())
		if err != nil {
			return nil, err
		}
		return s.read(c.Model, ids, c.Kwargs["fields"])
	case "read":
		return s.read(c.Model, toIDs(c.Args[0]), c.Kwargs["fields"])
	case "web_read":
		spec, ok := c.Kwargs["specification"].(map[string]any)
		if !ok && len(c.Args) > 1 {
			spec, ok = c.Args[1].(map[string]any)
		}
		if !ok {
			return nil, fmt.Errorf("TypeError: Base.web_read() missing 1 required positional argument: 'specification'")
		}
		return s.webRead(c.Model, toIDs(c.Args[0]), spec)
	case "create":
		vals, _ := c.Args[0].(map[string]any)
		return s.create(c.Model, vals)
	case "write":
		return true, s.write(c.Model, toIDs(c.Args[0]), c.Args[1].(map[string]any))
	}
	return nil, fmt.Errorf("AttributeError: The method '%s' does not exist on the model '%s'", c.Func, c.Model)
}

func (s *stubOdoo) checkFields(model string, fields []string) error {
	for _, f := range fields {
		if s.invalid[model][f] {
			return &stubFault{Code: 1, String: fmt.Sprintf("Traceback (most recent call last):\n  File \"odoo/models.py\"\nValueError: Invalid field '%s' on model '%s'\n", f, model)}
		}
	}
	return nil
}

func (s *stubOdoo) read(model string, ids []int64, fieldsArg any) (any, error) {
	var fields []string
	if list, ok := fieldsArg.([]any); ok {
		for _, f := range list {
			fields = append(fields, str(f))
		}
	}
	if err := s.checkFields(model, fields); err != nil {
		return nil, err
	}
	out := []any{}
	for _, id := range ids {
		rec, ok := s.records[model][id]
		if !ok {
			continue // Odoo 18 drops missing ids
		}
		row := map[string]any{"id": id}
		for _, f := range fields {
			v, ok := rec[f]
			if !ok {
				v = false
			}
			row[f] = v
		}
		out = append(out, row)
	}
	return out, nil
}

// webRead answers web_read as Odoo 18 does: read() with bare many2one ids,
// then each relational field with a "fields" sub-specification replaced by
// its co-records' values (a many2one's display_name added last). Reading no
// records, Odoo answers an unknown field with a bare KeyError.
func (s *stubOdoo) webRead(model string, ids []int64, spec map[string]any) ([]any, error) {
	fields := make([]string, 0, len(spec))
	for f := range spec {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	if len(ids) == 0 {
		for _, f := range fields {
			if s.invalid[model][f] {
				return nil, &stubFault{Code: 1, String: fmt.Sprintf("Traceback (most recent call last):\n  File \"odoo/models.py\"\nKeyError: '%s'\n", f)}
			}
		}
		return []any{}, nil
	}
	if err := s.checkFields(model, fields); err != nil {
		return nil, err
	}
	out := []any{}
	for _, id := range ids {
		rec, ok := s.records[model][id]
		if !ok {
			continue // Odoo 18 drops missing ids
		}
		row := map[string]any{"id": id}
		for _, f := range fields {
			v, ok := rec[f]
			if !ok {
				v = false
			}
			sub, _ := spec[f].(map[string]any)
			subSpec, follow := sub["fields"].(map[string]any)
			if comodel, ok := s.many2one[model][f]; ok {
				pair, _ := v.([]any)
				if len(pair) != 2 {
					row[f] = false
					continue
				}
				rid, _ := pair[0].(int64)
				if !follow {
					row[f] = rid
					continue
				}
				extra := maps.Clone(subSpec)
				delete(extra, "display_name")
				co := map[string]any{"id": rid}
				if len(extra) > 0 {
					recs, err := s.webRead(comodel, []int64{rid}, extra)
					if err != nil {
						return nil, err
					}
					if len(recs) == 1 {
						co = recs[0].(map[string]any)
					}
				}
				if _, ok := subSpec["display_name"]; ok {
					co["display_name"] = s.displayName(comodel, rid)
				}
				row[f] = co
				continue
			}
			if comodel, ok := s.x2many[model][f]; ok && follow {
				coIDs := toIDs(v)
				recs, err := s.webRead(comodel, coIDs, subSpec)
				if err != nil {
					return nil, err
				}
				byID := map[int64]any{}
				for _, r := range recs {
					byID[r.(map[string]any)["id"].(int64)] = r
				}
				list := make([]any, len(coIDs))
				for i, cid := range coIDs {
					list[i] = byID[cid]
					if list[i] == nil {
						list[i] = map[string]any{"id": cid}
					}
				}
				row[f] = list
				continue
			}
			row[f] = v
		}
		out = append(out, row)
	}
	return out, nil
}

func (s *stubOdoo) search(model string, domain []any, kwargs, ctx map[string]any) ([]int64, error) {
	var ids []int64
	for id, rec := range s.records[model] {
		if active, ok := rec["active"].(bool); ok && !active && ctx["active_test"] != false {
			continue
		}
		ok, err := s.match(model, rec, domain)
		if err != nil {
			return nil, err
		}
		if ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if limit, ok := kwargs["limit"].(int64); ok && limit > 0 && int(limit) < len(ids) {
		ids = ids[:limit]
	}
	return ids, nil
}

func (s *stubOdoo) match(model string, rec map[string]any, domain []any) (bool, error) {
	for _, leaf := range domain {
		cond, ok := leaf.([]any)
		if !ok || len(cond) != 3 {
			return false, fmt.Errorf("stub supports only AND-ed triples, got %#v", leaf)
		}
		field, op, want := str(cond[0]), str(cond[1]), cond[2]
		if err := s.checkFields(model, []string{field}); err != nil {
			return false, err
		}
		have := rec[field]
		if field == "id" {
			have = rec["id"]
		}
		if !compare(have, op, want) {
			return false, nil
		}
	}
	return true, nil
}

func compare(have any, op string, want any) bool {
	scalar := func(v any) any {
		if pair, ok := v.([]any); ok && len(pair) == 2 {
			if id, ok := pair[0].(int64); ok {
				return id // many2one compares by id
			}
		}
		if v == nil {
			return ""
		}
		return v
	}
	h := scalar(have)
	switch op {
	case "=":
		if list, ok := have.([]any); ok && !isPair(have) {
			return slices.Contains(list, want)
		}
		return h == scalar(want) || (h == false && want == "")
	case "!=":
		return h != scalar(want)
	case "in", "not in":
		list, _ := want.([]any)
		in := slices.Contains(list, h)
		return in == (op == "in")
	case "ilike":
		hs, _ := h.(string)
		return strings.Contains(strings.ToLower(hs), strings.ToLower(str(want)))
	}
	panic("stub: unsupported operator " + op)
}

func isPair(v any) bool {
	pair, ok := v.([]any)
	if !ok || len(pair) != 2 {
		return false
	}
	_, idOK := pair[0].(int64)
	_, nameOK := pair[1].(string)
	return idOK && nameOK
}

func (s *stubOdoo) create(model string, vals map[string]any) (int64, error) {
	if s.records[model] == nil {
		s.records[model] = map[int64]map[string]any{}
	}
	if s.nextID[model] == 0 {
		s.nextID[model] = 1
	}
	id := s.nextID[model]
	s.nextID[model]++ // ids are used up even when the create fails
	for f := range vals {
		if err := s.checkFields(model, []string{f}); err != nil {
			return 0, err
		}
	}
	rec := map[string]any{"id": id}
	for k, v := range s.defaults[model] {
		rec[k] = v
	}
	for f := range s.x2many[model] {
		rec[f] = []any{}
	}
	s.records[model][id] = rec
	if err := s.assign(model, id, vals); err != nil {
		delete(s.records[model], id)
		return 0, err
	}
	if h := s.afterW[model]; h != nil {
		h(id)
	}
	return id, nil
}

func (s *stubOdoo) write(model string, ids []int64, vals map[string]any) error {
	for _, id := range ids {
		if _, ok := s.records[model][id]; !ok {
			return &stubFault{Code: 2, String: fmt.Sprintf("Record does not exist or has been deleted.\n(Record: %s(%d,), User: %d)", model, id, s.uid)}
		}
		if err := s.assign(model, id, vals); err != nil {
			return err
		}
		if h := s.afterW[model]; h != nil {
			h(id)
		}
	}
	return nil
}

// assign stores vals on a record, converting many2one ids to pairs and
// applying x2many commands.
func (s *stubOdoo) assign(model string, id int64, vals map[string]any) error {
	rec := s.records[model][id]
	for f, v := range vals {
		if err := s.checkFields(model, []string{f}); err != nil {
			return err
		}
		if comodel, ok := s.many2one[model][f]; ok {
			rid, _ := v.(int64)
			if rid == 0 {
				rec[f] = false
			} else {
				rec[f] = []any{rid, s.displayName(comodel, rid)}
			}
			continue
		}
		if comodel, ok := s.x2many[model][f]; ok {
			ids, err := s.applyCommands(comodel, toIDs(rec[f]), v)
			if err != nil {
				return err
			}
			rec[f] = idsToAny(ids)
			continue
		}
		if v == nil {
			v = ""
		}
		rec[f] = v
	}
	return nil
}

func (s *stubOdoo) applyCommands(comodel string, ids []int64, v any) ([]int64, error) {
	cmds, _ := v.([]any)
	for _, c := range cmds {
		cmd, ok := c.([]any)
		if !ok || len(cmd) == 0 {
			return nil, fmt.Errorf("bad x2many command %#v", c)
		}
		code, _ := cmd[0].(int64)
		var target int64
		if len(cmd) > 1 {
			target, _ = cmd[1].(int64)
		}
		switch code {
		case 0:
			nid, err := s.create(comodel, cmd[2].(map[string]any))
			if err != nil {
				return nil, err
			}
			ids = append(ids, nid)
		case 1:
			if err := s.write(comodel, []int64{target}, cmd[2].(map[string]any)); err != nil {
				return nil, err
			}
		case 2, 3:
			ids = slices.DeleteFunc(ids, func(x int64) bool { return x == target })
			if code == 2 {
				delete(s.records[comodel], target)
			}
		case 4:
			if !slices.Contains(ids, target) {
				ids = append(ids, target)
			}
		case 5:
			ids = nil
		case 6:
			ids = toIDs(cmd[2])
		default:
			return nil, fmt.Errorf("bad x2many command %#v", c)
		}
	}
	return ids, nil
}

func (s *stubOdoo) displayName(model string, id int64) string {
	rec := s.records[model][id]
	if rec == nil {
		return fmt.Sprintf("%s,%d", model, id)
	}
	for _, f := range []string{"display_name", "name"} {
		if n, ok := rec[f].(string); ok {
			return n
		}
	}
	return fmt.Sprintf("%s,%d", model, id)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func toIDs(v any) []int64 {
	list, _ := v.([]any)
	var ids []int64
	for _, e := range list {
		if id, ok := e.(int64); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func idsToAny(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// pyResponse and pyFault write what Python's xmlrpc.client.dumps writes.
func pyResponse(v any) string {
	return "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n" + pyValue(v) + "</param>\n</params>\n\n</methodResponse>\n"
}

func pyFault(code int, msg string) string {
	return "<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>" +
		strconv.Itoa(code) + "</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>" +
		pyEscape(msg) + "</string></value>\n</member>\n</struct></value>\n</fault>\n\n</methodResponse>\n"
}

func pyEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func pyValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "<value><string></string></value>\n"
	case bool:
		if x {
			return "<value><boolean>1</boolean></value>\n"
		}
		return "<value><boolean>0</boolean></value>\n"
	case int:
		return "<value><int>" + strconv.Itoa(x) + "</int></value>\n"
	case int64:
		return "<value><int>" + strconv.FormatInt(x, 10) + "</int></value>\n"
	case float64:
		return "<value><double>" + pyRepr(x) + "</double></value>\n"
	case string:
		return "<value><string>" + pyEscape(x) + "</string></value>\n"
	case []any:
		var b strings.Builder
		b.WriteString("<value><array><data>\n")
		for _, e := range x {
			b.WriteString(pyValue(e))
		}
		b.WriteString("</data></array></value>\n")
		return b.String()
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("<value><struct>\n")
		for _, k := range keys {
			b.WriteString("<member>\n<name>" + pyEscape(k) + "</name>\n" + pyValue(x[k]) + "</member>\n")
		}
		b.WriteString("</struct></value>\n")
		return b.String()
	}
	panic(fmt.Sprintf("stub: cannot marshal %T", v))
}

// pyRepr prints a float the way Python's repr does for ordinary magnitudes.
func pyRepr(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// cents converts a stub double to cents for the stub's own bookkeeping.
func cents(v any) int64 {
	f, _ := v.(float64)
	if i, ok := v.(int64); ok {
		f = float64(i)
	}
	return int64(math.Round(f * 100))
}

func money2(c int64) float64 { return float64(c) / 100 }
