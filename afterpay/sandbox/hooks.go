package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// serveHooks serves the test hooks under /__sim/. They need no credentials:
// the simulator is a development tool bound to loopback by default.
//
//	POST   /__sim/checkouts/{token}/confirm  {"outcome":"approve"|"decline"|"cancel"} → 200 {"redirectUrl":…}
//	GET    /__sim/faults                      → 200 {"faults":[…]}
//	POST   /__sim/faults                      {"endpoint","kind","delay","retryAfter","times"} → 200 {"faults":[…]}
//	DELETE /__sim/faults                      → 204
//	GET    /__sim/clock                       → 200 {"now":…}
//	POST   /__sim/clock                       {"advance":"1h"} or {"set":"2026-01-02T03:04:05Z"} → 200 {"now":…} (ManualClock only, else 409)
//	POST   /__sim/disputes                    {"orderId","reason"} → 201 dispute
//	POST   /__sim/webhooks/flush              → 200 {"delivered":n}
//	GET    /__sim/state                       → 200 snapshot
func (s *Server) serveHooks(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/__sim/"), "/"), "/")
	w.Header()["http_correlation_id"] = []string{s.newCorrelationID()}
	res := s.hook(r, seg)
	s.write(w, res)
	s.log.Info("afterpay sandbox hook", "method", r.Method, "path", r.URL.Path, "status", res.status)
}

func (s *Server) hook(r *http.Request, seg []string) response {
	notAllowed := func(allow string) response {
		res := s.apiError(http.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed")
		res.header = http.Header{"Allow": {allow}}
		return res
	}
	switch {
	case len(seg) == 3 && seg[0] == "checkouts" && seg[2] == "confirm":
		if r.Method != http.MethodPost {
			return notAllowed("POST")
		}
		var req struct {
			Outcome Outcome `json:"outcome"`
		}
		if res := s.readHookBody(r, &req); res != nil {
			return *res
		}
		target, err := s.ConfirmCheckout(seg[1], req.Outcome)
		if err != nil {
			status, code := confirmErrorStatus(err)
			return s.apiError(status, code, err.Error())
		}
		return jsonResponse(http.StatusOK, map[string]string{"redirectUrl": target})
	case len(seg) == 1 && seg[0] == "faults":
		switch r.Method {
		case http.MethodGet:
			return s.faultsResponse()
		case http.MethodPost:
			var fj faultJSON
			if res := s.readHookBody(r, &fj); res != nil {
				return *res
			}
			f, err := fj.fault()
			if err == nil {
				err = s.InjectFault(f)
			}
			if err != nil {
				return s.apiError(http.StatusBadRequest, "invalid_object", err.Error())
			}
			return s.faultsResponse()
		case http.MethodDelete:
			s.ClearFaults()
			return response{status: http.StatusNoContent}
		}
		return notAllowed("GET, POST, DELETE")
	case len(seg) == 1 && seg[0] == "clock":
		switch r.Method {
		case http.MethodGet:
			return s.clockResponse()
		case http.MethodPost:
			clock, ok := s.opts.Clock.(adjustableClock)
			if !ok {
				return s.apiError(http.StatusConflict, "error", "The simulator runs on the wall clock; start it with a ManualClock to move time.")
			}
			var req struct {
				Advance string `json:"advance"`
				Set     string `json:"set"`
			}
			if res := s.readHookBody(r, &req); res != nil {
				return *res
			}
			switch {
			case req.Set != "":
				t, err := time.Parse(time.RFC3339Nano, req.Set)
				if err != nil {
					return s.apiError(http.StatusBadRequest, "invalid_object", "set must be an RFC 3339 time")
				}
				clock.Set(t)
			case req.Advance != "":
				d, err := time.ParseDuration(req.Advance)
				if err != nil || d < 0 {
					return s.apiError(http.StatusBadRequest, "invalid_object", "advance must be a non-negative Go duration, e.g. \"90m\"")
				}
				clock.Advance(d)
			default:
				return s.apiError(http.StatusBadRequest, "invalid_object", "give advance or set")
			}
			return s.clockResponse()
		}
		return notAllowed("GET, POST")
	case len(seg) == 1 && seg[0] == "disputes":
		if r.Method != http.MethodPost {
			return notAllowed("POST")
		}
		var req struct {
			OrderID string `json:"orderId"`
			Reason  string `json:"reason"`
		}
		if res := s.readHookBody(r, &req); res != nil {
			return *res
		}
		d, err := s.OpenDispute(req.OrderID, req.Reason)
		if d == nil {
			return s.apiError(http.StatusUnprocessableEntity, "invalid_object", err.Error())
		}
		if err != nil {
			s.log.Warn("afterpay sandbox: dispute webhook not delivered", "dispute_id", d.ID, "err", err)
		}
		return jsonResponse(http.StatusCreated, d)
	case len(seg) == 2 && seg[0] == "webhooks" && seg[1] == "flush":
		if r.Method != http.MethodPost {
			return notAllowed("POST")
		}
		n, err := s.FlushPaymentEvents(r.Context())
		if err != nil {
			return s.apiError(http.StatusBadGateway, "error", err.Error())
		}
		return jsonResponse(http.StatusOK, map[string]int{"delivered": n})
	case len(seg) == 1 && seg[0] == "state":
		if r.Method != http.MethodGet {
			return notAllowed("GET")
		}
		b, err := s.Snapshot()
		if err != nil {
			return s.apiError(http.StatusInternalServerError, "error", err.Error())
		}
		return response{status: http.StatusOK, body: b, contentType: "application/json"}
	}
	return s.apiError(http.StatusNotFound, "not_found", "No test hook at "+r.URL.Path)
}

func (s *Server) readHookBody(r *http.Request, v any) *response {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	if err != nil || json.Unmarshal(body, v) != nil {
		res := s.apiError(http.StatusBadRequest, "invalid_json", "Malformed JSON request")
		return &res
	}
	return nil
}

func (s *Server) faultsResponse() response {
	out := []faultJSON{}
	for _, f := range s.Faults() {
		out = append(out, toFaultJSON(f))
	}
	return jsonResponse(http.StatusOK, map[string][]faultJSON{"faults": out})
}

func (s *Server) clockResponse() response {
	return jsonResponse(http.StatusOK, map[string]string{"now": formatTime(s.now())})
}
