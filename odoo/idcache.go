package odoo

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// idCacheTTL bounds how long a looked-up id of a provisioned record (the
// Afterpay provider, payment method and journal) is trusted. They do not
// change once setup-odoo made them, so one payment after another reuses
// them; the bound lets a record someone deleted and provisioned again be
// found anew without restarting the worker.
const idCacheTTL = 10 * time.Minute

// idCache remembers ids found by a search, by key.
type idCache struct {
	mu      sync.Mutex
	entries map[string]cachedID
}

type cachedID struct {
	id      int64
	expires time.Time
}

// get returns the id cached under key, or runs find and caches what it
// finds (never an error or a missing record: 0).
func (c *idCache) get(ctx context.Context, key string, now time.Time, find func(context.Context) (int64, error)) (int64, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.id, nil
	}
	id, err := find(ctx)
	if err != nil || id == 0 {
		return id, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cachedID{}
	}
	c.entries[key] = cachedID{id: id, expires: now.Add(idCacheTTL)}
	return id, nil
}

// forget drops key, after the record it named turned out to be gone.
func (c *idCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// JournalByCode returns the id of the account.journal with code, cached
// (journals are provisioned once); ErrNotFound when there is none.
func (c *Client) JournalByCode(ctx context.Context, code string) (int64, error) {
	id, err := c.provisioned.get(ctx, "account.journal:"+code, c.now(), func(ctx context.Context) (int64, error) {
		return c.searchOne(ctx, "account.journal", []any{[]any{"code", "=", code}}, nil)
	})
	if err != nil {
		return 0, fmt.Errorf("odoo: find the account.journal %s: %w", code, err)
	}
	if id == 0 {
		return 0, fmt.Errorf("odoo: find the account.journal %s (run setup-odoo): %w", code, ErrNotFound)
	}
	return id, nil
}
