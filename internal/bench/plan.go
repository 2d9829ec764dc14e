// Package bench measures the product against a bare Temporal workflow of
// the product's own shape, side by side: the bare contestant replays the
// commands of the payment workflow's recorded history (the same
// activities on the same task queues, the same search-attribute upserts,
// timers and version markers, the customer's return as an update) with
// activities that do nothing, so that the difference between the two is
// what the product itself costs.
package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/odoo-afterpay/bridge/workflows"
)

// Plan is the shape of one payment workflow, read from a recorded history:
// what the workflow did at each of its workflow tasks, and what woke it.
type Plan struct {
	// TaskQueue is the recorded workflow's task queue; activity queues are
	// kept as suffixes of it (e.g. "-odoo").
	TaskQueue string
	// StartAttrs are the search attributes the workflow started with.
	StartAttrs []Attr
	// Batches are the workflow tasks that issued commands, in order.
	Batches []Batch
	// Update is the update the customer's return is ("" if none); Signals
	// are the signals the workflow received, by name.
	Update  string
	Signals []string
	// WaitMarker is the upsert after which the workflow waits for the
	// customer's return; DoneMarker the one that says the payment is
	// booked (the workflow then waits in its after-sale phase).
	WaitMarker, DoneMarker Marker
	// Statuses are the PaymentStatus values the workflow passes through;
	// any other means the payment went another way.
	Statuses []string
}

// Batch is one workflow task: what woke the workflow, then its commands.
type Batch struct {
	Wake  Wake
	Steps []Step
}

// Wake is what the workflow waits for before a batch: activities done,
// timers fired, and the total number of signals (by name) and updates
// received by then.
type Wake struct {
	Activities []int64 // the recorded ActivityTaskScheduled event ids
	Timers     []string
	Signals    map[string]int
	Updates    int
}

// StepKind says what a Step does.
type StepKind string

// The steps a batch can hold.
const (
	StepActivity      StepKind = "activity"
	StepTimer         StepKind = "timer"
	StepCancelTimer   StepKind = "cancel-timer"
	StepUpsert        StepKind = "upsert"
	StepVersion       StepKind = "version"
	StepLocalActivity StepKind = "local-activity"
	StepSideEffect    StepKind = "side-effect"
	StepUpdateDone    StepKind = "update-done"
)

// Step is one command.
type Step struct {
	Kind StepKind
	// EventID is the recorded event's id; activities are waited for by it.
	EventID  int64
	Activity *ActivitySpec
	// TimerID and Timer: the timer started or cancelled.
	TimerID string
	Timer   time.Duration
	// Attrs: the search attributes upserted.
	Attrs []Attr
	// ChangeID and Version: workflow.GetVersion's.
	ChangeID string
	Version  int
}

// ActivitySpec is a recorded activity's type, queue and options.
type ActivitySpec struct {
	Name string
	// QueueSuffix is its task queue less the workflow's (e.g. "-odoo").
	QueueSuffix                                               string
	StartToClose, ScheduleToClose, ScheduleToStart, Heartbeat time.Duration
	RetryInitial, RetryMax                                    time.Duration
	RetryBackoff                                              float64
	RetryMaxAttempts                                          int32
	// Signal is the signal that reached the workflow while this activity
	// ran (Odoo's webhook for the invoice it posted): the bare activity
	// sends it, as the product's side effect would.
	Signal string
}

// Attr is a search attribute with its value as stored (JSON).
type Attr struct {
	Name, Type, JSON string
}

// Marker is the Nth upsert of Attr (counted from 1) in a workflow's
// history.
type Marker struct {
	Attr Attr
	Nth  int
}

// String shows the marker as name=value.
func (m Marker) String() string {
	if m.Nth > 1 {
		return fmt.Sprintf("%s=%s (#%d)", m.Attr.Name, m.Attr.JSON, m.Nth)
	}
	return m.Attr.Name + "=" + m.Attr.JSON
}

// LoadHistory reads a history written as protojson (workflows/testdata).
func LoadHistory(path string) (*historypb.History, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	var h historypb.History
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("parse history %s: %w", path, err)
	}
	return &h, nil
}

