package fakeodoo

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"time"
)

// A commit goes through three steps:
//
//  1. Under s.writeMu, the transaction's changes become the new head: the
//     state the next writer builds on. Writers are serialised, so commits
//     are in a single order, and the writer lock is released right after.
//  2. Without any lock, the webhooks the transaction's automation rules
//     asked for are sent, in the order they were triggered, each after the
//     earlier commits' webhooks about the same record. Odoo 18 sends them
//     from inside the transaction, so receivers that read the record back
//     still see the old state: readers do not see this commit yet.
//  3. The commit is published (readers see it) once its webhooks and those
//     of every earlier commit are answered, so readers never see a commit
//     without the ones before it. The call answers after that, so a client
//     always reads its own writes.
//
// A writer is therefore never blocked by another call's webhook; only its
// answer waits for the earlier webhooks still in flight. (So a receiver
// that writes to the fake before answering a webhook gets its answer once
// the webhook times out, as before; in Odoo a write to the same rows waits
// the same way.)

// commitTicket follows one commit, or the webhooks of a transaction that
// did not commit, through the steps above.
type commitTicket struct {
	state *dbState // nil: nothing to publish, only webhooks to send
	hooks []webhook
	// waits are the earlier tickets' sent channels for the same records.
	waits []chan struct{}
	// sent is closed once hooks are sent; done (guarded by s.pubMu) says
	// the same to the publisher.
	sent chan struct{}
	done bool
	// published is closed once readers see state (or a later state).
	published chan struct{}
	targets   []hookTarget
}

// hookTarget is the record a webhook is about.
type hookTarget struct {
	model string
	id    int64
}

// webhook is one POST an automation rule asked for, its body rendered from
// the transaction that triggered it.
type webhook struct {
	action int64
	model  string
	id     int64
	url    string
	body   []byte
}

// commitLocked makes the changes of t (nil: a transaction that did not
// commit) the new head and queues hooks (step 1). The caller holds
// s.writeMu if t changed anything. It returns nil when there is nothing to
// send or publish.
func (s *Server) commitLocked(t *tx, hooks []webhook) *commitTicket {
	changed := t != nil && t.changed()
	if !changed && len(hooks) == 0 {
		return nil
	}
	c := &commitTicket{hooks: hooks, sent: make(chan struct{}), published: make(chan struct{})}
	if changed {
		c.state = s.apply(s.head.Load(), t)
		s.head.Store(c.state)
	}
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	for _, h := range c.hooks {
		target := hookTarget{h.model, h.id}
		if slices.Contains(c.targets, target) {
			continue
		}
		c.targets = append(c.targets, target)
		if prev, ok := s.hookTails[target]; ok {
			c.waits = append(c.waits, prev)
		}
		s.hookTails[target] = c.sent
	}
	if c.state != nil {
		s.pending = append(s.pending, c)
	}
	if len(c.hooks) == 0 {
		close(c.sent)
		c.done = true
		s.publishLocked()
	}
	return c
}

// finishCommit sends the ticket's webhooks (step 2), publishes (step 3) and
// waits until readers see the commit. Calls release s.writeMu first, so no
// lock is held while webhooks are in flight (seeding and restores, which
// finish under the lock, send none).
func (s *Server) finishCommit(c *commitTicket, notify bool) {
	if c == nil {
		return
	}
	if !c.done {
		for _, w := range c.waits {
			<-w
		}
		for _, h := range c.hooks {
			s.sendWebhook(h)
		}
		close(c.sent)
		s.pubMu.Lock()
		c.done = true
		for _, target := range c.targets {
			if s.hookTails[target] == c.sent {
				delete(s.hookTails, target)
			}
		}
		s.publishLocked()
		s.pubMu.Unlock()
	}
	if c.state == nil {
		return
	}
	<-c.published
	if notify && s.opts.AfterCommit != nil {
		s.opts.AfterCommit()
	}
}

// publishLocked publishes the pending commits, oldest first, up to the
// first one whose webhooks are still in flight. The caller holds s.pubMu.
func (s *Server) publishLocked() {
	n := 0
	for n < len(s.pending) && s.pending[n].done {
		n++
	}
	if n == 0 {
		return
	}
	s.published.Store(s.pending[n-1].state)
	for _, c := range s.pending[:n] {
		close(c.published)
	}
	s.pending = slices.Delete(s.pending, 0, n)
}

// replaceState installs a whole new state (seed, restore) once every
// pending commit is published, so none of them overwrites it. The caller
// holds s.writeMu.
func (s *Server) replaceState(st *dbState) {
	for {
		s.pubMu.Lock()
		if len(s.pending) == 0 {
			s.head.Store(st)
			s.published.Store(st)
			s.pubMu.Unlock()
			return
		}
		last := s.pending[len(s.pending)-1]
		s.pubMu.Unlock()
		<-last.published
	}
}

// sendWebhook is the POST of _run_action_webhook: the record as
// json.dumps(sort_keys=True), an answer awaited for 1 s at most; failures
// are only logged.
func (s *Server) sendWebhook(h webhook) {
	ctx, cancel := context.WithTimeout(context.Background(), s.hookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(h.body))
	if err != nil {
		s.log.Warn("fakeodoo: webhook request not built", "action", h.action, "err", err)
		return
	}
	req.Header.Set("User-Agent", "python-requests/2.28.1")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Connection", "keep-alive")
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := s.http.Do(req)
	if err != nil {
		s.log.Warn("fakeodoo: webhook failed", "action", h.action, "model", h.model, "id", h.id, "err", err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	if resp.StatusCode >= 400 {
		s.log.Warn("fakeodoo: webhook answered with an error", "action", h.action, "status", resp.StatusCode)
		return
	}
	s.log.Debug("fakeodoo: webhook sent", "action", h.action, "model", h.model, "id", h.id, "duration", time.Since(start))
}
