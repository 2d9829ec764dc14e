package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/odoo-afterpay/bridge/workflows"
)

// Odoo 18's webhooks can carry neither a header nor a signature, so the
// token travels in the URL, and Odoo logs that URL. The design assumes
// anyone who reads Odoo's log has it:
//   - it is checked before the body is read, and two tokens are accepted
//     during a rotation (`starter setup-odoo` rewrites the rules);
//   - all it lets a caller do is ask the product to look at an order that
//     exists in Odoo, which the workflow then reads from Odoo itself; nothing
//     in the body but the order's name (and id, as a hint) is used;
//   - it is rate-limited per source, and a source that keeps failing is
//     refused for a while.

// odooWebhook is the JSON Odoo 18's webhook server action posts: the record's
// chosen fields plus _action, _id and _model. Odoo writes an empty char field
// as false, hence any.
type odooWebhook struct {
	Action string      `json:"_action"`
	ID     json.Number `json:"_id"`
	Model  string      `json:"_model"`
	Name   any         `json:"name"`
}

// odooTokenOK checks ?token= against the current and the previous token.
func (s *server) odooTokenOK(c *gin.Context) bool {
	got := c.Query("token")
	if got == "" || len(s.odooTokens) == 0 {
		s.authFailed(c, "odoo webhook token", "missing")
		return false
	}
	switch matchSecret(got, s.odooTokens) {
	case -1:
		s.authFailed(c, "odoo webhook token", "wrong")
		return false
	case 0:
		return true
	default:
		s.logger(c).Warn("Odoo sent the previous webhook token: finish the rotation with `starter setup-odoo`, then drop ODOO_WEBHOOK_TOKEN_PREVIOUS")
		return true
	}
}

// readOdooWebhook reads and checks the webhook of a record of model, and
// returns it with its name and raw body. It answers the request itself on
// any problem.
func (s *server) readOdooWebhook(c *gin.Context, model string) (odooWebhook, string, []byte, bool) {
	body, ok := s.readJSON(c)
	if !ok {
		return odooWebhook{}, "", nil, false
	}
	hook, name, ok := s.checkOdooWebhook(c, body, model)
	return hook, name, body, ok
}

