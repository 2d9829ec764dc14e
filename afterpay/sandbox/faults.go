package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a kind of failure the simulator can inject.
type FaultKind string

// Fault kinds. Statuses and bodies of 429 and 409 faults are the simulator's:
// Afterpay documents 429 only for the disputes file endpoint and 409 without
// a body.
const (
	// FaultLatency delays the operation by Fault.Delay; it is still applied
	// if the client gives up meanwhile, as a slow Afterpay call would be.
	FaultLatency FaultKind = "latency"
	// FaultServerError answers 500 errorCode "error" without applying anything.
	FaultServerError FaultKind = "500"
	// FaultTooManyRequests answers 429 with Retry-After (Fault.RetryAfter,
	// default 1 s) without applying anything.
	FaultTooManyRequests FaultKind = "429"
	// FaultConnectionReset closes the connection (TCP reset) before
	// anything is applied.
	FaultConnectionReset FaultKind = "reset"
	// FaultDropAfterCommit applies and stores the operation, then never
	// writes the response: the connection is held until the client gives
	// up (its request context ends) and then closed.
	FaultDropAfterCommit FaultKind = "drop-after-commit"
	// FaultConflict answers 409 as if an earlier request with the same
	// requestId were still in flight, without applying anything.
	FaultConflict FaultKind = "409"
	// FaultUnauthorized answers 401 unauthorized, as Afterpay does to
	// credentials that were rotated or mistyped, without applying anything.
	FaultUnauthorized FaultKind = "401"
)

// ParseFaultKind accepts a kind's name; "error" and "server-error" are
// accepted for 500, "too-many-requests" for 429, "conflict" or "in-progress"
// for 409, "drop" for drop-after-commit and "delay" for latency.
func ParseFaultKind(s string) (FaultKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "latency", "delay":
		return FaultLatency, nil
	case "500", "error", "server-error":
		return FaultServerError, nil
	case "429", "too-many-requests":
		return FaultTooManyRequests, nil
	case "reset", "connection-reset":
		return FaultConnectionReset, nil
	case "drop-after-commit", "drop":
		return FaultDropAfterCommit, nil
	case "409", "conflict", "in-progress":
		return FaultConflict, nil
	case "401", "unauthorized":
		return FaultUnauthorized, nil
	}
	return "", fmt.Errorf("sandbox: unknown fault kind %q", s)
}

// Fault is a failure injected into requests for an endpoint.
type Fault struct {
	// Endpoint is one of the Endpoint* names, or "*" for every API endpoint.
	Endpoint string `json:"endpoint"`
	// Kind is what happens.
	Kind FaultKind `json:"kind"`
	// Delay is the latency of FaultLatency.
	Delay time.Duration `json:"delay,omitempty"`
	// RetryAfter is the Retry-After of FaultTooManyRequests; default 1 s.
	RetryAfter time.Duration `json:"retryAfter,omitempty"`
	// Times is how many requests the fault hits; 0 means until cleared.
	Times int `json:"times,omitempty"`
}

func (f Fault) validate() error {
	if f.Endpoint != EndpointAll && !slices.Contains(Endpoints(), f.Endpoint) {
		return fmt.Errorf("sandbox: unknown fault endpoint %q", f.Endpoint)
	}
	if _, err := ParseFaultKind(string(f.Kind)); err != nil {
		return err
	}
	if f.Delay < 0 || f.RetryAfter < 0 || f.Times < 0 {
		return fmt.Errorf("sandbox: fault %s:%s has a negative delay, retry-after or count", f.Endpoint, f.Kind)
	}
	return nil
}

// ParseFault reads the command-line form endpoint:kind[:delay], e.g.
// "capture:latency:5s", "*:500", "refund:drop-after-commit",
// "auth:429:30s" (the duration is Retry-After for 429).
func ParseFault(spec string) (Fault, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return Fault{}, fmt.Errorf("sandbox: fault %q is not endpoint:kind[:delay]", spec)
	}
	kind, err := ParseFaultKind(parts[1])
	if err != nil {
		return Fault{}, err
	}
	f := Fault{Endpoint: parts[0], Kind: kind}
	if len(parts) == 3 {
		d, err := time.ParseDuration(parts[2])
		if err != nil {
			return Fault{}, fmt.Errorf("sandbox: fault %q: %w", spec, err)
		}
		if kind == FaultTooManyRequests {
			f.RetryAfter = d
		} else {
			f.Delay = d
		}
	}
	if err := f.validate(); err != nil {
		return Fault{}, err
	}
	return f, nil
}

