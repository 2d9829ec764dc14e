package fakeodoo

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/odoo-afterpay/bridge/odoo/fakeodoo/internal/wire"
)

// DownMode is how a server that is Down answers.
type DownMode string

const (
	// DownNone serves normally.
	DownNone DownMode = ""
	// DownClose hijacks the connection and closes it without a response,
	// which clients see like a connection reset.
	DownClose DownMode = "close"
	// Down503 answers 503 Service Unavailable, like a proxy in front of a
	// stopped Odoo.
	Down503 DownMode = "503"
)

// Fault is an injected failure of matching object-service calls.
type Fault struct {
	// Model and Method select calls; empty matches any.
	Model  string `json:"model"`
	Method string `json:"method"`
	// Code is the faultCode: 1 (with a traceback whose last line is
	// Message), 2, 3 or 4. Zero means 1.
	Code int `json:"code"`
	// Message is the fault's message; empty picks one that fits Code.
	Message string `json:"message"`
	// Times is how many matching calls fail; zero means once.
	Times int `json:"times"`
	// AfterCommit lets the call run and commit, then reports the fault, like
	// Odoo's "cannot marshal None" after a method returned None.
	AfterCommit bool `json:"after_commit"`
}

func (f Fault) err() error {
	code := f.Code
	if code == 0 {
		code = 1
	}
	msg := f.Message
	switch code {
	case 2:
		if msg == "" {
			msg = "Injected user error."
		}
		return &odooError{kind: kindUser, msg: msg}
	case 3:
		return accessDenied()
	case 4:
		if msg == "" {
			msg = "Injected access error."
		}
		return &odooError{kind: kindAccess, msg: msg}
	}
	if msg == "" {
		if f.AfterCommit {
			return &odooError{kind: kindPython, class: "TypeError", msg: wire.NoneMessage, marshal: true}
		}
		msg = "injected failure"
	}
	return &odooError{kind: kindPython, class: "Exception", msg: msg}
}

func (f Fault) matches(model, method string, afterCommit bool) bool {
	return f.AfterCommit == afterCommit && (f.Model == "" || f.Model == model) && (f.Method == "" || f.Method == method)
}

// faultInjector holds the injected failures.
type faultInjector struct {
	mu     sync.Mutex
	down   DownMode
	delay  time.Duration
	faults []Fault
}

// take consumes one matching fault.
func (fi *faultInjector) take(model, method string, afterCommit bool) (Fault, bool) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	for i, f := range fi.faults {
		if !f.matches(model, method, afterCommit) {
			continue
		}
		times := f.Times
		if times <= 0 {
			times = 1
		}
		if times == 1 {
			fi.faults = append(fi.faults[:i:i], fi.faults[i+1:]...)
		} else {
			fi.faults[i].Times = times - 1
		}
		return f, true
	}
	return Fault{}, false
}

// apply handles Down and Slow; it reports whether the request was consumed.
func (fi *faultInjector) apply(w http.ResponseWriter, r *http.Request) bool {
	fi.mu.Lock()
	down, delay := fi.down, fi.delay
	fi.mu.Unlock()
	if delay > 0 {
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return true
		}
	}
	switch down {
	case DownClose:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return true
	case Down503:
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
		return true
	}
	return false
}

// SetDown makes the server unreachable (DownClose, Down503) or serves
// again (DownNone). Control routes under /__fake/ keep working.
func (s *Server) SetDown(mode DownMode) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.down = mode
}

// Slow delays every RPC by d before handling it (0 turns it off). The delay
// ends early when the client gives up.
func (s *Server) Slow(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.delay = d
}

// InjectFault queues f.
func (s *Server) InjectFault(f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults = append(s.faults.faults, f)
}

// FailNext makes the next `times` calls of model.method fail with the given
// fault before doing anything.
func (s *Server) FailNext(model, method string, faultCode int, message string, times int) {
	s.InjectFault(Fault{Model: model, Method: method, Code: faultCode, Message: message, Times: times})
}

// FailAfterCommit makes the next `times` calls of model.method commit their
// changes and then answer fault 1 (message defaults to Odoo's "cannot
// marshal None unless allow_none is enabled").
func (s *Server) FailAfterCommit(model, method, message string, times int) {
	s.InjectFault(Fault{Model: model, Method: method, Code: 1, Message: message, Times: times, AfterCommit: true})
}

// ClearFaults removes injected faults, the delay and the down mode.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.faults, s.faults.delay, s.faults.down = nil, 0, DownNone
}

// faultRequest is the body of POST /__fake/faults.
type faultRequest struct {
	// Clear removes everything first.
	Clear bool `json:"clear"`
	// Down is "", "close" or "503"; null leaves it unchanged.
	Down *DownMode `json:"down"`
	// SlowMS is the delay in milliseconds; null leaves it unchanged.
	SlowMS *int    `json:"slow_ms"`
	Faults []Fault `json:"faults"`
}

// serveControl implements the fake's own routes:
//
//	POST /__fake/faults   {"clear":true,"down":"close","slow_ms":250,"faults":[{"model":"sale.order","method":"write","code":2,"message":"…","times":1,"after_commit":false}]}
//	GET  /__fake/snapshot the state as Snapshot returns it
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/__fake/faults" && r.Method == http.MethodPost:
		var req faultRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			http.Error(w, "bad fault request: "+err.Error(), http.StatusBadRequest)
			return
		}
		if req.Down != nil {
			switch *req.Down {
			case DownNone, DownClose, Down503:
			default:
				http.Error(w, "down must be \"\", \"close\" or \"503\"", http.StatusBadRequest)
				return
			}
		}
		if req.Clear {
			s.ClearFaults()
		}
		if req.Down != nil {
			s.SetDown(*req.Down)
		}
		if req.SlowMS != nil {
			s.Slow(time.Duration(*req.SlowMS) * time.Millisecond)
		}
		for _, f := range req.Faults {
			s.InjectFault(f)
		}
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/__fake/snapshot" && r.Method == http.MethodGet:
		data, err := s.Snapshot()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	default:
		http.NotFound(w, r)
	}
}
