package odoo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PostNote posts body, plain text, as an internal note in the chatter of
// model/resID (message_post, message_type comment, subtype mail.mt_note)
// and returns the mail.message id. marker is a plain-text substring of body
// that identifies this note (for example "[afterpay:capture:AP-123]"): when
// a message of the record already contains it, that message's id is
// returned and nothing is posted, so a retried activity never posts twice.
//
// The body is sent as HTML (body_is_html) with &, < and > escaped and its
// line breaks as <br>: Odoo 18 escapes a plain-text body but keeps its
// newlines as they are, which a browser shows as spaces. Odoo stores it in a
// <p>. The marker must not contain HTML special characters (& < > " ') or
// it could never be found again.
func (c *Client) PostNote(ctx context.Context, model string, resID int64, body, marker string) (int64, error) {
	return c.postNote(ctx, model, resID, body, marker, true)
}

// PostNewNote is PostNote for a note that cannot have been posted yet (the
// first attempt): it posts at once, and looks for the marker only when
// Odoo's answer is lost after it committed. One call instead of two.
func (c *Client) PostNewNote(ctx context.Context, model string, resID int64, body, marker string) (int64, error) {
	return c.postNote(ctx, model, resID, body, marker, false)
}

func (c *Client) postNote(ctx context.Context, model string, resID int64, body, marker string, lookFirst bool) (int64, error) {
	switch {
	case model == "" || resID <= 0:
		return 0, errors.New("odoo: post note: model and resID are required")
	case strings.TrimSpace(marker) == "":
		return 0, errors.New("odoo: post note: marker is required")
	case strings.ContainsAny(marker, `&<>"'`):
		return 0, fmt.Errorf("odoo: post note: marker %q contains HTML special characters", marker)
	case !strings.Contains(body, marker):
		return 0, fmt.Errorf("odoo: post note: body does not contain the marker %q", marker)
	}
	where := fmt.Sprintf("odoo: post note on %s %d", model, resID)
	existing := []any{
		[]any{"model", "=", model},
		[]any{"res_id", "=", resID},
		[]any{"body", "ilike", marker},
	}
	if lookFirst {
		if id, err := c.searchOne(ctx, "mail.message", existing, nil); err != nil || id != 0 {
			if err != nil {
				return 0, fmt.Errorf("%s: look up: %w", where, err)
			}
			return id, nil
		}
	}
	res, err := c.CallMethod(ctx, model, "message_post", []int64{resID}, map[string]any{
		"body":          noteHTML(body),
		"body_is_html":  true,
		"message_type":  "comment",
		"subtype_xmlid": "mail.mt_note",
	})
	if err != nil {
		if IsProbablyApplied(err) {
			if id, ferr := c.searchOne(ctx, "mail.message", existing, nil); ferr == nil && id != 0 {
				return id, nil
			}
		}
		if f, ok := AsFault(err); ok && f.isMissingRecord() {
			return 0, fmt.Errorf("%s: %w: %w", where, ErrNotFound, err)
		}
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	id, ok := res.(int64)
	if !ok {
		return 0, &ProtocolError{Op: "message_post " + model, Err: fmt.Errorf("unexpected answer %#v", res)}
	}
	return id, nil
}

// noteHTML renders plain text as HTML: &, < and > escaped (the only
// characters Odoo's sanitiser keeps escaped in text, so what Odoo stores
// is exactly this, in a <p>) and line breaks as <br>.
func noteHTML(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.ReplaceAll(htmlEscaper.Replace(text), "\n", "<br>")
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// WriteFields writes vals on one record (for example the x_afterpay_*
// custom fields). Idempotent. ErrNotFound if the record does not exist.
func (c *Client) WriteFields(ctx context.Context, model string, id int64, vals map[string]any) error {
	if len(vals) == 0 {
		return nil
	}
	return c.Write(ctx, model, []int64{id}, vals, nil)
}

// DefaultActivityTypeXMLID is the "To-Do" activity type.
const DefaultActivityTypeXMLID = "mail.mail_activity_data_todo"

// ActivitySpec describes a mail.activity to schedule on a record, for
// example a dispute for a finance user to look at.
type ActivitySpec struct {
	// Model and ResID name the record (required).
	Model string
	ResID int64
	// UserID is the assignee; 0 means the integration user.
	UserID int64
	// Summary is the one-line title (required) and, with the record, the
	// idempotency key.
	Summary string
	// Note is the body; Odoo stores it as sanitised HTML.
	Note string
	// Deadline is the due date (its calendar date in its own location); zero
	// means today (UTC, by the client's clock).
	Deadline time.Time
	// TypeXMLID is the activity type; "" means DefaultActivityTypeXMLID.
	TypeXMLID string
}

// ScheduleActivity creates the activity unless one with the same record and
// summary is already open, and returns its id.
func (c *Client) ScheduleActivity(ctx context.Context, spec ActivitySpec) (int64, error) {
	if spec.Model == "" || spec.ResID <= 0 || spec.Summary == "" {
		return 0, errors.New("odoo: schedule activity: Model, ResID and Summary are required")
	}
	where := fmt.Sprintf("odoo: schedule activity on %s %d", spec.Model, spec.ResID)
	existing := []any{
		[]any{"res_model", "=", spec.Model},
		[]any{"res_id", "=", spec.ResID},
		[]any{"summary", "=", spec.Summary},
	}
	if id, err := c.searchOne(ctx, "mail.activity", existing, nil); err != nil || id != 0 {
		if err != nil {
			return 0, fmt.Errorf("%s: look up: %w", where, err)
		}
		return id, nil
	}
	modelID, err := c.ModelID(ctx, spec.Model)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	typeXMLID := spec.TypeXMLID
	if typeXMLID == "" {
		typeXMLID = DefaultActivityTypeXMLID
	}
	_, typeID, err := c.XMLID(ctx, typeXMLID)
	if err != nil {
		return 0, fmt.Errorf("%s: activity type: %w", where, err)
	}
	userID := spec.UserID
	if userID == 0 {
		if userID, err = c.userID(ctx); err != nil {
			return 0, fmt.Errorf("%s: %w", where, err)
		}
	}
	deadline := spec.Deadline
	if deadline.IsZero() {
		deadline = c.now().UTC()
	}
	vals := map[string]any{
		"res_model_id":     modelID,
		"res_id":           spec.ResID,
		"activity_type_id": typeID,
		"summary":          spec.Summary,
		"note":             spec.Note,
		"date_deadline":    FormatDate(deadline),
		"user_id":          userID,
	}
	id, err := c.Create(ctx, "mail.activity", vals, nil)
	if err != nil {
		if IsProbablyApplied(err) {
			if id, ferr := c.searchOne(ctx, "mail.activity", existing, nil); ferr == nil && id != 0 {
				return id, nil
			}
		}
		return 0, fmt.Errorf("%s: %w", where, err)
	}
	return id, nil
}