// InjectFault adds a fault; faults match in the order they were added and the
// first match applies to a request.
func (s *Server) InjectFault(f Fault) error {
	kind, err := ParseFaultKind(string(f.Kind))
	if err != nil {
		return err
	}
	f.Kind = kind
	if err := f.validate(); err != nil {
		return err
	}
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults = append(s.faults, &f)
	return nil
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	s.faults = nil
}

// Faults returns the faults still armed, with their remaining counts.
func (s *Server) Faults() []Fault {
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	out := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		out = append(out, *f)
	}
	return out
}

// Per-request fault headers: X-Sim-Fault names the kind; X-Sim-Delay is the
// latency (or Retry-After for 429) as a Go duration.
const (
	HeaderSimFault = "X-Sim-Fault"
	HeaderSimDelay = "X-Sim-Delay"
)

// takeFault picks the fault for a request: the X-Sim-Fault header first, then
// the first armed fault for the endpoint, whose count it consumes.
func (s *Server) takeFault(endpoint string, r *http.Request) (Fault, bool, *apiErr) {
	if h := r.Header.Get(HeaderSimFault); h != "" {
		kind, err := ParseFaultKind(h)
		if err != nil {
			return Fault{}, false, errf(http.StatusBadRequest, "invalid_object", "%s: %v", HeaderSimFault, err)
		}
		f := Fault{Endpoint: endpoint, Kind: kind}
		if d := r.Header.Get(HeaderSimDelay); d != "" {
			dur, err := time.ParseDuration(d)
			if err != nil || dur < 0 {
				return Fault{}, false, errf(http.StatusBadRequest, "invalid_object", "%s: %q is not a duration", HeaderSimDelay, d)
			}
			if kind == FaultTooManyRequests {
				f.RetryAfter = dur
			} else {
				f.Delay = dur
			}
		}
		return f, true, nil
	}
	s.faultsMu.Lock()
	defer s.faultsMu.Unlock()
	for i, f := range s.faults {
		if f.Endpoint != EndpointAll && f.Endpoint != endpoint {
			continue
		}
		hit := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return hit, true, nil
	}
	return Fault{}, false, nil
}

// faultJSON is the HTTP hook's form of a Fault, with durations as text.
type faultJSON struct {
	Endpoint   string `json:"endpoint"`
	Kind       string `json:"kind"`
	Delay      string `json:"delay,omitempty"`
	RetryAfter string `json:"retryAfter,omitempty"`
	Times      int    `json:"times,omitempty"`
}

func (fj faultJSON) fault() (Fault, error) {
	kind, err := ParseFaultKind(fj.Kind)
	if err != nil {
		return Fault{}, err
	}
	f := Fault{Endpoint: fj.Endpoint, Kind: kind, Times: fj.Times}
	if fj.Delay != "" {
		if f.Delay, err = time.ParseDuration(fj.Delay); err != nil {
			return Fault{}, fmt.Errorf("sandbox: fault delay: %w", err)
		}
	}
	if fj.RetryAfter != "" {
		if f.RetryAfter, err = time.ParseDuration(fj.RetryAfter); err != nil {
			return Fault{}, fmt.Errorf("sandbox: fault retryAfter: %w", err)
		}
	}
	return f, f.validate()
}

func toFaultJSON(f Fault) faultJSON {
	fj := faultJSON{Endpoint: f.Endpoint, Kind: string(f.Kind), Times: f.Times}
	if f.Delay > 0 {
		fj.Delay = f.Delay.String()
	}
	if f.RetryAfter > 0 {
		fj.RetryAfter = f.RetryAfter.String()
	}
	return fj
}

// String formats the fault in ParseFault's form.
func (f Fault) String() string {
	s := f.Endpoint + ":" + string(f.Kind)
	switch {
	case f.Kind == FaultTooManyRequests && f.RetryAfter > 0:
		s += ":" + f.RetryAfter.String()
	case f.Delay > 0:
		s += ":" + f.Delay.String()
	}
	if f.Times > 0 {
		s += " x" + strconv.Itoa(f.Times)
	}
	return s
}
