package workflows

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	commandpb "go.temporal.io/api/command/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// historyServer is just enough of Temporal's frontend to run one workflow
// on a virtual clock and keep its history, so that a benchmark can record
// what 120 days of a payment write without waiting 120 days (neither the
// dev server nor the SDK's test environment can: the one runs on the wall
// clock, the other keeps no history). The workflow runs in a real SDK
// worker; the server does what Temporal's history service does with its
// commands (events, timers, the continue-as-new suggestion at 4,096
// events or 4 MiB) and answers its activities from a script, as the
// workflow's tests mock them. Time moves only when nothing else can
// happen: to the next timer or scripted signal.
type historyServer struct {
	workflowservice.UnimplementedWorkflowServiceServer

	script historyScript
	until  time.Time
	dc     converter.DataConverter
	fc     converter.FailureConverter

	mu        sync.Mutex
	now       time.Time
	exec      *commonpb.WorkflowExecution
	taskQueue string
	events    []*historypb.HistoryEvent
	size      int
	pending   []int64          // activities scheduled, by their scheduled event ID
	timers    map[string]int64 // timers started, by ID: their started event ID
	fireAt    map[string]time.Time
	signals   []scriptedSignal // not sent yet, in time order
	task      int64            // the workflow task handed out: its started event ID
	prevStart int64            // the started event ID of the last completed task
	sticky    string           // the worker's sticky queue, once it has one
	normalQ   chan struct{}    // a task waits on the normal queue
	stickyQ   chan struct{}    // a task waits on the sticky queue
	done      chan struct{}    // closed when the workflow closed, or failed
	closeOnce sync.Once
	err       error
}

// historyScript is the world the workflow runs in: its activities'
// answers and the signals it receives.
type historyScript interface {
	// activity answers an activity scheduled at now.
	activity(now time.Time, name, taskQueue string, input *commonpb.Payloads) activityAnswer
	// signals are the signals to send, in time order.
	signals() []scriptedSignal
}

// activityAnswer is how an activity ended: with result, or with err
// (failed, or timed out if timeout).
type activityAnswer struct {
	result  any
	err     error
	timeout bool
	took    time.Duration
}

// scriptedSignal is sent at at; apply, if set, changes the world first.
type scriptedSignal struct {
	at    time.Time
	name  string
	arg   any
	apply func()
}

// Temporal's defaults for the continue-as-new suggestion
// (limit.historyCount.suggestContinueAsNew, limit.historySize.suggestContinueAsNew).
const (
	suggestCANEvents = 4 * 1024
	suggestCANBytes  = 4 * 1024 * 1024
)

const historyIdentity = "history-server"

// recordHistory runs the payment workflow with in from start, in script's
// world, until it closes or, if until is set, until its next timer or
// signal would come after until (its history then ends as an open
// workflow's does), and returns its history.
func recordHistory(ctx context.Context, in PaymentInput, start, until time.Time, script historyScript, dc converter.DataConverter, fc converter.FailureConverter) (*historypb.History, error) {
	s := &historyServer{
		script: script, dc: dc, fc: fc, now: start, until: until,
		exec:      &commonpb.WorkflowExecution{WorkflowId: PaymentWorkflowID(in.Database, in.OrderName), RunId: "0b9e6c47-6f49-4a3c-9d7e-5f1d2b1c0001"},
		taskQueue: "history-server",
		timers:    map[string]int64{}, fireAt: map[string]time.Time{},
		signals: script.signals(),
		normalQ: make(chan struct{}, 1), stickyQ: make(chan struct{}, 1), done: make(chan struct{}),
	}
	input, err := dc.ToPayloads(in)
	if err != nil {
		return nil, fmt.Errorf("encode the workflow input: %w", err)
	}
	s.mu.Lock()
	s.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
		WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
			WorkflowType: &commonpb.WorkflowType{Name: PaymentWorkflowName}, TaskQueue: s.queue(), Input: input,
			WorkflowTaskTimeout: durationpb.New(10 * time.Second), Identity: historyIdentity, Attempt: 1,
			OriginalExecutionRunId: s.exec.RunId, FirstExecutionRunId: s.exec.RunId, Header: &commonpb.Header{},
		}})
	s.scheduleTask()
	s.mu.Unlock()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	gs := grpc.NewServer()
	workflowservice.RegisterWorkflowServiceServer(gs, s)
	go func() { _ = gs.Serve(ln) }()
	defer gs.Stop()

	quiet := sdklog.NewStructuredLogger(discardLogger)
	c, err := client.Dial(client.Options{HostPort: ln.Addr().String(), DataConverter: dc, FailureConverter: fc, Logger: quiet})
	if err != nil {
		return nil, fmt.Errorf("dial the history server: %w", err)
	}
	defer c.Close()
	w := worker.New(c, s.taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions((&Payment{}).Run, workflow.RegisterOptions{Name: PaymentWorkflowName})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start the worker: %w", err)
	}
	defer w.Stop()
	select {
	case <-s.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	return &historypb.History{Events: s.events}, nil
}

