package fakeodoo

import (
	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

func productModels() []*model {
	return []*model{productTemplateModel(), productProductModel(), productCategoryModel(), uomModel()}
}

// productCommon declares the fields a variant shares with its template.
func productCommon(b *modelBuilder) {
	b.char("name", "Name", notNull)
	b.char("default_code", "Internal Reference")
	b.boolean("active", "Active")
	b.selection("type", "Product Type", sel("combo", "Combo", "service", "Service", "consu", "Goods"))
	b.boolean("is_storable", "Track Inventory")
	b.float("list_price", "Sales Price")
	b.boolean("sale_ok", "Can be Sold")
	b.boolean("purchase_ok", "Can be Purchased")
	b.many2one("uom_id", "Unit of Measure", "uom.uom")
	b.many2many("taxes_id", "Sales Taxes", "account.tax")
	b.many2one("categ_id", "Product Category", "product.category")
	b.selection("invoice_policy", "Invoicing Policy", sel("order", "Ordered quantities", "delivery", "Delivered quantities"))
	b.text("description_sale", "Sales Description")
	b.many2one("company_id", "Company", "res.company")
	b.many2one("currency_id", "Currency", "res.currency")
	b.float("standard_price", "Cost")
	b.char("barcode", "Barcode")
	b.float("weight", "Weight")
}

func productDefaults(t *tx, vals *wire.Struct) error {
	defaults := map[string]any{"type": "consu", "sale_ok": true, "purchase_ok": true, "invoice_policy": "order"}
	for k, v := range defaults {
		if !vals.Has(k) {
			vals.Set(k, v)
		}
	}
	if !vals.Has("uom_id") {
		if ids, _ := t.search("uom.uom", nil, searchOpts{limit: 1, order: "id"}); len(ids) > 0 {
			vals.Set("uom_id", ids[0])
		}
	}
	return nil
}

// productDisplayName is "[default_code] name", as product.product shows it.
func productDisplayName(modelName string) func(t *tx, id int64) string {
	return func(t *tx, id int64) string {
		r := t.rec(modelName, id)
		name := str(r["name"])
		if code := str(r["default_code"]); code != "" {
			return "[" + code + "] " + name
		}
		return name
	}
}

func productTemplateModel() *model {
	b := newModel("product.template", "Product")
	b.m.order = "priority desc, name"
	b.m.mailThread = true
	productCommon(b)
	b.selection("priority", "Favorite", sel("0", "Normal", "1", "Favorite"))
	b.one2many("product_variant_ids", "Products", "product.product", "product_tmpl_id")
	b.m.displayName = productDisplayName("product.template")
	b.m.defaults = productDefaults
	b.m.afterCreate = func(t *tx, id int64, vals *wire.Struct) error {
		// Every template gets its single variant.
		if t.ctxBool("create_product_product") {
			return nil
		}
		variant := wire.NewStruct("product_tmpl_id", id)
		r := t.rec("product.template", id)
		for _, k := range []string{"name", "default_code", "active", "type", "list_price", "sale_ok", "purchase_ok",
			"uom_id", "taxes_id", "categ_id", "invoice_policy", "is_storable", "description_sale", "company_id", "currency_id", "standard_price", "barcode"} {
			if v, ok := r[k]; ok && v != nil {
				if ids, ok := v.([]int64); ok {
					v = []any{[]any{int64(6), int64(0), anyIDs(ids)}}
				}
				variant.Set(k, v)
			}
		}
		_, err := t.create("product.product", variant)
		return err
	}
	return b.finish()
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func productProductModel() *model {
	b := newModel("product.product", "Product Variant")
	b.m.order = "priority desc, default_code, name, id"
	b.m.mailThread = true
	b.many2one("product_tmpl_id", "Product Template", "product.template")
	productCommon(b)
	b.float("lst_price", "Sales Price", computed(func(t *tx, id int64) (any, error) {
		return t.rec("product.product", id)["list_price"], nil
	}))
	b.selection("priority", "Favorite", sel("0", "Normal", "1", "Favorite"))
	b.m.displayName = productDisplayName("product.product")
	b.m.defaults = func(t *tx, vals *wire.Struct) error {
		if tmpl := intOf(vals.Value("product_tmpl_id")); tmpl != 0 {
			r := t.rec("product.template", tmpl)
			for k, v := range r {
				switch k {
				case "id", "display_name", "create_uid", "create_date", "write_uid", "write_date", "product_variant_ids", "priority":
					continue
				}
				if vals.Has(k) || v == nil || !t.model("product.product").hasField(k) {
					continue
				}
				if ids, ok := v.([]int64); ok {
					v = []any{[]any{int64(6), int64(0), anyIDs(ids)}}
				}
				vals.Set(k, v)
			}
		}
		return productDefaults(t, vals)
	}
	b.m.afterCreate = func(t *tx, id int64, vals *wire.Struct) error {
		if intOf(t.rec("product.product", id)["product_tmpl_id"]) != 0 {
			return nil
		}
		// A variant created on its own gets a template too.
		tmplVals := wire.NewStruct()
		r := t.rec("product.product", id)
		for _, k := range []string{"name", "default_code", "type", "list_price", "sale_ok", "uom_id", "categ_id", "invoice_policy", "description_sale"} {
			if v, ok := r[k]; ok && v != nil {
				tmplVals.Set(k, v)
			}
		}
		saved := t.ctx
		t.ctx = saved.Clone()
		t.ctx.Set("create_product_product", true)
		tmpl, err := t.create("product.template", tmplVals)
		t.ctx = saved
		if err != nil {
			return err
		}
		rr, err := t.mut("product.product", id)
		if err != nil {
			return err
		}
		rr["product_tmpl_id"] = tmpl
		return nil
	}
	return b.finish()
}

func productCategoryModel() *model {
	b := newModel("product.category", "Product Category")
	b.m.order = "complete_name"
	b.char("name", "Name", notNull)
	b.char("complete_name", "Complete Name", storedCompute)
	b.many2one("parent_id", "Parent Category", "product.category")
	b.m.displayName = func(t *tx, id int64) string {
		r := t.rec("product.category", id)
		if cn := str(r["complete_name"]); cn != "" {
			return cn
		}
		return str(r["name"])
	}
	return b.finish()
}

func uomModel() *model {
	b := newModel("uom.uom", "Product Unit of Measure")
	b.m.order = "factor DESC, id"
	b.char("name", "Unit of Measure", notNull)
	b.float("factor", "Ratio")
	b.float("rounding", "Rounding Precision")
	b.boolean("active", "Active")
	b.selection("uom_type", "Type", sel("bigger", "Bigger than the reference Unit of Measure", "reference", "Reference Unit of Measure for this category", "smaller", "Smaller than the reference Unit of Measure"))
	return b.finish()
}
