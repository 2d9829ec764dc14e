package fakeodoo

// The fake has no access rights: every user may do everything, as Odoo's
// administrator may on the models the product uses. has_access and
// check_access answer accordingly, with Odoo 18's arguments and faults.

// accessOperation binds the operation of has_access and check_access
// (self is args[0]) and checks it as ir.model.access.check does. Odoo
// browses whatever args[0] holds (a string too), so a missing operation is
// what it reports first.
func accessOperation(c *call) error {
	a, err := c.bind(1, "operation")
	if err != nil {
		return err
	}
	if !a.has[0] {
		return typeErrorf("BaseModel.%s() missing 1 required positional argument: 'operation'", c.name)
	}
	if _, err := c.rawIDs(); err != nil {
		return err
	}
	switch op, _ := a.get(0).(string); op {
	case "read", "write", "create", "unlink":
		return nil
	}
	return pyError("AssertionError", "Invalid access mode",
		`  File "/usr/lib/python3/dist-packages/odoo/addons/base/models/ir_model.py", line 2079, in _get_allowed_models
    assert mode in ('read', 'write', 'create', 'unlink'), 'Invalid access mode'`)
}

// methodHasAccess is BaseModel.has_access(operation): True.
func methodHasAccess(c *call) (any, error) {
	if err := accessOperation(c); err != nil {
		return nil, err
	}
	return true, nil
}

// methodCheckAccess is BaseModel.check_access(operation): None, which
// Odoo cannot marshal (the client sees that fault, as from a real Odoo).
func methodCheckAccess(c *call) (any, error) {
	if err := accessOperation(c); err != nil {
		return nil, err
	}
	return nil, nil
}
