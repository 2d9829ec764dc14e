package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/workflows"
)

// follower reads a workflow's history as the server writes it (a long
// poll), so that the driver sees a marker the moment the workflow passes
// it, the same way for both contestants, without polling a query.
type follower struct {
	c      client.Client
	id     string
	it     client.HistoryEventIterator
	events []*historypb.HistoryEvent
	seen   map[Attr]int
	// statuses are the PaymentStatus values the plan passes through;
	// another means the payment went another way.
	statuses map[string]bool
}

func newFollower(c client.Client, id string, p *Plan) *follower {
	f := &follower{c: c, id: id, seen: map[Attr]int{}, statuses: map[string]bool{}}
	for _, s := range p.Statuses {
		f.statuses[s] = true
	}
	for _, a := range p.StartAttrs {
		if a.Name == workflows.PaymentStatusKey.GetName() {
			var s string
			if json.Unmarshal([]byte(a.JSON), &s) == nil {
				f.statuses[s] = true
			}
		}
	}
	return f
}

// until reads the history until m has been upserted.
func (f *follower) until(ctx context.Context, m Marker) error {
	for f.seen[m.Attr] < m.Nth {
		if f.it == nil {
			f.it = f.c.GetWorkflowHistory(ctx, f.id, "", true, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			// The iterator reads the whole history again: count afresh.
			f.events, f.seen = nil, map[Attr]int{}
		}
		if !f.it.HasNext() {
			return fmt.Errorf("workflow %s ended before %s", f.id, m)
		}
		ev, err := f.it.Next()
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) && len(f.events) == 0 {
			// Not started yet: Odoo's webhook has not reached the API.
			f.it = nil
			select {
			case <-ctx.Done():
				return fmt.Errorf("workflow %s never started: %w", f.id, ctx.Err())
			case <-time.After(2 * time.Millisecond):
			}
			continue
		}
		if err != nil {
			// The dev server can drop a long poll when it is starved of
			// CPU: read the history again, until the payment's deadline.
			f.it = nil
			select {
			case <-ctx.Done():
				return fmt.Errorf("follow workflow %s to %s: %w", f.id, m, err)
			case <-time.After(250 * time.Millisecond):
			}
			continue
		}
		f.events = append(f.events, ev)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			for name, p := range ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields() {
				a := attrOf(name, p)
				f.seen[a]++
				if name != workflows.PaymentStatusKey.GetName() {
					continue
				}
				var s string
				if json.Unmarshal([]byte(a.JSON), &s) == nil && !f.statuses[s] {
					return fmt.Errorf("workflow %s: PaymentStatus %s, which the recorded payment never showed (waiting for %s)", f.id, s, m)
				}
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
			return fmt.Errorf("workflow %s: %s before %s", f.id, ev.GetEventType(), m)
		}
	}
	return nil
}

func attrOf(name string, p *commonpb.Payload) Attr {
	var b bytes.Buffer
	data := p.GetData()
	if json.Compact(&b, data) == nil {
		data = b.Bytes()
	}
	return Attr{Name: name, Type: string(p.GetMetadata()["type"]), JSON: string(data)}
}

// Shape is a workflow's commands up to the done marker, one line each:
// what the bare contestant must repeat. Values that differ from payment to
// payment (order names, tokens) are left out; PaymentStatus is kept.
func Shape(events []*historypb.HistoryEvent, done Marker) []string {
	var out []string
	seen := map[Attr]int{}
	for _, ev := range events {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := ev.GetActivityTaskScheduledEventAttributes()
			out = append(out, "activity "+a.GetActivityType().GetName())
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			out = append(out, "timer "+ev.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration().String())
		case enumspb.EVENT_TYPE_TIMER_CANCELED:
			out = append(out, "cancel timer")
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			out = append(out, "marker "+ev.GetMarkerRecordedEventAttributes().GetMarkerName())
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			out = append(out, "update accepted")
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
			out = append(out, "update completed")
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			var names []string
			reached := false
			for name, p := range ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields() {
				a := attrOf(name, p)
				seen[a]++
				reached = reached || (a == done.Attr && seen[a] == done.Nth)
				if name == workflows.PaymentStatusKey.GetName() || name == "TemporalChangeVersion" {
					names = append(names, name+"="+a.JSON)
				} else {
					names = append(names, name)
				}
			}
			slices.Sort(names)
			out = append(out, "upsert "+strings.Join(names, ","))
			if reached {
				return out
			}
		}
	}
	return out
}

// shapeDiff describes the first difference between two shapes, or "".
func shapeDiff(want, got []string) string {
	for i := range max(len(want), len(got)) {
		w, g := "(end)", "(end)"
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("command %d: recorded %q, here %q", i+1, w, g)
		}
	}
	return ""
}