func (s *historyServer) queue() *taskqueuepb.TaskQueue {
	return &taskqueuepb.TaskQueue{Name: s.taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}
}

// add appends an event at the virtual now. The caller holds mu.
func (s *historyServer) add(t enumspb.EventType, attrs any) *historypb.HistoryEvent {
	ev := &historypb.HistoryEvent{EventId: int64(len(s.events) + 1), EventTime: timestamppb.New(s.now), EventType: t, TaskId: int64(len(s.events) + 1)}
	if err := setAttributes(ev, attrs); err != nil {
		s.fail(err)
	}
	s.events = append(s.events, ev)
	s.size += proto.Size(ev)
	s.now = s.now.Add(time.Millisecond)
	return ev
}

// setAttributes sets the oneof Attributes of ev.
func setAttributes(ev *historypb.HistoryEvent, attrs any) error {
	switch a := attrs.(type) {
	case *historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_WorkflowTaskScheduledEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_WorkflowTaskStartedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_WorkflowTaskCompletedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_ActivityTaskScheduledEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_ActivityTaskStartedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_ActivityTaskCompletedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_ActivityTaskFailedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_ActivityTaskTimedOutEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_TimerStartedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_TimerFiredEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_TimerCanceledEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_MarkerRecordedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_UpsertWorkflowSearchAttributesEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_WorkflowPropertiesModifiedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_WorkflowExecutionFailedEventAttributes:
		ev.Attributes = a
	case *historypb.HistoryEvent_WorkflowExecutionContinuedAsNewEventAttributes:
		ev.Attributes = a
	default:
		return fmt.Errorf("history server: no event for %T", attrs)
	}
	return nil
}

// fail ends the recording with err. The caller holds mu.
func (s *historyServer) fail(err error) {
	if s.err == nil {
		s.err = err
	}
	s.closeOnce.Do(func() { close(s.done) })
}

// scheduleTask adds a workflow task and offers it to the worker. The
// caller holds mu.
func (s *historyServer) scheduleTask() {
	queue := s.queue()
	if s.sticky != "" {
		queue = &taskqueuepb.TaskQueue{Name: s.sticky, Kind: enumspb.TASK_QUEUE_KIND_STICKY, NormalName: s.taskQueue}
	}
	sched := s.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, &historypb.HistoryEvent_WorkflowTaskScheduledEventAttributes{
		WorkflowTaskScheduledEventAttributes: &historypb.WorkflowTaskScheduledEventAttributes{
			TaskQueue: queue, StartToCloseTimeout: durationpb.New(10 * time.Second), Attempt: 1,
		}})
	// Temporal counts the started event itself, and the bytes written before it.
	suggest := int64(len(s.events)+1) >= suggestCANEvents || s.size >= suggestCANBytes
	started := s.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, &historypb.HistoryEvent_WorkflowTaskStartedEventAttributes{
		WorkflowTaskStartedEventAttributes: &historypb.WorkflowTaskStartedEventAttributes{
			ScheduledEventId: sched.EventId, Identity: historyIdentity, RequestId: fmt.Sprintf("wft-%d", len(s.events)+1),
			SuggestContinueAsNew: suggest, HistorySizeBytes: int64(s.size),
		}})
	s.task = started.EventId
	// A workflow task takes the worker a few milliseconds.
	s.now = s.now.Add(10 * time.Millisecond)
	if s.sticky != "" {
		s.stickyQ <- struct{}{}
	} else {
		s.normalQ <- struct{}{}
	}
}

