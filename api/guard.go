package api

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// guard keeps, per client address, a request rate limit and a count of
// failed authentications; a source that keeps failing is refused for a
// while. Everything is in process and forgets by itself.
type guard struct {
	now func() time.Time

	limit rate.Limit
	burst int

	maxFailures  int           // failures within failWindow that block a source
	failWindow   time.Duration // window the failures are counted in
	blockFor     time.Duration // how long a blocked source is refused
	maxSources   int           // addresses tracked; past it, new ones share one limiter
	idleAfter    time.Duration // a source unseen for this long is forgotten
	sweepEvery   time.Duration
	mu           sync.Mutex
	sources      map[string]*source
	overflow     *rate.Limiter
	lastSweep    time.Time
	blockedCount int
}

type source struct {
	limiter      *rate.Limiter
	seen         time.Time
	failures     int
	windowStart  time.Time
	blockedUntil time.Time
}

func newGuard(now func() time.Time, perSecond int) *guard {
	if perSecond <= 0 {
		perSecond = defaultRateLimit
	}
	return &guard{
		now: now, limit: rate.Limit(perSecond), burst: 3 * perSecond,
		maxFailures: 10, failWindow: 10 * time.Minute, blockFor: 15 * time.Minute,
		maxSources: 50000, idleAfter: 15 * time.Minute, sweepEvery: time.Minute,
		sources:  map[string]*source{},
		overflow: rate.NewLimiter(rate.Limit(perSecond), 3*perSecond),
	}
}

// defaultRateLimit is API_RATE_LIMIT's default: requests per second and
// client address.
const defaultRateLimit = 20

// get returns the source's record, creating it; the caller holds g.mu. It
// returns nil when too many sources are tracked already.
func (g *guard) get(addr string, now time.Time) *source {
	if now.Sub(g.lastSweep) >= g.sweepEvery {
		g.sweep(now)
	}
	s := g.sources[addr]
	if s == nil {
		if len(g.sources) >= g.maxSources {
			return nil
		}
		s = &source{limiter: rate.NewLimiter(g.limit, g.burst)}
		g.sources[addr] = s
	}
	s.seen = now
	return s
}

func (g *guard) sweep(now time.Time) {
	g.lastSweep = now
	for addr, s := range g.sources {
		if now.Sub(s.seen) >= g.idleAfter && !now.Before(s.blockedUntil) {
			delete(g.sources, addr)
		}
	}
}

// allow takes one request from the source's allowance; when it is spent it
// says how long until the next request is allowed.
func (g *guard) allow(addr string) (bool, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	lim := g.overflow
	if s := g.get(addr, now); s != nil {
		lim = s.limiter
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// blocked reports whether the source is refused for failing too often, and
// for how much longer.
func (g *guard) blocked(addr string) (bool, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sources[addr]
	if s == nil {
		return false, 0
	}
	if left := s.blockedUntil.Sub(g.now()); left > 0 {
		return true, left
	}
	return false, 0
}

// fail counts a failed authentication and reports whether the source is
// now blocked (true only for the failure that blocked it) and how many
// failures it has in the current window.
func (g *guard) fail(addr string) (blockedNow bool, failures int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	s := g.get(addr, now)
	if s == nil {
		return false, 0
	}
	if now.Sub(s.windowStart) > g.failWindow {
		s.windowStart, s.failures = now, 0
	}
	s.failures++
	failures = s.failures
	if s.failures >= g.maxFailures && !now.Before(s.blockedUntil) {
		s.blockedUntil = now.Add(g.blockFor)
		s.failures = 0
		g.blockedCount++
		return true, failures
	}
	return false, failures
}

// eventLog remembers the webhook events accepted recently, so that a
// replayed or retried event is acknowledged without a second signal. A
// signed request is only valid for 5 minutes, so remembering events for a
// little longer than that (ttl) makes any replay of a valid request a no-op;
// the workflow deduplicates by id as well, for ever.
type eventLog struct {
	ttl       time.Duration
	now       func() time.Time
	mu        sync.Mutex
	accepted  map[string]time.Time
	inFlight  map[string]chan struct{}
	lastSweep time.Time
}

func newEventLog(now func() time.Time, ttl time.Duration) *eventLog {
	return &eventLog{ttl: ttl, now: now, accepted: map[string]time.Time{}, inFlight: map[string]chan struct{}{}}
}

// begin claims an event. It returns first true when the caller is to handle
// it (and must call end), false when the event was accepted already. While
// another request handles the same event it waits for that one to end.
func (l *eventLog) begin(ctx context.Context, id string) (first bool, err error) {
	for {
		l.mu.Lock()
		now := l.now()
		if now.Sub(l.lastSweep) > time.Minute {
			l.lastSweep = now
			for k, at := range l.accepted {
				if now.Sub(at) > l.ttl {
					delete(l.accepted, k)
				}
			}
		}
		if at, ok := l.accepted[id]; ok && now.Sub(at) <= l.ttl {
			l.mu.Unlock()
			return false, nil
		}
		wait, busy := l.inFlight[id]
		if !busy {
			l.inFlight[id] = make(chan struct{})
			l.mu.Unlock()
			return true, nil
		}
		l.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// end releases an event begun; accepted records it as handled.
func (l *eventLog) end(id string, accepted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if accepted {
		l.accepted[id] = l.now()
	}
	if ch, ok := l.inFlight[id]; ok {
		close(ch)
		delete(l.inFlight, id)
	}
}
