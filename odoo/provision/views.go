package provision

import (
	"context"
	"fmt"
	"strings"
)

// viewSpec is a form-view extension that shows the custom fields to Odoo
// users, created over RPC as an ir.ui.view inheriting Odoo's own form (no
// module needed). Odoo validates the combined arch on create and write, so
// the fields must exist first (customFields runs before views).
type viewSpec struct {
	what    string
	name    string // ir.ui.view name; with the model, how the view is found again
	model   string
	inherit string // external id of the form it extends
	arch    string
}

// ViewPriority is the priority of the extension views: after Odoo's own
// extensions, so their anchors are in place.
const ViewPriority = 99

// The names of the extension views provisioning creates.
const (
	SaleOrderViewName   = "afterpay.sale.order.form"
	AccountMoveViewName = "afterpay.account.move.form"
)

var viewSpecs = []viewSpec{
	{
		what:    "form view sale.order (Afterpay page)",
		name:    SaleOrderViewName,
		model:   "sale.order",
		inherit: "sale.view_order_form",
		arch: `<data>
    <xpath expr="//page[@name='other_information']" position="after">
        <page string="Afterpay" name="afterpay">
            <group name="afterpay">
                <field name="x_afterpay_capture" readonly="state not in ('draft', 'sent')"/>
                <field name="x_afterpay_order_id" readonly="1"/>
                <field name="x_afterpay_status" readonly="1"/>
                <field name="x_afterpay_instalments" readonly="1"/>
            </group>
        </page>
    </xpath>
</data>`,
	},
	{
		what:    "form view account.move (Afterpay order)",
		name:    AccountMoveViewName,
		model:   "account.move",
		inherit: "account.view_move_form",
		arch: `<data>
    <xpath expr="//group[@name='sale_info_group']" position="inside">
        <field name="x_afterpay_order_id" readonly="1" invisible="not x_afterpay_order_id"/>
    </xpath>
</data>`,
	},
}

func (p *provisioner) views(ctx context.Context) error {
	for _, v := range viewSpecs {
		if err := p.view(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *provisioner) view(ctx context.Context, v viewSpec) error {
	what := v.what
	_, parent, err := p.c.XMLID(ctx, v.inherit)
	if err != nil {
		return fmt.Errorf("provision: %s: the form it extends, %s: %w", what, v.inherit, err)
	}
	id, err := p.searchFirst(ctx, "ir.ui.view", eq("name", v.name), eq("model", v.model))
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	if id == 0 {
		id, err = p.c.Create(ctx, "ir.ui.view", map[string]any{
			"name":       v.name,
			"model":      v.model,
			"type":       "form",
			"mode":       "extension",
			"inherit_id": parent,
			"priority":   ViewPriority,
			"arch":       v.arch,
		}, nil)
		if err != nil {
			return fmt.Errorf("provision: %s: create: %w", what, err)
		}
		p.record(ctx, Step{What: what, Model: "ir.ui.view", ID: id, Action: Created, Detail: "extends " + v.inherit})
		return nil
	}
	rec, err := p.readOne(ctx, "ir.ui.view", id, "inherit_id", "mode", "arch_db", "active", "priority")
	if err != nil {
		return fmt.Errorf("provision: %s: %w", what, err)
	}
	inherit, err1 := rec.Ref("inherit_id")
	mode, err2 := rec.String("mode")
	arch, err3 := rec.String("arch_db")
	active, err4 := rec.Bool("active")
	priority, err5 := rec.Int64("priority")
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			return fmt.Errorf("provision: %s: %w", what, err)
		}
	}
	vals := map[string]any{}
	var changes []string
	if inherit.ID != parent {
		vals["inherit_id"] = parent
		changes = append(changes, "extends "+v.inherit+" again")
	}
	if mode != "extension" {
		vals["mode"] = "extension"
		changes = append(changes, "mode "+mode+" -> extension")
	}
	if arch != v.arch {
		vals["arch"] = v.arch
		changes = append(changes, "arch reset")
	}
	if !active {
		vals["active"] = true
		changes = append(changes, "re-activated")
	}
	if priority != ViewPriority {
		vals["priority"] = ViewPriority
		changes = append(changes, fmt.Sprintf("priority %d -> %d", priority, ViewPriority))
	}
	step := Step{What: what, Model: "ir.ui.view", ID: id, Action: Unchanged}
	if len(vals) > 0 {
		if err := p.c.Write(ctx, "ir.ui.view", []int64{id}, vals, nil); err != nil {
			return fmt.Errorf("provision: %s: repair: %w", what, err)
		}
		step.Action, step.Detail = Updated, strings.Join(changes, "; ")
	}
	p.record(ctx, step)
	return nil
}