// PollWorkflowTaskQueue hands out the workflow task: on the sticky queue
// with the events since the worker's last task, on the normal queue with
// the whole history.
func (s *historyServer) PollWorkflowTaskQueue(ctx context.Context, req *workflowservice.PollWorkflowTaskQueueRequest) (*workflowservice.PollWorkflowTaskQueueResponse, error) {
	q := s.normalQ
	if req.GetTaskQueue().GetKind() == enumspb.TASK_QUEUE_KIND_STICKY {
		q = s.stickyQ
	}
	select {
	case <-q:
	case <-ctx.Done():
		return &workflowservice.PollWorkflowTaskQueueResponse{}, nil
	case <-s.done:
		return &workflowservice.PollWorkflowTaskQueueResponse{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first := int64(1)
	if q == s.stickyQ {
		first = s.prevStart + 1
	}
	events := make([]*historypb.HistoryEvent, 0, s.task-first+1)
	events = append(events, s.events[first-1:s.task]...)
	started := s.events[s.task-1]
	return &workflowservice.PollWorkflowTaskQueueResponse{
		TaskToken: []byte(fmt.Sprint(s.task)), WorkflowExecution: s.exec,
		WorkflowType:           &commonpb.WorkflowType{Name: PaymentWorkflowName},
		PreviousStartedEventId: s.prevStart, StartedEventId: s.task, Attempt: 1,
		History:       &historypb.History{Events: events},
		ScheduledTime: s.events[s.task-2].EventTime, StartedTime: started.EventTime,
		WorkflowExecutionTaskQueue: s.queue(),
	}, nil
}

// GetWorkflowExecutionHistory answers a worker that lost the workflow from
// its cache: the whole history so far.
func (s *historyServer) GetWorkflowExecutionHistory(_ context.Context, req *workflowservice.GetWorkflowExecutionHistoryRequest) (*workflowservice.GetWorkflowExecutionHistoryResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &workflowservice.GetWorkflowExecutionHistoryResponse{History: &historypb.History{Events: append([]*historypb.HistoryEvent(nil), s.events...)}}, nil
}

// RespondWorkflowTaskFailed ends the recording: the workflow cannot go on.
func (s *historyServer) RespondWorkflowTaskFailed(_ context.Context, req *workflowservice.RespondWorkflowTaskFailedRequest) (*workflowservice.RespondWorkflowTaskFailedResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail(fmt.Errorf("workflow task %s failed (%s): %s", req.GetTaskToken(), req.GetCause(), req.GetFailure().GetMessage()))
	return &workflowservice.RespondWorkflowTaskFailedResponse{}, nil
}

// RespondWorkflowTaskCompleted applies the task's commands as Temporal
// does, then moves the workflow on: its activities answered, else time
// to the next timer or signal.
func (s *historyServer) RespondWorkflowTaskCompleted(_ context.Context, req *workflowservice.RespondWorkflowTaskCompletedRequest) (*workflowservice.RespondWorkflowTaskCompletedResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if string(req.GetTaskToken()) != fmt.Sprint(s.task) {
		return nil, fmt.Errorf("history server: task %s is not the one handed out (%d)", req.GetTaskToken(), s.task)
	}
	if sa := req.GetStickyAttributes(); sa != nil && sa.GetWorkerTaskQueue().GetName() != "" {
		s.sticky = sa.GetWorkerTaskQueue().GetName()
	}
	done := s.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, &historypb.HistoryEvent_WorkflowTaskCompletedEventAttributes{
		WorkflowTaskCompletedEventAttributes: &historypb.WorkflowTaskCompletedEventAttributes{
			ScheduledEventId: s.task - 1, StartedEventId: s.task, Identity: req.GetIdentity(),
			BinaryChecksum: req.GetBinaryChecksum(), SdkMetadata: req.GetSdkMetadata(), MeteringMetadata: req.GetMeteringMetadata(),
		}})
	s.prevStart = s.task
	closed := false
	for _, cmd := range req.GetCommands() {
		ended, err := s.apply(cmd, done.EventId)
		if err != nil {
			s.fail(err)
			return nil, err
		}
		closed = closed || ended
	}
	if closed {
		s.closeOnce.Do(func() { close(s.done) })
		return &workflowservice.RespondWorkflowTaskCompletedResponse{}, nil
	}
	if err := s.advance(req.GetForceCreateNewWorkflowTask()); err != nil {
		s.fail(err)
		return nil, err
	}
	return &workflowservice.RespondWorkflowTaskCompletedResponse{}, nil
}

// apply writes one command's event; it reports whether the workflow closed.
func (s *historyServer) apply(cmd *commandpb.Command, completed int64) (bool, error) {
	switch cmd.GetCommandType() {
	case enumspb.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
		a := cmd.GetScheduleActivityTaskCommandAttributes()
		ev := s.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{
			ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
				ActivityId: a.GetActivityId(), ActivityType: a.GetActivityType(), TaskQueue: a.GetTaskQueue(), Header: a.GetHeader(),
				Input: a.GetInput(), ScheduleToCloseTimeout: a.GetScheduleToCloseTimeout(), ScheduleToStartTimeout: a.GetScheduleToCloseTimeout(),
				StartToCloseTimeout: a.GetStartToCloseTimeout(), HeartbeatTimeout: a.GetHeartbeatTimeout(),
				WorkflowTaskCompletedEventId: completed, RetryPolicy: a.GetRetryPolicy(), Priority: a.GetPriority(),
			}})
		ev.UserMetadata = cmd.GetUserMetadata()
		s.pending = append(s.pending, ev.EventId)
	case enumspb.COMMAND_TYPE_START_TIMER:
		a := cmd.GetStartTimerCommandAttributes()
		ev := s.add(enumspb.EVENT_TYPE_TIMER_STARTED, &historypb.HistoryEvent_TimerStartedEventAttributes{
			TimerStartedEventAttributes: &historypb.TimerStartedEventAttributes{
				TimerId: a.GetTimerId(), StartToFireTimeout: a.GetStartToFireTimeout(), WorkflowTaskCompletedEventId: completed,
			}})
		ev.UserMetadata = cmd.GetUserMetadata()
		s.timers[a.GetTimerId()] = ev.EventId
		s.fireAt[a.GetTimerId()] = ev.EventTime.AsTime().Add(a.GetStartToFireTimeout().AsDuration())
	case enumspb.COMMAND_TYPE_CANCEL_TIMER:
		id := cmd.GetCancelTimerCommandAttributes().GetTimerId()
		started, ok := s.timers[id]
		if !ok {
			return false, fmt.Errorf("history server: cancel of unknown timer %s", id)
		}
		s.add(enumspb.EVENT_TYPE_TIMER_CANCELED, &historypb.HistoryEvent_TimerCanceledEventAttributes{
			TimerCanceledEventAttributes: &historypb.TimerCanceledEventAttributes{
				TimerId: id, StartedEventId: started, WorkflowTaskCompletedEventId: completed, Identity: historyIdentity,
			}})
		delete(s.timers, id)
		delete(s.fireAt, id)
	case enumspb.COMMAND_TYPE_RECORD_MARKER:
		a := cmd.GetRecordMarkerCommandAttributes()
		s.add(enumspb.EVENT_TYPE_MARKER_RECORDED, &historypb.HistoryEvent_MarkerRecordedEventAttributes{
			MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
				MarkerName: a.GetMarkerName(), Details: a.GetDetails(), Header: a.GetHeader(), Failure: a.GetFailure(),
				WorkflowTaskCompletedEventId: completed,
			}})
	case enumspb.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
		s.add(enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, &historypb.HistoryEvent_UpsertWorkflowSearchAttributesEventAttributes{
			UpsertWorkflowSearchAttributesEventAttributes: &historypb.UpsertWorkflowSearchAttributesEventAttributes{
				SearchAttributes: cmd.GetUpsertWorkflowSearchAttributesCommandAttributes().GetSearchAttributes(), WorkflowTaskCompletedEventId: completed,
			}})
	case enumspb.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
		s.add(enumspb.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, &historypb.HistoryEvent_WorkflowPropertiesModifiedEventAttributes{
			WorkflowPropertiesModifiedEventAttributes: &historypb.WorkflowPropertiesModifiedEventAttributes{
				UpsertedMemo: cmd.GetModifyWorkflowPropertiesCommandAttributes().GetUpsertedMemo(), WorkflowTaskCompletedEventId: completed,
			}})
	case enumspb.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
		s.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{
			WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{
				Result: cmd.GetCompleteWorkflowExecutionCommandAttributes().GetResult(), WorkflowTaskCompletedEventId: completed,
			}})
		return true, nil
	case enumspb.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
		s.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, &historypb.HistoryEvent_WorkflowExecutionFailedEventAttributes{
			WorkflowExecutionFailedEventAttributes: &historypb.WorkflowExecutionFailedEventAttributes{
				Failure: cmd.GetFailWorkflowExecutionCommandAttributes().GetFailure(), RetryState: enumspb.RETRY_STATE_RETRY_POLICY_NOT_SET,
				WorkflowTaskCompletedEventId: completed,
			}})
		return true, nil
	case enumspb.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
		a := cmd.GetContinueAsNewWorkflowExecutionCommandAttributes()
		s.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, &historypb.HistoryEvent_WorkflowExecutionContinuedAsNewEventAttributes{
			WorkflowExecutionContinuedAsNewEventAttributes: &historypb.WorkflowExecutionContinuedAsNewEventAttributes{
				NewExecutionRunId: "0b9e6c47-6f49-4a3c-9d7e-5f1d2b1c0002", WorkflowType: a.GetWorkflowType(), TaskQueue: a.GetTaskQueue(),
				Input: a.GetInput(), WorkflowRunTimeout: a.GetWorkflowRunTimeout(), WorkflowTaskTimeout: a.GetWorkflowTaskTimeout(),
				WorkflowTaskCompletedEventId: completed, Initiator: enumspb.CONTINUE_AS_NEW_INITIATOR_WORKFLOW,
				Header: a.GetHeader(), Memo: a.GetMemo(), SearchAttributes: a.GetSearchAttributes(),
			}})
		return true, nil
	default:
		return false, fmt.Errorf("history server: command %s is not supported", cmd.GetCommandType())
	}
	return false, nil
}

