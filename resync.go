package orca

import (
	"context"
	"fmt"
	"sync"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// Resync reconciles everything again now: every location and global
// resource gets a pass; per-location copies are checked in bulk where the
// driver can list (one VIM call per location and kind) and get a pass of
// their own only when what the VIM reports differs from their status.
func (o *Orchestrator) Resync(ctx context.Context) error { return o.resync(ctx) }

func (o *Orchestrator) resync(ctx context.Context) error {
	o.stats.Resyncs.Add(1)
	if err := o.resyncGlobal(ctx); err != nil {
		return err
	}
	locs, err := o.store.List(ctx, store.Filter{Kind: resource.KindLocation, Known: keysOnly})
	if err != nil {
		return fmt.Errorf("resync: %w", err)
	}
	var wg sync.WaitGroup
	parents := &parentCache{m: map[resource.Ref]*resource.Resource{}}
	for _, l := range locs.Keys {
		ctx := ctx
		var h *heldLease
		if o.leases != nil {
			// Other replicas look at the locations they hold.
			if h = o.leases.enter(locUnit(l.ID)); h == nil {
				continue
			}
			ctx = withFence(ctx, h)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if h != nil {
				defer h.exit()
			}
			o.resyncSite(ctx, l.ID, parents)
		}()
	}
	wg.Wait()
	return nil
}

// resyncSite checks one location's copies, then schedules its own pass:
// when its bulk check was answered, the location needs no ping.
func (o *Orchestrator) resyncSite(ctx context.Context, id string, parents *parentCache) {
	if err := o.resyncLocation(ctx, id, parents); err != nil && ctx.Err() == nil {
		o.log.Warn("bulk resync failed; checking one by one", "location", id, "err", err)
	}
	o.enqueue(resource.Ref{Kind: resource.KindLocation, ID: id})
}

// takeOver starts the work of units this replica has just claimed: a
// location's copies are checked as a resync would, and everything outside
// locations is scheduled once for all claimed shards (workers skip what
// belongs to other shards).
func (o *Orchestrator) takeOver(ctx context.Context, claimed []*heldLease) {
	var wg sync.WaitGroup
	parents := &parentCache{m: map[resource.Ref]*resource.Resource{}}
	shards := false
	for _, h := range claimed {
		if h.location == "" {
			shards = true
			continue
		}
		if !h.enter() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer h.exit()
			o.resyncSite(withFence(ctx, h), h.location, parents)
		}()
	}
	if shards {
		if err := o.resyncGlobal(ctx); err != nil && ctx.Err() == nil {
			o.log.Warn("scheduling claimed work failed; the next resync does", "err", err)
		}
	}
	wg.Wait()
}

// resyncGlobal schedules everything that is not at a location: global and
// composite resources; actions left running by a stop or a crash, which
// resume; webhooks not yet delivered; watches, which look again.
func (o *Orchestrator) resyncGlobal(ctx context.Context) error {
	if err := o.enqueueKinds(ctx, func(info resource.KindInfo) bool { return info.Local != "" || info.Composite }); err != nil {
		return fmt.Errorf("resync: %w", err)
	}
	for _, f := range []store.Filter{
		{Kind: resource.KindAction, Phase: resource.PhasePending},
		{Kind: resource.KindAction, Phase: resource.PhaseProvisioning},
		{Kind: resource.KindWebhook, Phase: resource.PhasePending},
		{Kind: resource.KindWatch},
	} {
		page, err := o.store.List(ctx, f)
		if err != nil {
			return fmt.Errorf("resync %ss: %w", f.Kind, err)
		}
		for _, a := range page.Items {
			o.enqueue(a.Ref)
		}
	}
	return nil
}

// parentCache holds the global resources one resync has read: each has a
// copy at every location, and every location's check needs it.
type parentCache struct {
	mu sync.Mutex
	m  map[resource.Ref]*resource.Resource // shared: read, never modified
}

func (c *parentCache) get(ctx context.Context, s store.Store, ref resource.Ref) (*resource.Resource, error) {
	c.mu.Lock()
	r := c.m[ref]
	c.mu.Unlock()
	if r != nil {
		return r, nil
	}
	r, err := s.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[ref] = r
	c.mu.Unlock()
	return r, nil
}

// resyncLocation checks the copies at one location, kind by kind.
func (o *Orchestrator) resyncLocation(ctx context.Context, locID string, parents *parentCache) error {
	page, err := o.store.List(ctx, store.Filter{Location: locID})
	if err != nil {
		return err
	}
	s, err := o.siteFor(ctx, locID)
	if err != nil || s == nil || s.err != nil {
		for _, l := range page.Items {
			o.enqueue(l.Ref)
		}
		return err
	}
	byKind := map[resource.Kind][]*resource.Resource{}
	for _, l := range page.Items {
		byKind[l.Kind] = append(byKind[l.Kind], l)
	}
	called, failed := false, false
	for _, locals := range byKind {
		c, err := o.resyncKind(ctx, s, locals, parents)
		called, failed = called || c, failed || err != nil
		if err != nil {
			for _, l := range locals {
				o.enqueue(l.Ref)
			}
			if ctx.Err() != nil {
				return err
			}
			o.log.Warn("bulk observation failed", "location", locID, "err", err)
		}
	}
	s.answered.Store(called && !failed)
	return nil
}

// resyncKind observes copies of one kind at one site in bulk and enqueues
// those that need a pass; called says a VIM call was made.
func (o *Orchestrator) resyncKind(ctx context.Context, s *site, locals []*resource.Resource, parents *parentCache) (called bool, _ error) {
	type item struct {
		l, parent *resource.Resource
		obj       *vim.Object
	}
	var kind resource.Kind
	var lister vim.Lister
	var items []item
	for _, l := range locals {
		parent, err := parents.get(ctx, o.store, *l.Owner)
		if err != nil {
			o.enqueue(l.Ref)
			continue
		}
		d := s.driver(parent.Kind)
		ls, ok := d.(vim.Lister)
		if !ok || l.Deleting || parent.Deleting || l.Status.Phase != resource.PhaseReady {
			o.enqueue(l.Ref) // busy, or no bulk observation: a pass of its own
			continue
		}
		obj, waiting, err := o.object(ctx, s, l, parent)
		if err != nil || waiting != "" {
			o.enqueue(l.Ref)
			continue
		}
		kind, lister = parent.Kind, ls
		items = append(items, item{l, parent, obj})
	}
	if len(items) == 0 {
		return false, nil
	}
	// One call for the whole kind: paging through the VIM's list is the
	// driver's business.
	objs := make([]*vim.Object, len(items))
	for i, it := range items {
		objs[i] = it.obj
	}
	var obs []vim.Observation
	if err := o.call(ctx, s, func(ctx context.Context) (err error) {
		obs, err = lister.ObserveAll(ctx, kind, objs)
		return err
	}); err != nil {
		for _, it := range items {
			o.enqueue(it.l.Ref)
		}
		return true, err
	}
	for i, it := range items {
		if !quiet(it.l, it.parent, obs[i]) {
			o.enqueue(it.l.Ref)
		}
	}
	return true, nil
}

// quiet reports whether an observation agrees with what a ready copy's
// status records, so the copy needs no pass.
func quiet(l, parent *resource.Resource, obs vim.Observation) bool {
	st := l.Status
	return obs.Exists && obs.State == vim.StateReady && len(obs.Drift) == 0 &&
		obs.ExternalID == st.ExternalID && obs.TaskStatus == st.TaskStatus &&
		st.ObservedGeneration == parent.Generation
}
