package orca

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"sync"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// LeaseOptions split the reconciler's work between replicas that share one
// store (PostgreSQL), so that each location's copies are reconciled by one
// replica at a time, and a replica that dies has its work taken over.
//
// The work is cut into units: one per location (its copies, its health,
// every VIM call a copy's pass makes there) and Shards hash shards of the
// rest (global resources, deployments, actions, webhooks, watches). A
// replica reconciles only the units it holds a lease on. Units are shared
// out by rendezvous hashing over the live replicas, so a replica that joins
// or leaves moves only its own share.
//
// Guarantees: a unit's lease has one holder at a time; every store write
// a pass makes checks, in its own transaction, that the pass's lease is
// still held at the epoch the pass started with (fencing), so a replica
// that lost its lease writes nothing more; and a VIM call is cut off when
// the caller's lease runs out, before any other replica can claim it. A
// replica that stops cleanly releases its leases at once; one that dies
// loses them TTL after its last renewal, and others hold them by about
// TTL + Renew later.
type LeaseOptions struct {
	// Holder names this replica: letters, digits, '-', '_', '.' or ':',
	// unique among the replicas (a host name and process ID will do).
	Holder string
	// TTL is how long a lease lasts without renewal; default 10s.
	TTL time.Duration
	// Renew is how often leases are renewed and the work re-split;
	// default TTL/4.
	Renew time.Duration
	// Shards is how many hash shards the work outside locations is cut
	// into; every replica must use the same number. Default 16.
	Shards int
}

func (l *LeaseOptions) withDefaults() LeaseOptions {
	out := *l
	if out.TTL <= 0 {
		out.TTL = 10 * time.Second
	}
	if out.Renew <= 0 || out.Renew >= out.TTL {
		out.Renew = out.TTL / 4
	}
	if out.Shards <= 0 {
		out.Shards = 16
	}
	return out
}

// errNotHeld is wrapped by the errors of work this replica does not (or no
// longer) hold the lease for: its holder does it. Such passes are dropped,
// not retried.
var errNotHeld = &resource.Error{Code: resource.Unavailable, Err: errors.New("another replica holds this work's lease")}

// heldLease is a lease this replica holds.
type heldLease struct {
	id       string
	epoch    int64
	location string // the location whose work it covers; "" for a shard

	mu         sync.Mutex
	validUntil time.Time // by this replica's clock: TTL after the renewal began
	releasing  bool      // no new passes; released once inflight is 0
	inflight   int
}

// enter admits one pass under the lease; false once it is released, being
// released, or run out.
func (h *heldLease) enter() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.releasing || !time.Now().Before(h.validUntil) {
		return false
	}
	h.inflight++
	return true
}

func (h *heldLease) exit() {
	h.mu.Lock()
	h.inflight--
	h.mu.Unlock()
}

// until is when the lease runs out; false when it has.
func (h *heldLease) until() (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.validUntil, time.Now().Before(h.validUntil)
}

// sighting is when this replica first saw a lease at a revision: a lease
// unchanged for TTL since is expired, whatever the holder's clock says.
type sighting struct {
	revision int64
	since    time.Time
}

// leaser keeps this replica's leases: it renews them, claims the units the
// split gives it, and releases those it no longer should hold.
type leaser struct {
	o    *Orchestrator
	opts LeaseOptions

	mu    sync.Mutex
	held  map[string]*heldLease // by lease ID
	seen  map[string]sighting   // by lease ID
	claim sync.WaitGroup        // the work started by claims
}

func newLeaser(o *Orchestrator, opts *LeaseOptions) *leaser {
	return &leaser{o: o, opts: opts.withDefaults(), held: map[string]*heldLease{}, seen: map[string]sighting{}}
}

const (
	memberPrefix = "member."
	locPrefix    = "loc."
	shardPrefix  = "shard."
)

// locUnit is the lease ID of a location's work.
func locUnit(id string) string { return leaseID(locPrefix, id) }

func leaseID(prefix, name string) string {
	if len(prefix)+len(name) <= resource.MaxIDLen {
		return prefix + name
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return prefix + strconv.FormatUint(h.Sum64(), 36) // too long to spell out
}

// unitOf is the lease ID of the work of a resource that is not at a
// location: a location's own, or its hash shard.
func (l *leaser) unitOf(ref resource.Ref) string {
	if ref.Kind == resource.KindLocation {
		return locUnit(ref.ID)
	}
	h := fnv.New32a()
	h.Write([]byte(ref.Kind))
	h.Write([]byte{'/'})
	h.Write([]byte(ref.ID))
	return shardPrefix + strconv.Itoa(int(h.Sum32()%uint32(l.opts.Shards)))
}

// enter admits a pass of the unit's work: the lease to fence it with, or
// nil when this replica does not hold it.
func (l *leaser) enter(unit string) *heldLease {
	l.mu.Lock()
	h := l.held[unit]
	l.mu.Unlock()
	if h == nil || !h.enter() {
		return nil
	}
	return h
}

// holds reports whether this replica holds the unit's lease now.
func (l *leaser) holds(unit string) bool {
	h := l.enter(unit)
	if h != nil {
		h.exit()
	}
	return h != nil
}

// check fails with errNotHeld unless tx sees h as the lease's current
// claim: the fencing of every write a pass makes.
func (l *leaser) check(ctx context.Context, tx store.Reader, h *heldLease) error {
	if _, ok := h.until(); !ok {
		return errNotHeld
	}
	r, err := tx.Get(ctx, resource.Ref{Kind: resource.KindLease, ID: h.id})
	if resource.CodeOf(err) == resource.NotFound {
		return errNotHeld
	}
	if err != nil {
		return err
	}
	if s := r.Spec.(*resource.Lease); s.Holder != l.opts.Holder || s.Epoch != h.epoch {
		return errNotHeld
	}
	return nil
}

// run keeps the leases until ctx ends, then releases them.
//
// Renewals run on a ticker of their own: a round (listing, claiming,
// releasing) also waits its turn to write, and a renewal that waited for a
// round as well would let leases lapse under load.
func (l *leaser) run(ctx context.Context) {
	l.renewOnce(ctx) // the member record first: the others count this replica
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		every(ctx, l.opts.Renew, l.renewOnce)
	}()
	l.round(ctx)
	every(ctx, l.opts.Renew, l.round)
	wg.Wait()
	l.claim.Wait()
}

// every calls fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func(context.Context)) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			fn(ctx)
		case <-ctx.Done():
			return
		}
	}
}