// advance answers the activities scheduled, else moves the clock to the
// next timer or signal, and schedules the workflow task that follows.
func (s *historyServer) advance(force bool) error {
	if len(s.pending) > 0 {
		for _, id := range s.pending {
			if err := s.answer(s.events[id-1]); err != nil {
				return err
			}
		}
		s.pending = nil
		s.scheduleTask()
		return nil
	}
	if force {
		s.scheduleTask()
		return nil
	}
	timer, at := "", time.Time{}
	for id, t := range s.fireAt {
		if timer == "" || t.Before(at) || (t.Equal(at) && s.timers[id] < s.timers[timer]) {
			timer, at = id, t
		}
	}
	if len(s.signals) > 0 && (timer == "" || !s.signals[0].at.After(at)) {
		sig := s.signals[0]
		if s.stopsBefore(sig.at) {
			return nil
		}
		s.signals = s.signals[1:]
		s.now = maxTime(s.now, sig.at)
		if sig.apply != nil {
			sig.apply()
		}
		input, err := s.dc.ToPayloads(sig.arg)
		if err != nil {
			return fmt.Errorf("encode signal %s: %w", sig.name, err)
		}
		s.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, &historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes{
			WorkflowExecutionSignaledEventAttributes: &historypb.WorkflowExecutionSignaledEventAttributes{
				SignalName: sig.name, Input: input, Identity: historyIdentity, Header: &commonpb.Header{},
			}})
		s.scheduleTask()
		return nil
	}
	if timer == "" {
		return errors.New("history server: the workflow waits for nothing (no activity, timer or signal)")
	}
	if s.stopsBefore(at) {
		return nil
	}
	s.now = maxTime(s.now, at)
	s.add(enumspb.EVENT_TYPE_TIMER_FIRED, &historypb.HistoryEvent_TimerFiredEventAttributes{
		TimerFiredEventAttributes: &historypb.TimerFiredEventAttributes{TimerId: timer, StartedEventId: s.timers[timer]},
	})
	delete(s.timers, timer)
	delete(s.fireAt, timer)
	s.scheduleTask()
	return nil
}

