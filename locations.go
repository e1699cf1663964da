package orca

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// site is an open location: its drivers, and the semaphore that bounds
// concurrent calls to them.
type site struct {
	id         string
	generation int64 // of the Location its drivers were built from
	credRev    int64 // of its credential, 0 without one
	labels     map[string]string
	drivers    []vim.Driver
	byKind     map[resource.Kind]vim.Driver // the first of drivers serving each kind
	sem        *semaphore.Weighted
	err        error // why the drivers could not be built
	brk        breaker
	// answered is set by a resync whose bulk observation here was
	// answered, and taken by the location's next pass: it needs no ping.
	answered atomic.Bool
}

// driver returns the driver for a global kind: the first that serves it.
func (s *site) driver(k resource.Kind) vim.Driver {
	if s.byKind != nil {
		return s.byKind[k]
	}
	for _, d := range s.drivers {
		if vim.Serves(d, k) {
			return d
		}
	}
	return nil
}

func (s *site) close() error {
	var errs []error
	for _, d := range s.drivers {
		errs = append(errs, d.Close())
	}
	return errors.Join(errs...)
}

func (o *Orchestrator) site(id string) *site {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sites[id]
}

// siteFor returns the open site of a location, opening it first if no pass
// of the location has yet; nil if the location does not exist. It holds the
// location's key while opening, so the drivers are built once.
func (o *Orchestrator) siteFor(ctx context.Context, id string) (*site, error) {
	if s := o.site(id); s != nil {
		return s, nil
	}
	ref := resource.Ref{Kind: resource.KindLocation, ID: id}
	unlock := o.keys.lock(ref)
	defer unlock()
	if s := o.site(id); s != nil {
		return s, nil
	}
	loc, err := o.store.Get(ctx, ref)
	if resource.CodeOf(err) == resource.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o.enqueue(ref) // its own pass records its status
	return o.openSite(ctx, loc), nil
}

// call runs one VIM call at a site: within the location's concurrency limit
// and the per-call timeout, unless the site's breaker is open (breaker.go).
func (o *Orchestrator) call(ctx context.Context, s *site, fn func(ctx context.Context) error) error {
	if err := s.brk.check(s.id); err != nil {
		return err
	}
	return o.callVIM(ctx, s, fn)
}

// callVIM makes the call whatever the breaker says: the location's ping
// probes with it.
func (o *Orchestrator) callVIM(ctx context.Context, s *site, fn func(ctx context.Context) error) error {
	if err := s.sem.Acquire(ctx, 1); err != nil {
		return resource.Wrap(resource.Unavailable, err)
	}
	defer s.sem.Release(1)
	ctx, cancel := context.WithTimeout(ctx, o.opts.CallTimeout)
	defer cancel()
	if h := fenceOf(ctx); h != nil {
		// A call ends before its lease does: once it has run out,
		// another replica may claim the work and call too.
		until, ok := h.until()
		if !ok {
			return errNotHeld
		}
		var stop context.CancelFunc
		ctx, stop = context.WithDeadline(ctx, until)
		defer stop()
	}
	c := o.locationCounters(s.id)
	o.stats.VIMCalls.Add(1)
	c.calls.Add(1)
	start := time.Now()
	err := fn(ctx)
	c.observe(time.Since(start))
	if err != nil {
		o.stats.VIMErrors.Add(1)
		c.errors.Add(1)
	}
	if ctx.Err() != nil && resource.CodeOf(err) != resource.Unavailable {
		err = resource.Wrap(resource.Unavailable, err) // it hung past the timeout
	}
	if s.brk.record(err) {
		o.log.Warn("location unreachable; calls there stop until it answers a ping", "location", s.id, "err", err)
		o.enqueue(resource.Ref{Kind: resource.KindLocation, ID: s.id}) // its status says so
	}
	return err
}

