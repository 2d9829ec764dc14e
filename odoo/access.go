package odoo

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The operations of Odoo's model access rights (ir.model.access).
const (
	AccessRead   = "read"
	AccessWrite  = "write"
	AccessCreate = "create"
	AccessUnlink = "unlink"
)

// ModelAccess is a model and the operations the product performs on it.
type ModelAccess struct {
	Model      string
	Operations []string
}

// RequiredAccess lists the model access rights the integration user needs
// for what the product does at run time: reading orders, recording
// transactions, invoicing, booking and reconciling payments and refunds,
// notes and activities. Provisioning (setup-odoo) needs more, and may be
// run by an administrator instead.
func RequiredAccess() []ModelAccess {
	r, w, c := AccessRead, AccessWrite, AccessCreate
	return []ModelAccess{
		{"sale.order", []string{r, w}},
		{"sale.order.line", []string{r}},
		{"res.partner", []string{r}},
		{"res.country", []string{r}},
		{"res.country.state", []string{r}},
		{"res.currency", []string{r}},
		{"payment.provider", []string{r}},
		{"payment.method", []string{r}},
		{"payment.transaction", []string{r, w, c}},
		{"account.payment.term", []string{r}},
		{"sale.advance.payment.inv", []string{c}},
		{"account.move", []string{r, w, c}},
		{"account.move.line", []string{r}},
		{"account.move.reversal", []string{c}},
		{"account.journal", []string{r}},
		{"account.payment", []string{r, w, c}},
		{"account.payment.register", []string{c}},
		{"mail.message", []string{r}},
		{"mail.activity", []string{r, c}},
		// External ids (the payment method, the activity type) and model ids
		// (an activity's document model) are looked up at run time too.
		{"ir.model.data", []string{r}},
		{"ir.model", []string{r}},
	}
}

func checkOperation(operation string) error {
	if !slices.Contains([]string{AccessRead, AccessWrite, AccessCreate, AccessUnlink}, operation) {
		return fmt.Errorf("odoo: access operation %q: want read, write, create or unlink", operation)
	}
	return nil
}

// HasAccess reports whether the user may perform operation (read, write,
// create or unlink) on model at all: Odoo 18's has_access on an empty
// recordset, which checks the model's access rights (ir.model.access) and
// not record rules. A model that does not exist is a business fault.
func (c *Client) HasAccess(ctx context.Context, model, operation string) (bool, error) {
	if err := checkOperation(operation); err != nil {
		return false, err
	}
	res, err := c.ExecuteKW(ctx, model, "has_access", []any{[]any{}, operation}, nil)
	if err != nil {
		return false, fmt.Errorf("odoo: has_access %s on %s: %w", operation, model, err)
	}
	ok, isBool := res.(bool)
	if !isBool {
		return false, &ProtocolError{Op: "has_access " + model, Err: fmt.Errorf("unexpected answer %#v", res)}
	}
	return ok, nil
}

// AccessGroups returns the groups that would let the user perform operation
// on model, as Odoo names them ("Administration/Settings"), and Odoo's
// message saying so. It calls check_access on an empty recordset, whose
// AccessError lists them. When the user has the right, both are empty.
func (c *Client) AccessGroups(ctx context.Context, model, operation string) (groups []string, message string, err error) {
	if err := checkOperation(operation); err != nil {
		return nil, "", err
	}
	_, err = c.ExecuteKW(ctx, model, "check_access", []any{[]any{}, operation}, nil)
	f, isFault := AsFault(err)
	switch {
	case err == nil, isFault && f.Kind() == KindProbablyApplied:
		// check_access returns None when the right is there; Odoo cannot
		// marshal None, so the answer is that fault.
		return nil, "", nil
	case isFault && f.Kind() == KindAccessError:
		return accessErrorGroups(f.Message), f.Message, nil
	}
	return nil, "", fmt.Errorf("odoo: check_access %s on %s: %w", operation, model, err)
}

// accessErrorGroups reads the group names out of Odoo 18's AccessError:
// "…\n\nThis operation is allowed for the following groups:\n\t- Sales/User\n\t- …".
func accessErrorGroups(msg string) []string {
	_, list, found := strings.Cut(msg, "allowed for the following groups:")
	if !found {
		return nil
	}
	var groups []string
	for _, line := range strings.Split(list, "\n") {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, "- "); ok {
			groups = append(groups, strings.TrimSpace(name))
		} else if line != "" && len(groups) > 0 {
			break // the closing sentence
		}
	}
	return groups
}