// stopsBefore ends the recording, the workflow still open, if at is past
// until. The caller holds mu.
func (s *historyServer) stopsBefore(at time.Time) bool {
	if s.until.IsZero() || !at.After(s.until) {
		return false
	}
	s.closeOnce.Do(func() { close(s.done) })
	return true
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// answer writes how the activity scheduled by ev ended, as the script says.
func (s *historyServer) answer(ev *historypb.HistoryEvent) error {
	a := ev.GetActivityTaskScheduledEventAttributes()
	ans := s.script.activity(s.now, a.GetActivityType().GetName(), a.GetTaskQueue().GetName(), a.GetInput())
	var cause *failurepb.Failure
	if ans.err != nil {
		cause = s.fc.ErrorToFailure(ans.err)
	}
	attempt := int32(1)
	if ans.timeout {
		// Retried until its schedule-to-close timeout, as Temporal does.
		ans.took = a.GetScheduleToCloseTimeout().AsDuration()
		attempt = int32(max(1, ans.took/time.Minute))
	}
	s.now = s.now.Add(max(ans.took, 50*time.Millisecond))
	started := s.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED, &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{
		ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{
			ScheduledEventId: ev.EventId, Identity: historyIdentity, RequestId: fmt.Sprintf("activity-%d", ev.EventId), Attempt: attempt,
			LastFailure: cause,
		}})
	switch {
	case ans.timeout:
		s.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, &historypb.HistoryEvent_ActivityTaskTimedOutEventAttributes{
			ActivityTaskTimedOutEventAttributes: &historypb.ActivityTaskTimedOutEventAttributes{
				Failure: &failurepb.Failure{Message: "activity ScheduleToClose timeout", Source: "Server", Cause: cause,
					FailureInfo: &failurepb.Failure_TimeoutFailureInfo{TimeoutFailureInfo: &failurepb.TimeoutFailureInfo{TimeoutType: enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE}}},
				ScheduledEventId: ev.EventId, StartedEventId: started.EventId, RetryState: enumspb.RETRY_STATE_TIMEOUT,
			}})
	case ans.err != nil:
		s.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED, &historypb.HistoryEvent_ActivityTaskFailedEventAttributes{
			ActivityTaskFailedEventAttributes: &historypb.ActivityTaskFailedEventAttributes{
				Failure: cause, ScheduledEventId: ev.EventId, StartedEventId: started.EventId, Identity: historyIdentity,
				RetryState: enumspb.RETRY_STATE_NON_RETRYABLE_FAILURE,
			}})
	default:
		var result *commonpb.Payloads
		if ans.result != nil {
			var err error
			if result, err = s.dc.ToPayloads(ans.result); err != nil {
				return fmt.Errorf("encode the result of %s: %w", a.GetActivityType().GetName(), err)
			}
		}
		s.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{
			ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{
				Result: result, ScheduledEventId: ev.EventId, StartedEventId: started.EventId, Identity: historyIdentity,
			}})
	}
	return nil
}