// LoadPlan reads the plan of the history at path.
func LoadPlan(path string) (*Plan, error) {
	h, err := LoadHistory(path)
	if err != nil {
		return nil, err
	}
	p, err := NewPlan(h.GetEvents())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// NewPlan reads a payment's plan from its history. The history must show
// the payment booked (a PaymentStatus upsert) after the customer's return
// (an accepted update).
func NewPlan(events []*historypb.HistoryEvent) (*Plan, error) {
	if len(events) == 0 || events[0].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
		return nil, errors.New("the history does not begin with WorkflowExecutionStarted")
	}
	started := events[0].GetWorkflowExecutionStartedEventAttributes()
	p := &Plan{TaskQueue: started.GetTaskQueue().GetName()}
	var err error
	if p.StartAttrs, err = attrsOf(started.GetSearchAttributes().GetIndexedFields()); err != nil {
		return nil, err
	}
	wake := Wake{Signals: map[string]int{}}
	signals := map[string]int{}
	updates := 0
	var batch *Batch
	var changes []string // TemporalChangeVersion so far
	activities := map[int64]*ActivitySpec{}
	var running []int64 // activities scheduled and not completed, in order
	var lastDone int64  // the activity that completed last
	upserts := map[Attr]int{}
	var lastUpsert Marker
	statusKey := workflows.PaymentStatusKey.GetName()
	for i := 1; i < len(events); i++ {
		ev := events[i]
		id := ev.GetEventId()
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			p.Batches = append(p.Batches, Batch{Wake: wake})
			batch = &p.Batches[len(p.Batches)-1]
			wake = Wake{Signals: map[string]int{}}
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED,
			enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED, enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
			enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			// A failed or timed-out workflow task is retried and issues
			// the same commands; a started activity wakes nothing.
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			done := ev.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()
			wake.Activities = append(wake.Activities, done)
			running = removeID(running, done)
			lastDone = done
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			wake.Timers = append(wake.Timers, ev.GetTimerFiredEventAttributes().GetTimerId())
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			name := ev.GetWorkflowExecutionSignaledEventAttributes().GetSignalName()
			if signals[name] == 0 {
				p.Signals = append(p.Signals, name)
			}
			signals[name]++
			wake.Signals[name] = signals[name]
			// The signal came from outside while an activity ran (Odoo's
			// webhook for what the activity did): that activity sends it.
			sender := lastDone
			if len(running) > 0 {
				sender = running[len(running)-1]
			}
			if a := activities[sender]; a != nil && a.Signal == "" {
				a.Signal = name
			} else {
				return nil, fmt.Errorf("event %d: signal %q arrived with no activity to send it", id, name)
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			name := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput().GetName()
			if p.Update != "" && p.Update != name {
				return nil, fmt.Errorf("event %d: a second kind of update %q (the bare workflow plays one, %q)", id, name, p.Update)
			}
			if batch == nil {
				return nil, fmt.Errorf("event %d: update accepted before the first workflow task", id)
			}
			if updates == 0 {
				p.WaitMarker = lastUpsert
			}
			p.Update = name
			updates++
			// Accepted in the workflow task it woke.
			batch.Wake.Updates = updates
		default:
			if batch == nil {
				return nil, fmt.Errorf("event %d: %s before the first workflow task", id, ev.GetEventType())
			}
			step, skip, err := stepOf(ev, p.TaskQueue, &changes)
			if err != nil {
				return nil, fmt.Errorf("event %d: %w", id, err)
			}
			if step.Kind == StepVersion && i+1 < len(events) {
				// GetVersion upserts TemporalChangeVersion itself.
				if next := events[i+1]; next.GetEventType() == enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES {
					if change, ok := newChange(next, &changes); ok {
						step.ChangeID, step.Version = change.id, change.version
						i++
					}
				}
				if step.ChangeID == "" {
					step.ChangeID, step.Version = fmt.Sprintf("bench-change-%d", id), 1
				}
			}
			if skip {
				continue
			}
			switch step.Kind {
			case StepActivity:
				activities[id] = step.Activity
				running = append(running, id)
			case StepUpsert:
				for _, a := range step.Attrs {
					upserts[a]++
					lastUpsert = Marker{Attr: a, Nth: upserts[a]}
					if a.Name == statusKey {
						p.DoneMarker = lastUpsert
						var s string
						if json.Unmarshal([]byte(a.JSON), &s) == nil {
							p.Statuses = append(p.Statuses, s)
						}
					}
				}
			}
			batch.Steps = append(batch.Steps, step)
		}
	}
	switch {
	case p.Update == "":
		return nil, errors.New("the history has no accepted update (the customer's return)")
	case p.WaitMarker.Nth == 0:
		return nil, errors.New("no search-attribute upsert precedes the customer's return: the driver could not tell when the workflow waits")
	case p.DoneMarker.Nth == 0:
		return nil, fmt.Errorf("the history never upserts %s", statusKey)
	case p.DoneMarker.Nth != 1:
		return nil, fmt.Errorf("the last %s upsert (%s) is not its first: the driver could not tell when the payment is booked", statusKey, p.DoneMarker)
	}
	return p, nil
}

