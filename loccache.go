package orca

import (
	"context"
	"sync"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// locationCache keeps the list of locations that every pass of a global
// resource places against: reading and decoding every location per pass
// was a tenth of convergence's CPU. It is dropped whenever a location is
// enqueued (every write through the orchestrator, every resync and every
// health change enqueues the location) and when a location is reconciled;
// a pass that read the list before a drop does not store it, so a list is
// never older than the last drop. A location written to the store behind
// the orchestrator's back is seen at the next resync, as before.
type locationCache struct {
	mu    sync.Mutex
	gen   uint64
	items []*resource.Resource // nil: not loaded; shared, never modified
}

func (c *locationCache) drop() {
	c.mu.Lock()
	c.gen++
	c.items = nil
	c.mu.Unlock()
}

// list returns every location, from the cache when it holds them. The
// resources returned are shared: callers must not modify them.
func (c *locationCache) list(ctx context.Context, s store.Store) ([]*resource.Resource, error) {
	c.mu.Lock()
	items, gen := c.items, c.gen
	c.mu.Unlock()
	if items != nil {
		return items, nil
	}
	page, err := s.List(ctx, store.Filter{Kind: resource.KindLocation})
	if err != nil {
		return nil, err
	}
	items = page.Items
	if items == nil {
		items = []*resource.Resource{}
	}
	c.mu.Lock()
	if c.gen == gen {
		c.items = items
	}
	c.mu.Unlock()
	return items, nil
}
