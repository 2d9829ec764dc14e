package odoo

import (
	"context"
	"fmt"
	"strings"
)

// SearchOptions are the optional keyword arguments of search and
// search_read.
type SearchOptions struct {
	// Limit caps the number of records; 0 means no limit.
	Limit int
	// Offset skips records.
	Offset int
	// Order is an SQL-like order, e.g. "id asc".
	Order string
	// Context is Odoo's context, e.g. {"active_test": false} to include
	// archived records.
	Context map[string]any
}

func (o *SearchOptions) kwargs() map[string]any {
	kw := map[string]any{}
	if o == nil {
		return kw
	}
	if o.Limit > 0 {
		kw["limit"] = o.Limit
	}
	if o.Offset > 0 {
		kw["offset"] = o.Offset
	}
	if o.Order != "" {
		kw["order"] = o.Order
	}
	if o.Context != nil {
		kw["context"] = o.Context
	}
	return kw
}

// Search returns the ids of the records matching domain, a list of
// []any{field, operator, value} conditions (implicitly AND-ed, with optional
// "&", "|", "!" prefixes). A nil domain matches everything.
func (c *Client) Search(ctx context.Context, model string, domain []any, opts *SearchOptions) ([]int64, error) {
	res, err := c.ExecuteKW(ctx, model, "search", []any{domainOrEmpty(domain)}, opts.kwargs())
	if err != nil {
		return nil, fmt.Errorf("odoo: search %s: %w", model, err)
	}
	ids, err := idList(res)
	if err != nil {
		return nil, &ProtocolError{Op: "search " + model, Err: err}
	}
	return ids, nil
}

// SearchRead returns the given fields of the records matching domain.
func (c *Client) SearchRead(ctx context.Context, model string, domain []any, fields []string, opts *SearchOptions) ([]Record, error) {
	kw := opts.kwargs()
	kw["fields"] = stringsToAny(fields)
	res, err := c.ExecuteKW(ctx, model, "search_read", []any{domainOrEmpty(domain)}, kw)
	if err != nil {
		return nil, fmt.Errorf("odoo: search_read %s: %w", model, err)
	}
	recs, err := recordList(res)
	if err != nil {
		return nil, &ProtocolError{Op: "search_read " + model, Err: err}
	}
	return recs, nil
}

// Read returns the given fields of the records with ids. Odoo 18 silently
// drops ids that do not exist, so fewer records than ids may come back.
// kwctx is Odoo's context (may be nil).
func (c *Client) Read(ctx context.Context, model string, ids []int64, fields []string, kwctx map[string]any) ([]Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	kw := map[string]any{"fields": stringsToAny(fields)}
	if kwctx != nil {
		kw["context"] = kwctx
	}
	return c.callForRecords(ctx, model, "read", ids, []any{int64sToAny(ids)}, kw)
}

// callForRecords calls a method that answers a list of records.
func (c *Client) callForRecords(ctx context.Context, model, method string, ids []int64, args []any, kw map[string]any) ([]Record, error) {
	res, err := c.ExecuteKW(ctx, model, method, args, kw)
	if err != nil {
		return nil, fmt.Errorf("odoo: %s %s %v: %w", method, model, ids, err)
	}
	recs, err := recordList(res)
	if err != nil {
		return nil, &ProtocolError{Op: method + " " + model, Err: err}
	}
	return recs, nil
}

// WebRead reads the records with ids and, in the same call, the records
// their relational fields point to (Odoo 17+'s web_read). spec maps field
// names to sub-specifications: an empty map for the value itself (a
// many2one as a bare id), {"fields": spec} for a relational field's
// co-records (decode them with Record.Related and Record.RelatedList;
// "display_name" works there too), plus optional "context", and for
// x2many "order" and "limit". Like Read, it skips ids that do not exist.
// kwctx is Odoo's context (may be nil).
func (c *Client) WebRead(ctx context.Context, model string, ids []int64, spec map[string]any, kwctx map[string]any) ([]Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	kw := map[string]any{"specification": spec}
	if kwctx != nil {
		kw["context"] = kwctx
	}
	return c.callForRecords(ctx, model, "web_read", ids, []any{int64sToAny(ids)}, kw)
}

// WebSave writes vals on the records and reads them back along spec, in
// one call (Odoo 17+'s web_save, as the web client saves a form).
func (c *Client) WebSave(ctx context.Context, model string, ids []int64, vals, spec map[string]any) ([]Record, error) {
	return c.callForRecords(ctx, model, "web_save", ids, []any{int64sToAny(ids), vals}, map[string]any{"specification": spec})
}

// readOne reads one record, returning ErrNotFound when it does not exist.
func (c *Client) readOne(ctx context.Context, model string, id int64, fields []string, kwctx map[string]any) (Record, error) {
	recs, err := c.Read(ctx, model, []int64{id}, fields, kwctx)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.ID() == id {
			return r, nil
		}
	}
	return nil, fmt.Errorf("odoo: read %s %d: %w", model, id, ErrNotFound)
}

// Create creates one record from vals and returns its id. Create is not
// idempotent: look for the record first (the typed helpers do).
func (c *Client) Create(ctx context.Context, model string, vals map[string]any, kwctx map[string]any) (int64, error) {
	var kw map[string]any
	if kwctx != nil {
		kw = map[string]any{"context": kwctx}
	}
	res, err := c.ExecuteKW(ctx, model, "create", []any{vals}, kw)
	if err != nil {
		return 0, fmt.Errorf("odoo: create %s: %w", model, err)
	}
	switch v := res.(type) {
	case int64:
		return v, nil
	case []any: // some overrides answer a list even for one dict
		if ids, err := idList(v); err == nil && len(ids) == 1 {
			return ids[0], nil
		}
	}
	return 0, &ProtocolError{Op: "create " + model, Err: fmt.Errorf("unexpected answer %#v", res)}
}