// reconcileLocation keeps a location's drivers in step with its resource,
// and takes a deleted location apart: every resource placed there first.
func (o *Orchestrator) reconcileLocation(ctx context.Context, ref resource.Ref) (Result, error) {
	o.locs.drop()
	loc, err := o.store.Get(ctx, ref)
	if resource.CodeOf(err) == resource.NotFound {
		o.closeSite(ref.ID)
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if loc.Deleting {
		return o.removeLocation(ctx, loc)
	}

	s := o.site(loc.ID)
	credRev := int64(0)
	if spec, ok := loc.Spec.(*resource.Location); ok && spec.CredentialID != "" {
		if c, err := o.store.Get(ctx, resource.Ref{Kind: resource.KindCredential, ID: spec.CredentialID}); err == nil {
			credRev = c.Revision
		}
	}
	changed := s == nil || s.generation != loc.Generation || !maps.Equal(s.labels, loc.Labels)
	reopened := false
	if s == nil || s.generation != loc.Generation || s.credRev != credRev || s.err != nil {
		s, reopened = o.openSite(ctx, loc), true
	} else if changed {
		o.mu.Lock()
		s.labels = maps.Clone(loc.Labels)
		o.mu.Unlock()
	}
	st := loc.Status
	st.ObservedGeneration = loc.Generation
	var pingErr error
	if s.err != nil {
		st.Phase, st.Message = resource.PhaseFailed, "cannot open the location's drivers: "+s.err.Error()
	} else {
		st.Phase, st.Message = resource.PhaseReady, fmt.Sprintf("%d driver(s)", len(s.drivers))
		// A location whose bulk observation this resync just answered is
		// reachable: a quiet resync makes one call per location and
		// kind, and none to ping.
		answered := s.answered.Swap(false) && !reopened && !s.brk.isOpen()
		if p, ok := firstPinger(s); ok && !answered {
			if pingErr = o.callVIM(ctx, s, p.Ping); pingErr != nil {
				st.Phase, st.Message = resource.PhaseFailed, "unreachable: "+pingErr.Error()
			}
		}
		if pingErr == nil && s.brk.close() {
			// Back: what waited out the outage goes now.
			o.log.Info("location answers again", "location", loc.ID)
			if err := o.enqueueCopiesAt(ctx, loc.ID); err != nil {
				return Result{}, err
			}
		}
	}
	if _, err := o.writeStatus(ctx, loc, st); err != nil {
		return Result{}, err
	}
	if changed {
		// New drivers or labels: placement may now include this site.
		if err := o.enqueueKinds(ctx, func(info resource.KindInfo) bool { return info.Local != "" }); err != nil {
			return Result{}, err
		}
	}
	if s.err != nil {
		return Result{}, resource.Wrap(resource.Unavailable, s.err)
	}
	if pingErr != nil {
		if s.brk.isOpen() {
			// Probe every poll interval: the copies wait on it.
			return Result{RequeueAfter: o.opts.PollInterval}, nil
		}
		// Ping again with backoff: the location shows Ready as soon as
		// it answers, not at the next resync.
		return Result{}, resource.Wrap(resource.Unavailable, pingErr)
	}
	return Result{}, nil
}

func firstPinger(s *site) (vim.Pinger, bool) {
	for _, d := range s.drivers {
		if p, ok := d.(vim.Pinger); ok {
			return p, true
		}
	}
	return nil, false
}

// openSite (re)builds a location's drivers, closing those they replace.
func (o *Orchestrator) openSite(ctx context.Context, loc *resource.Resource) *site {
	s := &site{id: loc.ID, generation: loc.Generation, labels: maps.Clone(loc.Labels),
		sem: semaphore.NewWeighted(int64(o.opts.LocationConcurrency))}
	creds, credRev, err := o.credentials(ctx, loc)
	s.credRev = credRev
	switch {
	case err != nil:
		s.err = err
	case o.opts.Drivers == nil:
		s.err = errors.New("no driver factory is configured")
	default:
		s.drivers, s.err = o.opts.Drivers.Open(ctx, loc, creds)
		// Looked up at every pass; a driver's kinds do not change.
		s.byKind = map[resource.Kind]vim.Driver{}
		for _, d := range s.drivers {
			for _, k := range d.Kinds() {
				if _, ok := s.byKind[k]; !ok {
					s.byKind[k] = d
				}
			}
		}
	}
	o.mu.Lock()
	old := o.sites[loc.ID]
	o.sites[loc.ID] = s
	open := len(o.sites)
	o.mu.Unlock()
	o.workers.locations(open)
	if old != nil {
		if err := old.close(); err != nil {
			o.log.Warn("closing replaced drivers", "location", loc.ID, "err", err)
		}
	}
	o.log.Info("location opened", "location", loc.ID, "drivers", len(s.drivers), "err", s.err)
	return s
}

func (o *Orchestrator) closeSite(id string) {
	o.mu.Lock()
	s := o.sites[id]
	delete(o.sites, id)
	o.mu.Unlock()
	if s != nil {
		if err := s.close(); err != nil {
			o.log.Warn("closing drivers", "location", id, "err", err)
		}
	}
}

// removeLocation marks everything placed at a deleted location for deletion
// and removes the location once nothing is left there.
func (o *Orchestrator) removeLocation(ctx context.Context, loc *resource.Resource) (Result, error) {
	page, err := o.store.List(ctx, store.Filter{Location: loc.ID})
	if err != nil {
		return Result{}, err
	}
	for _, l := range page.Items {
		if err := o.markDeleting(ctx, l); err != nil {
			return Result{}, err
		}
	}
	if len(page.Items) > 0 {
		st := loc.Status
		st.Phase, st.Message = resource.PhaseDeleting, fmt.Sprintf("removing %d resource(s) placed here", len(page.Items))
		if _, err := o.writeStatus(ctx, loc, st); err != nil {
			return Result{}, err
		}
		return Result{RequeueAfter: o.opts.PollInterval}, nil
	}
	if err := o.store.Delete(ctx, loc.Ref, 0); err != nil {
		return Result{}, err
	}
	o.closeSite(loc.ID)
	o.recordEvent(ctx, loc, loc.Status.Phase, resource.PhaseDeleting, "location removed")
	return Result{}, nil
}

// markDeleting marks r for deletion (if it is not already) and enqueues it.
func (o *Orchestrator) markDeleting(ctx context.Context, r *resource.Resource) error {
	if !r.Deleting {
		r.Deleting = true
		if _, err := o.store.Update(ctx, r); err != nil {
			return err
		}
	}
	o.enqueue(r.Ref)
	return nil
}

// enqueueKinds enqueues every resource of the kinds selected.
func (o *Orchestrator) enqueueKinds(ctx context.Context, sel func(resource.KindInfo) bool) error {
	for _, k := range o.reg.Kinds() {
		if info, _ := o.reg.Info(k); sel(info) {
			page, err := o.store.List(ctx, store.Filter{Kind: k, Known: keysOnly})
			if err != nil {
				return err
			}
			for _, key := range page.Keys {
				o.enqueue(key.Ref)
			}
		}
	}
	return nil
}

// locations returns the locations a placement selects, excluding those
// being deleted.
func (o *Orchestrator) locations(ctx context.Context, p *resource.Placement) ([]*resource.Resource, error) {
	all, err := o.locs.list(ctx, o.store)
	if err != nil {
		return nil, err
	}
	var out []*resource.Resource
	for _, l := range all {
		if !l.Deleting && p.Matches(l) {
			out = append(out, l)
		}
	}
	return out, nil
}