// The rest is what an SDK worker asks of a server before and besides its
// workflow tasks.

func (s *historyServer) GetSystemInfo(context.Context, *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	return &workflowservice.GetSystemInfoResponse{ServerVersion: "1.29.1", Capabilities: &workflowservice.GetSystemInfoResponse_Capabilities{
		SignalAndQueryHeader: true, InternalErrorDifferentiation: true, ActivityFailureIncludeHeartbeat: true, SupportsSchedules: true,
		EncodedFailureAttributes: true, UpsertMemo: true, EagerWorkflowStart: true, SdkMetadata: true, CountGroupByExecutionStatus: true,
	}}, nil
}

func (s *historyServer) DescribeNamespace(_ context.Context, req *workflowservice.DescribeNamespaceRequest) (*workflowservice.DescribeNamespaceResponse, error) {
	return &workflowservice.DescribeNamespaceResponse{NamespaceInfo: &namespacepb.NamespaceInfo{
		Name: req.GetNamespace(), State: enumspb.NAMESPACE_STATE_REGISTERED, Capabilities: &namespacepb.NamespaceInfo_Capabilities{SyncUpdate: true, AsyncUpdate: true},
	}}, nil
}

func (s *historyServer) PollActivityTaskQueue(ctx context.Context, _ *workflowservice.PollActivityTaskQueueRequest) (*workflowservice.PollActivityTaskQueueResponse, error) {
	select {
	case <-ctx.Done():
	case <-s.done:
	}
	return &workflowservice.PollActivityTaskQueueResponse{}, nil
}

func (s *historyServer) ResetStickyTaskQueue(context.Context, *workflowservice.ResetStickyTaskQueueRequest) (*workflowservice.ResetStickyTaskQueueResponse, error) {
	return &workflowservice.ResetStickyTaskQueueResponse{}, nil
}

func (s *historyServer) ShutdownWorker(context.Context, *workflowservice.ShutdownWorkerRequest) (*workflowservice.ShutdownWorkerResponse, error) {
	return &workflowservice.ShutdownWorkerResponse{}, nil
}

func (s *historyServer) RecordWorkerHeartbeat(context.Context, *workflowservice.RecordWorkerHeartbeatRequest) (*workflowservice.RecordWorkerHeartbeatResponse, error) {
	return &workflowservice.RecordWorkerHeartbeatResponse{}, nil
}