func (s *server) checkOdooWebhook(c *gin.Context, body []byte, model string) (odooWebhook, string, bool) {
	var hook odooWebhook
	if err := decodeJSON(body, &hook); err != nil {
		s.logger(c).Warn("Odoo webhook refused: malformed JSON", "error", clip(err.Error()))
		s.fail(c, http.StatusBadRequest, "malformed JSON")
		return hook, "", false
	}
	if hook.Model != model {
		s.logger(c).Warn("Odoo webhook refused: wrong model", "model", clip(hook.Model), "want", model)
		s.fail(c, http.StatusUnprocessableEntity, "not a "+model+" webhook")
		return hook, "", false
	}
	name, _ := hook.Name.(string)
	if !validOrderName(name) {
		s.logger(c).Warn("Odoo webhook refused: no valid name (the automation rule must send the record's name)", "name", clip(jsonText(hook.Name)))
		s.fail(c, http.StatusUnprocessableEntity, "the webhook has no valid record name")
		return hook, "", false
	}
	if id, err := hook.ID.Int64(); hook.ID != "" && (err != nil || id < 0) {
		s.logger(c).Warn("Odoo webhook refused: bad _id", "id", clip(hook.ID.String()))
		s.fail(c, http.StatusUnprocessableEntity, "the webhook has no valid record id")
		return hook, "", false
	}
	return hook, name, true
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// orderConfirmed starts the order's payment workflow. The body is only a
// hint: Odoo sends it before committing, and the workflow reads the order.
func (s *server) orderConfirmed(c *gin.Context) {
	if !s.odooTokenOK(c) {
		return
	}
	hook, name, _, ok := s.readOdooWebhook(c, "sale.order")
	if !ok {
		return
	}
	hintID, _ := hook.ID.Int64()
	ctx, cancel := context.WithTimeout(c.Request.Context(), odooWebhookBudget)
	defer cancel()
	log := s.logger(c).With("order", name)
	if s.opts.Orders != nil {
		lookupCtx, cancelLookup := context.WithTimeout(ctx, s.lookupBudget)
		id, found, err := s.opts.Orders.FindOrder(lookupCtx, name)
		cancelLookup()
		switch {
		case err != nil:
			// Odoo did not answer in time. Its webhook is not retried, so
			// refusing would lose the payment; the workflow reads the order
			// anyway and ends if it never exists.
			log.Warn("Odoo did not confirm the webhook's order in time; starting its payment anyway", "error", err)
		case !found:
			log.Warn("Odoo webhook refused: no such order in Odoo")
			s.fail(c, http.StatusNotFound, "unknown order")
			return
		case hintID != 0 && id != hintID:
			log.Warn("Odoo webhook refused: the order's id does not match", "id", hintID, "odooId", id)
			s.fail(c, http.StatusNotFound, "unknown order")
			return
		default:
			hintID = id
		}
	}
	// Odoo stops waiting for its webhook after a second and never sends it
	// again: the start must not give up with it, or a slow moment loses
	// the payment until the next reconciliation.
	startCtx, cancelStart := context.WithTimeout(context.WithoutCancel(c.Request.Context()), WebhookStartBudget)
	defer cancelStart()
	outcome, run, err := workflows.StartPayment(startCtx, s.temporal, s.opts.TaskQueue, s.paymentInput(name, hintID))
	if err != nil {
		log.Error("Starting the payment workflow failed; start it with `starter start -order "+name+"`", "error", err)
		s.fail(c, http.StatusServiceUnavailable, "the payment could not be started; try again")
		return
	}
	log.Info("Order confirmed webhook", "outcome", outcome, "workflowId", run.GetID(), "webUI", s.webUILink(run.GetID()))
	status := http.StatusAccepted
	if outcome != workflows.Started {
		status = http.StatusOK
	}
	c.JSON(status, gin.H{"outcome": outcome})
}

// odooEventHook describes one of Odoo's after-the-sale webhooks: the
// record's model, and where its body names the order (the order itself, or
// the picking's origin, or the invoice's or credit note's invoice_origin,
// which can list several orders).
type odooEventHook struct {
	kind        workflows.OdooEventKind
	model       string
	state       string // the state the rule reports
	originField string // "" when the record is the order itself
}

var (
	deliveryDoneHook   = odooEventHook{workflows.OdooDeliveryDone, "stock.picking", "done", "origin"}
	orderCancelledHook = odooEventHook{workflows.OdooOrderCancelled, "sale.order", "cancel", ""}
	invoicePostedHook  = odooEventHook{workflows.OdooInvoicePosted, "account.move", "posted", "invoice_origin"}
	// The credit-note rule sends name, state, move_type, amount_total,
	// reversed_entry_id, invoice_origin and ref; the workflow reads the
	// credit note from Odoo and refunds it at Afterpay.
	creditNotePostedHook = odooEventHook{workflows.OdooCreditNotePosted, "account.move", "posted", "invoice_origin"}
)

// odooEvent turns one of Odoo's webhooks about an order's life (a delivery
// done, the order cancelled, an invoice or credit note posted) into a
// signal to the order's running payment workflow, which then reads Odoo
// itself. Nothing starts a payment here.
func (s *server) odooEvent(hook odooEventHook) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.odooTokenOK(c) {
			return
		}
		wh, name, body, ok := s.readOdooWebhook(c, hook.model)
		if !ok {
			return
		}
		id, _ := wh.ID.Int64()
		if id <= 0 {
			s.logger(c).Warn("Odoo webhook refused: no record id")
			s.fail(c, http.StatusUnprocessableEntity, "the webhook has no valid record id")
			return
		}
		orders := []string{name}
		if hook.originField != "" {
			var fields map[string]any
			_ = json.Unmarshal(body, &fields)
			origin, _ := fields[hook.originField].(string)
			orders = orders[:0]
			for _, o := range strings.Split(origin, ",") {
				if o = strings.TrimSpace(o); validOrderName(o) {
					orders = append(orders, o)
				}
			}
			if len(orders) == 0 {
				s.logger(c).Warn("Odoo webhook refused: no order in its origin", "field", hook.originField, "origin", clip(origin))
				s.fail(c, http.StatusUnprocessableEntity, "the webhook names no order")
				return
			}
		}
		ev := workflows.OdooEvent{
			ID: fmt.Sprintf("%s:%d:%s", hook.model, id, hook.state), Kind: hook.kind, Model: hook.model, RecordID: id, Name: name,
		}
		log := s.logger(c).With("event", ev.ID)
		ctx, cancel := context.WithTimeout(c.Request.Context(), odooWebhookBudget)
		defer cancel()
		signalled := 0
		for _, order := range orders {
			err := s.temporal.SignalWorkflow(ctx, workflows.PaymentWorkflowID(s.opts.Database, order), "", workflows.SignalOdooEvent, ev)
			switch {
			case isNotFound(err) && hook.kind == workflows.OdooCreditNotePosted:
				// A credit note after the payment ended (its refund window
				// closed): nothing refunds it at Afterpay, so the order says so.
				outcome, err := workflows.NotifyLateCreditNote(ctx, s.temporal, s.opts.TaskQueue, s.opts.Database, order, id, name)
				if err != nil {
					log.Error("Telling the order of a credit note after its payment ended failed", "order", order, "error", err)
					s.fail(c, http.StatusServiceUnavailable, "the event could not be recorded; try again")
					return
				}
				log.Info("Credit note for an order without a running payment", "order", order, "outcome", outcome)
			case isNotFound(err):
				// Not an Afterpay payment, or one that has ended.
				log.Info("Odoo event for an order without a running payment", "order", order)
			case err != nil:
				log.Error("Signalling the Odoo event failed; the payment's daily check will find it", "order", order, "error", err)
				s.fail(c, http.StatusServiceUnavailable, "the event could not be recorded; try again")
				return
			default:
				signalled++
				log.Info("Odoo event", "order", order)
			}
		}
		c.JSON(http.StatusOK, gin.H{"signalled": signalled})
	}
}