// Write sets vals on the records with ids. A MissingError matches both
// ErrNotFound and IsBusiness.
func (c *Client) Write(ctx context.Context, model string, ids []int64, vals map[string]any, kwctx map[string]any) error {
	if len(ids) == 0 {
		return nil
	}
	var kw map[string]any
	if kwctx != nil {
		kw = map[string]any{"context": kwctx}
	}
	res, err := c.ExecuteKW(ctx, model, "write", []any{int64sToAny(ids), vals}, kw)
	if err != nil {
		if f, ok := AsFault(err); ok && f.isMissingRecord() {
			return fmt.Errorf("odoo: write %s %v: %w: %w", model, ids, ErrNotFound, err)
		}
		return fmt.Errorf("odoo: write %s %v: %w", model, ids, err)
	}
	if ok, isBool := res.(bool); !isBool || !ok {
		return &ProtocolError{Op: "write " + model, Err: fmt.Errorf("unexpected answer %#v", res)}
	}
	return nil
}

// CallMethod calls a public record method with ids as its first argument and
// kwargs as keyword arguments (which may carry "context").
func (c *Client) CallMethod(ctx context.Context, model, method string, ids []int64, kwargs map[string]any) (any, error) {
	res, err := c.ExecuteKW(ctx, model, method, []any{int64sToAny(ids)}, kwargs)
	if err != nil {
		return nil, fmt.Errorf("odoo: %s.%s %v: %w", model, method, ids, err)
	}
	return res, nil
}

// XMLID resolves an external id "module.name" to its model and record id
// through ir.model.data.
func (c *Client) XMLID(ctx context.Context, xmlid string) (model string, id int64, err error) {
	module, name, ok := strings.Cut(xmlid, ".")
	if !ok || module == "" || name == "" {
		return "", 0, fmt.Errorf("odoo: xmlid %q: want module.name", xmlid)
	}
	recs, err := c.SearchRead(ctx, "ir.model.data",
		[]any{[]any{"module", "=", module}, []any{"name", "=", name}},
		[]string{"model", "res_id"}, &SearchOptions{Limit: 1})
	if err != nil {
		return "", 0, fmt.Errorf("odoo: xmlid %s: %w", xmlid, err)
	}
	if len(recs) == 0 {
		return "", 0, fmt.Errorf("odoo: xmlid %s: %w", xmlid, ErrNotFound)
	}
	d := newDecoder("ir.model.data", recs[0])
	model, id = d.str("model"), d.int64("res_id")
	if err := d.Err(); err != nil {
		return "", 0, err
	}
	return model, id, nil
}

// ModelID returns the ir.model id of a model name such as "sale.order".
func (c *Client) ModelID(ctx context.Context, model string) (int64, error) {
	ids, err := c.Search(ctx, "ir.model", []any{[]any{"model", "=", model}}, &SearchOptions{Limit: 1})
	if err != nil {
		return 0, fmt.Errorf("odoo: ir.model of %s: %w", model, err)
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("odoo: ir.model of %s: %w", model, ErrNotFound)
	}
	return ids[0], nil
}

// CurrencyID returns the res.currency id of an ISO code, archived
// currencies included (Odoo keeps unused currencies inactive).
func (c *Client) CurrencyID(ctx context.Context, code string) (int64, error) {
	if v, ok := c.currencyIDs.Load(code); ok {
		return v.(int64), nil
	}
	ids, err := c.Search(ctx, "res.currency", []any{[]any{"name", "=", code}},
		&SearchOptions{Limit: 1, Context: map[string]any{"active_test": false}})
	if err != nil {
		return 0, fmt.Errorf("odoo: currency %s: %w", code, err)
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("odoo: currency %s: %w", code, ErrNotFound)
	}
	c.currencyIDs.Store(code, ids[0])
	return ids[0], nil
}

// searchOne returns the lowest id matching domain, or 0 when none does.
func (c *Client) searchOne(ctx context.Context, model string, domain []any, kwctx map[string]any) (int64, error) {
	ids, err := c.Search(ctx, model, domain, &SearchOptions{Limit: 1, Order: "id asc", Context: kwctx})
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

func domainOrEmpty(domain []any) []any {
	if domain == nil {
		return []any{}
	}
	return domain
}

func stringsToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func int64sToAny(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func idList(v any) ([]int64, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of ids, got %#v", v)
	}
	ids := make([]int64, 0, len(list))
	for _, e := range list {
		id, ok := e.(int64)
		if !ok {
			return nil, fmt.Errorf("want a list of ids, got element %#v", e)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func recordList(v any) ([]Record, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of records, got %T", v)
	}
	recs := make([]Record, 0, len(list))
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("want a record, got %T", e)
		}
		recs = append(recs, Record(m))
	}
	return recs, nil
}

// actionResID returns the res_id of an ir.actions.act_window answer, or 0.
func actionResID(v any) int64 {
	m, ok := v.(map[string]any)
	if !ok {
		return 0
	}
	id, _ := m["res_id"].(int64)
	return id
}
