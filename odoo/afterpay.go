package odoo

import (
	"context"
	"fmt"
	"strings"
)

// The custom (manual) fields provisioning creates and the bridge writes.
const (
	// FieldAfterpayOrderID is the Afterpay order id, on sale.order and on
	// account.move (the invoices and credit notes made for it).
	FieldAfterpayOrderID = "x_afterpay_order_id"
	// FieldAfterpayStatus is a short human label of the payment on sale.order.
	FieldAfterpayStatus = "x_afterpay_status"
	// FieldAfterpayInstalments is the instalment plan on sale.order.
	FieldAfterpayInstalments = "x_afterpay_instalments"
	// FieldAfterpayCapture is the order's capture mode on sale.order, a
	// selection of CaptureImmediate and CaptureDeferred; empty means the
	// product's default. Odoo users set it while the order is a quotation.
	FieldAfterpayCapture = "x_afterpay_capture"
)

// The values of FieldAfterpayCapture.
const (
	// CaptureImmediate captures the whole order when the customer approves
	// ("When the customer approves" in Odoo).
	CaptureImmediate = "immediate"
	// CaptureDeferred authorises at approval and captures each delivery
	// ("On delivery" in Odoo).
	CaptureDeferred = "deferred"
)

// PaymentTermName is the name of the account.payment.term provisioning
// creates: the marker of an Afterpay order. Sales staff choose Afterpay by
// setting it as the quotation's payment term; the automation rules filter
// on it (by id) and the workflow checks it again (OrderHeader.IsAfterpay).
const PaymentTermName = "Afterpay"

// OrderAfterpay is what Odoo users see of an order's Afterpay payment. An
// empty field leaves the value in Odoo unchanged.
type OrderAfterpay struct {
	// OrderID is the Afterpay order id.
	OrderID string
	// Status is a short human label such as "Captured", "Refunded",
	// "Reversed" or "Declined".
	Status string
	// Instalments is the instalment plan as shown to the customer.
	Instalments string
}

func (f OrderAfterpay) vals() map[string]any {
	vals := map[string]any{}
	for name, v := range map[string]string{
		FieldAfterpayOrderID:     f.OrderID,
		FieldAfterpayStatus:      f.Status,
		FieldAfterpayInstalments: f.Instalments,
	} {
		if v != "" {
			vals[name] = v
		}
	}
	return vals
}

// SetOrderAfterpay writes the order's x_afterpay_order_id, x_afterpay_status
// and x_afterpay_instalments (fields left empty in f are not touched), in
// one call: the fields are not tracked, so writing the same values again
// on a retry leaves no trace. ErrNotFound if the order does not exist; a
// fault naming an x_afterpay field means Odoo was not provisioned.
func (c *Client) SetOrderAfterpay(ctx context.Context, orderID int64, f OrderAfterpay) error {
	where := fmt.Sprintf("odoo: set the Afterpay fields of sale.order %d", orderID)
	want := f.vals()
	if len(want) == 0 {
		return nil
	}
	if err := c.Write(ctx, "sale.order", []int64{orderID}, want, nil); err != nil {
		return fmt.Errorf("%s: %w", where, provisioningHint(err))
	}
	return nil
}

// SetMovesAfterpayOrderID writes x_afterpay_order_id on account.move
// records (invoices and credit notes, posted ones included: Odoo accepts
// writes of custom fields on posted moves), in one call: the field is not
// tracked, so a retry writing the same value again leaves no trace.
// ErrNotFound if a move does not exist.
func (c *Client) SetMovesAfterpayOrderID(ctx context.Context, moveIDs []int64, afterpayOrderID string) error {
	where := fmt.Sprintf("odoo: set the Afterpay order id of account.move %v", moveIDs)
	if strings.TrimSpace(afterpayOrderID) == "" {
		return fmt.Errorf("%s: afterpayOrderID is required", where)
	}
	ids := uniqueIDs(moveIDs...)
	if len(ids) == 0 {
		return nil
	}
	if err := c.Write(ctx, "account.move", ids, map[string]any{FieldAfterpayOrderID: afterpayOrderID}, nil); err != nil {
		return fmt.Errorf("%s: %w", where, provisioningHint(err))
	}
	return nil
}

// provisioningHint adds "run setup-odoo" to Odoo's "Invalid field
// 'x_afterpay_…'" fault, which means the custom fields do not exist.
func provisioningHint(err error) error {
	if f, ok := AsFault(err); ok && strings.Contains(f.Message, "Invalid field 'x_afterpay_") {
		return fmt.Errorf("the Afterpay custom fields are missing (run setup-odoo): %w", err)
	}
	return err
}