// stepOf turns a command event into a step; skip is set for events the
// bare workflow need not repeat (a lone TemporalChangeVersion upsert).
func stepOf(ev *historypb.HistoryEvent, taskQueue string, changes *[]string) (step Step, skip bool, err error) {
	step.EventID = ev.GetEventId()
	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		a := ev.GetActivityTaskScheduledEventAttributes()
		queue := a.GetTaskQueue().GetName()
		suffix, ok := strings.CutPrefix(queue, taskQueue)
		if !ok {
			suffix = "-" + queue
		}
		rp := a.GetRetryPolicy()
		step.Kind = StepActivity
		step.Activity = &ActivitySpec{
			Name: a.GetActivityType().GetName(), QueueSuffix: suffix,
			StartToClose: a.GetStartToCloseTimeout().AsDuration(), ScheduleToClose: a.GetScheduleToCloseTimeout().AsDuration(),
			ScheduleToStart: a.GetScheduleToStartTimeout().AsDuration(), Heartbeat: a.GetHeartbeatTimeout().AsDuration(),
			RetryInitial: rp.GetInitialInterval().AsDuration(), RetryMax: rp.GetMaximumInterval().AsDuration(),
			RetryBackoff: rp.GetBackoffCoefficient(), RetryMaxAttempts: rp.GetMaximumAttempts(),
		}
	case enumspb.EVENT_TYPE_TIMER_STARTED:
		a := ev.GetTimerStartedEventAttributes()
		step.Kind, step.TimerID, step.Timer = StepTimer, a.GetTimerId(), a.GetStartToFireTimeout().AsDuration()
	case enumspb.EVENT_TYPE_TIMER_CANCELED:
		step.Kind, step.TimerID = StepCancelTimer, ev.GetTimerCanceledEventAttributes().GetTimerId()
	case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
		fields := ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
		if _, ok := newChange(ev, changes); ok && len(fields) == 1 {
			return step, true, nil
		}
		step.Kind = StepUpsert
		if step.Attrs, err = attrsOf(fields); err != nil {
			return step, false, err
		}
	case enumspb.EVENT_TYPE_MARKER_RECORDED:
		switch name := ev.GetMarkerRecordedEventAttributes().GetMarkerName(); name {
		case "Version":
			step.Kind = StepVersion
		case "LocalActivity":
			step.Kind = StepLocalActivity
		case "SideEffect", "MutableSideEffect":
			step.Kind = StepSideEffect
		default:
			return step, false, fmt.Errorf("marker %q: the bare workflow cannot play it", name)
		}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
		step.Kind = StepUpdateDone
	default:
		return step, false, fmt.Errorf("%s: the bare workflow cannot play it (extend internal/bench)", ev.GetEventType())
	}
	return step, false, nil
}

type change struct {
	id      string
	version int
}

// newChange reads the change GetVersion added to TemporalChangeVersion
// ("change-id-version"), remembering the list.
func newChange(ev *historypb.HistoryEvent, changes *[]string) (change, bool) {
	p := ev.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()["TemporalChangeVersion"]
	if p == nil {
		return change{}, false
	}
	var list []string
	if err := json.Unmarshal(p.GetData(), &list); err != nil || len(list) == 0 {
		return change{}, false
	}
	added := list[len(list)-1]
	for _, c := range list {
		if !slices.Contains(*changes, c) {
			added = c
		}
	}
	*changes = list
	i := strings.LastIndex(added, "-")
	if i < 0 {
		return change{id: added, version: 1}, true
	}
	var v int
	if _, err := fmt.Sscan(added[i+1:], &v); err != nil {
		return change{id: added, version: 1}, true
	}
	return change{id: added[:i], version: v}, true
}

func removeID(ids []int64, id int64) []int64 {
	for i, x := range ids {
		if x == id {
			return append(ids[:i:i], ids[i+1:]...)
		}
	}
	return ids
}

// Activities lists the plan's activities in order.
func (p *Plan) Activities() []*ActivitySpec {
	var out []*ActivitySpec
	for _, b := range p.Batches {
		for _, s := range b.Steps {
			if s.Kind == StepActivity {
				out = append(out, s.Activity)
			}
		}
	}
	return out
}

// attrsOf reads search attributes as stored: each payload's JSON and its
// type (metadata "type"), sorted by name.
func attrsOf(fields map[string]*commonpb.Payload) ([]Attr, error) {
	out := make([]Attr, 0, len(fields))
	for name, p := range fields {
		typ := string(p.GetMetadata()["type"])
		if typ == "" {
			return nil, fmt.Errorf("search attribute %s has no type", name)
		}
		if !json.Valid(p.GetData()) {
			return nil, fmt.Errorf("search attribute %s is not JSON", name)
		}
		out = append(out, attrOf(name, p))
	}
	slices.SortFunc(out, func(a, b Attr) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
