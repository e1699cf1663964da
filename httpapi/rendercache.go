package httpapi

import (
	"container/list"
	"slices"
	"sync"

	"github.com/orca-nfv/orca/resource"
)

// renderCache keeps wire objects as rendered, by reference and revision:
// every write makes a new revision, so an entry is right for as long as
// its revision is the stored one, and needs no invalidation. A list asks
// the store which matches it holds (store.Filter.Known) and gets only the
// others read and decoded: reading every column and decoding every spec
// and status was three quarters of a list's CPU. Entries are evicted least
// recently used first, within a byte budget.
type renderCache struct {
	mu    sync.Mutex
	max   int
	size  int
	items map[resource.Ref]*list.Element // of *rendered
	lru   list.List                      // most recently used first
}

type rendered struct {
	ref resource.Ref
	rev int64
	b   []byte // shared: never modified
}

// newRenderCache returns a cache of at most max bytes of wire objects, or
// nil (no cache) when max is negative.
func newRenderCache(max int) *renderCache {
	if max < 0 {
		return nil
	}
	return &renderCache{max: max, items: map[resource.Ref]*list.Element{}}
}

// get returns ref's wire object at revision rev, if held.
func (c *renderCache) get(ref resource.Ref, rev int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[ref]
	if !ok {
		return nil, false
	}
	r := e.Value.(*rendered)
	if r.rev != rev {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return r.b, true
}

// put keeps b as ref's wire object at rev, unless a later revision is
// held already.
func (c *renderCache) put(ref resource.Ref, rev int64, b []byte) {
	cost := len(b) + 128 // the entry's own memory, roughly
	if cost > c.max {
		return
	}
	b = slices.Clip(b) // appending to a shared slice must copy
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[ref]; ok {
		r := e.Value.(*rendered)
		if r.rev > rev {
			return
		}
		c.size += len(b) - len(r.b)
		r.rev, r.b = rev, b
		c.lru.MoveToFront(e)
	} else {
		c.items[ref] = c.lru.PushFront(&rendered{ref: ref, rev: rev, b: b})
		c.size += cost
	}
	for c.size > c.max {
		e := c.lru.Back()
		r := e.Value.(*rendered)
		c.lru.Remove(e)
		delete(c.items, r.ref)
		c.size -= len(r.b) + 128
	}
}

// renderCached is render, through the cache when there is one.
func (h *Handler) renderCached(r *resource.Resource) []byte {
	if h.renders == nil {
		return h.render(r)
	}
	if b, ok := h.renders.get(r.Ref, r.Revision); ok {
		return b
	}
	b := h.render(r)
	h.renders.put(r.Ref, r.Revision, b)
	return b
}
