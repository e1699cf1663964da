package orca

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// Options configure an Orchestrator. A nil *Options means all defaults.
type Options struct {
	// Registry must be the registry the store was opened with; nil means
	// resource.NewBuiltinRegistry().
	Registry *resource.Registry
	// Drivers builds each location's drivers. Without it locations have
	// no drivers and nothing is realized.
	Drivers vim.Factory
	// Keyring seals and opens location credentials; without it locations
	// cannot use credentials (see secret.Load).
	Keyring *secret.Keyring
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger

	// Workers bounds how many resources are reconciled at once. Zero (the
	// default) sizes the pool to the open locations: two workers per VIM
	// call slot (LocationConcurrency per location), at least 8 and at
	// most 4096, growing as locations open. A pass spends time in the
	// store around its VIM call, so with one worker per slot the slots
	// stood idle meanwhile (BenchmarkConverge: 1.3 × its bound, against
	// 1.15 × with two).
	Workers int
	// LocationConcurrency bounds concurrent VIM calls per location;
	// default 16.
	LocationConcurrency int
	// CallTimeout bounds each VIM call; default 30s.
	CallTimeout time.Duration
	// PollInterval is how soon an object still building or deleting in a
	// VIM is looked at again; default 2s.
	PollInterval time.Duration
	// MonitorInterval is how often the VMs of a deployment's monitored
	// groups are looked at in their VIMs, so that a failed one is
	// recovered without waiting for a resync; default 5 × PollInterval.
	MonitorInterval time.Duration
	// ResyncInterval is how often everything is reconciled again, which
	// catches drift and retries what failed for good; default 10m.
	ResyncInterval time.Duration
	// RetryBase and RetryMax bound the exponential backoff (with jitter)
	// after retryable errors; defaults 1s and 5m.
	RetryBase, RetryMax time.Duration
	// AggregateDelay is how long a resource waits, after one of its
	// per-location copies changed, before its status is recomputed from
	// them: copies at many locations change at about the same time, and
	// one recomputation then covers them all; default 50ms.
	AggregateDelay time.Duration
	// ConflictDelay is the pause before retrying after a write conflict;
	// default 50ms.
	ConflictDelay time.Duration
	// FollowWrites, when set, is how often Run looks for what other
	// processes wrote to the store, to reconcile it: replicas sharing one
	// database (PostgreSQL), where the API that takes a write may not be
	// the process that reconciles. Leave it 0 for a store this process
	// alone writes: its own writes are scheduled as they are made.
	FollowWrites time.Duration
	// Leases, when set, split the reconciler's work with the other
	// replicas sharing the store (see LeaseOptions); FollowWrites then
	// defaults to 500ms. Without it this process reconciles everything.
	Leases *LeaseOptions
	// EventsPerResource is how many events are kept per resource; default 20.
	EventsPerResource int

	// Deliver sends a webhook (see Notify): nil once the receiver
	// answered 2xx, else an error. Errors are retried with backoff
	// (RetryBase to RetryMax), except those with code Forbidden or Invalid
	// (a refused destination, an unsendable message), which fail the
	// webhook at once. Without it webhooks wait for an orchestrator that
	// has one.
	Deliver func(ctx context.Context, w *resource.Webhook) error
	// WebhookMaxAge is how long a webhook is retried before it is marked
	// Failed; default 24h.
	WebhookMaxAge time.Duration

	// CheckSource vets a URL that a VIM will fetch on the orchestrator's
	// behalf (an image's url, which Glance downloads) when a resource
	// naming it is created or changed: its error refuses the write (use
	// Forbidden for a refused address, as netguard.Policy.CheckRemote
	// does). Nil accepts any URL the spec's validation accepts.
	CheckSource func(ctx context.Context, rawURL string) error
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.Registry == nil {
		out.Registry = resource.NewBuiltinRegistry()
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if out.Workers < 0 {
		out.Workers = 0
	}
	if out.LocationConcurrency <= 0 {
		out.LocationConcurrency = 16
	}
	def(&out.CallTimeout, 30*time.Second)
	def(&out.PollInterval, 2*time.Second)
	def(&out.MonitorInterval, 5*out.PollInterval)
	def(&out.ResyncInterval, 10*time.Minute)
	def(&out.RetryBase, time.Second)
	def(&out.RetryMax, 5*time.Minute)
	def(&out.ConflictDelay, 50*time.Millisecond)
	def(&out.AggregateDelay, 50*time.Millisecond)
	def(&out.WebhookMaxAge, 24*time.Hour)
	if out.Leases != nil {
		def(&out.FollowWrites, 500*time.Millisecond)
	}
	if out.EventsPerResource <= 0 {
		out.EventsPerResource = 20
	}
	return out
}

// Orchestrator keeps every location converged on the desired state in its
// store. Create one with New, change resources with Apply and Delete, and
// call Run to reconcile continuously.
type Orchestrator struct {
	store  store.Store // fenced when replicas share it (fence.go)
	base   store.Store // as given to New
	leases *leaser     // nil without Options.Leases
	own    *ownWrites  // nil unless following the store
	reg    *resource.Registry
	// descriptions finds spec types' description fields (describe.go).
	descriptions descriptions
	opts         Options
	log          *slog.Logger
	q            *queue
	workers      pool

	mu       sync.Mutex
	sites    map[string]*site // by location ID
	locStats map[string]*locCounters
	failures map[resource.Ref]int
	watchers map[string]Watcher // by purpose
	keys     keyedMutex
	locs     locationCache

	running atomic.Bool
	stats   Stats
	lastSeq atomic.Int64 // the last webhook sequence number handed out
}

// New returns an orchestrator over s. It does nothing until Run (or
// Reconcile) is called.
func New(s store.Store, opts *Options) *Orchestrator {
	o := opts.withDefaults()
	orc := &Orchestrator{
		store: s, base: s, reg: o.Registry, opts: o, log: o.Logger,
		sites: map[string]*site{}, failures: map[resource.Ref]int{},
	}
	// A global resource's passes touch only the store: they go first,
	// a few at a time while VIM work waits (see queue and pool.fill).
	orc.q = newQueue(func(ref resource.Ref) bool { return o.Registry.Local(ref.Kind) != "" }, 1)
	orc.workers = pool{fixed: o.Workers, perLoc: o.LocationConcurrency, q: orc.q}
	orc.workers.locations(0)
	if o.Leases != nil || o.FollowWrites > 0 {
		fs := &fencedStore{Store: s}
		if o.Leases != nil {
			orc.leases = newLeaser(orc, o.Leases)
			fs.leases = orc.leases
		}
		if o.FollowWrites > 0 {
			fs.own = &ownWrites{rev: map[resource.Ref]int64{}}
			orc.own = fs.own
		}
		orc.store = fs
	}
	return orc
}

// Store returns the orchestrator's store.
func (o *Orchestrator) Store() store.Store { return o.base }

// Run reconciles until ctx ends: a full resync at start and every
// ResyncInterval, and whatever Apply, Delete and the passes themselves
// enqueue in between. It returns nil after a clean shutdown, once every
// worker has finished its current pass.
func (o *Orchestrator) Run(ctx context.Context) error {
	if !o.running.CompareAndSwap(false, true) {
		return errors.New("orca: Run is already running")
	}
	defer o.running.Store(false)
	if o.leases != nil {
		if err := resource.CheckID(o.leases.opts.Holder); err != nil {
			return fmt.Errorf("orca: LeaseOptions.Holder %q: %v (letters, digits, '-', '_', '.' or ':')", o.leases.opts.Holder, err)
		}
	}
	o.q.reopen()
	var since int64
	if o.opts.FollowWrites > 0 {
		var err error
		if since, err = o.latestRevision(ctx); err != nil {
			return fmt.Errorf("orca: following the store's writes: %w", err)
		}
	}
	var wg sync.WaitGroup
	if o.leases != nil {
		// No opening resync: each unit's work is looked at as its
		// lease is claimed (takeOver).
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.leases.run(ctx)
		}()
	} else if err := o.resync(ctx); err != nil && ctx.Err() == nil {
		o.log.Error("initial resync failed; retrying at the next one", "err", err)
	}
	if o.opts.FollowWrites > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.follow(ctx, since)
		}()
	}
	o.workers.start(func() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.work(ctx)
		}()
	})
	ticker := time.NewTicker(o.opts.ResyncInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			if err := o.resync(ctx); err != nil && ctx.Err() == nil {
				o.log.Error("resync failed", "err", err)
			}
		case <-ctx.Done():
			o.q.Close()
			o.workers.stop() // no wg.Add once Wait may have begun
			wg.Wait()
			if o.leases != nil {
				// Every pass has ended: hand the work over now, not TTL
				// from now.
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.leases.opts.TTL)
				o.leases.releaseAll(rctx)
				cancel()
			}
			return nil
		}
	}
}

// Close closes every location's drivers. Call it after Run has returned.
func (o *Orchestrator) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	var errs []error
	for id, s := range o.sites {
		errs = append(errs, s.close())
		delete(o.sites, id)
	}
	return errors.Join(errs...)
}

func (o *Orchestrator) work(ctx context.Context) {
	for {
		ref, ok := o.q.Get(ctx)
		if !ok {
			return
		}
		res, err := o.Reconcile(ctx, ref)
		o.q.Done(ref)
		o.schedule(ctx, ref, res, err)
	}
}

// schedule decides when ref runs again after a pass.
func (o *Orchestrator) schedule(ctx context.Context, ref resource.Ref, res Result, err error) {
	if ctx.Err() != nil || errors.Is(err, errNotHeld) {
		return // its lease's holder does it
	}
	if err == nil {
		o.mu.Lock()
		delete(o.failures, ref)
		o.mu.Unlock()
		if res.RequeueAfter > 0 {
			o.q.AddAfter(ref, res.RequeueAfter)
		}
		return
	}
	switch code := resource.CodeOf(err); {
	case code == resource.Conflict:
		o.q.AddAfter(ref, o.opts.ConflictDelay)
	case code == resource.Unavailable || code == resource.Unknown || code == resource.NotFound:
		d := o.backoff(ref)
		o.log.Warn("reconcile failed; retrying", "ref", ref.String(), "err", err, "after", d)
		o.q.AddAfter(ref, d)
	default:
		// Terminal: the pass recorded it in the status. The next resync
		// or change tries again; nothing loops meanwhile.
		o.log.Error("reconcile failed", "ref", ref.String(), "err", err)
	}
}

// backoff returns the delay before retry number n of ref: exponential from
// RetryBase, capped at RetryMax, with jitter over its upper half so retries
// of many keys spread out.
func (o *Orchestrator) backoff(ref resource.Ref) time.Duration {
	o.mu.Lock()
	n := o.failures[ref]
	o.failures[ref] = n + 1
	o.mu.Unlock()
	d := o.opts.RetryBase
	for i := 0; i < n && d < o.opts.RetryMax; i++ {
		d *= 2
	}
	d = min(d, o.opts.RetryMax)
	return d/2 + rand.N(d/2+1)
}

// Result says when a resource should be looked at again.
type Result struct {
	RequeueAfter time.Duration
}

// Reconcile runs one pass over ref: a location builds its drivers, a global
// resource fans out to its locations and aggregates their status, a
// per-location resource is realized in its VIM. Passes of one ref never
// overlap. Errors follow the resource codes: Conflict and the retryable
// codes mean "try again"; the others are terminal and are also recorded in
// the resource's status. With LeaseOptions, only the work this replica holds
// the lease for is done; other refs are left to their holders (an error for
// which errors.Is(err, resource.ErrUnavailable)).
func (o *Orchestrator) Reconcile(ctx context.Context, ref resource.Ref) (Result, error) {
	info, ok := o.reg.Info(ref.Kind)
	if o.leases != nil && !info.Located {
		// A copy's lease is its location's, known once it is read
		// (reconcileLocal).
		h := o.leases.enter(o.leases.unitOf(ref))
		if h == nil {
			return Result{}, errNotHeld
		}
		defer h.exit()
		ctx = withFence(ctx, h)
	}
	unlock := o.keys.lock(ref)
	defer unlock()
	o.stats.Reconciles.Add(1)
	var res Result
	var err error
	switch {
	case !ok:
		return Result{}, resource.Errorf(resource.Invalid, "unknown kind %q", ref.Kind)
	case ref.Kind == resource.KindLocation:
		res, err = o.reconcileLocation(ctx, ref)
	case ref.Kind == resource.KindAction:
		res, err = o.reconcileAction(ctx, ref)
	case ref.Kind == resource.KindWebhook:
		res, err = o.reconcileWebhook(ctx, ref)
	case ref.Kind == resource.KindWatch:
		res, err = o.reconcileWatch(ctx, ref)
	case ref.Kind == resource.KindDeployment:
		res, err = o.reconcileDeployment(ctx, ref)
	case info.Local != "":
		res, err = o.reconcileGlobal(ctx, ref, info)
	case info.Located:
		res, err = o.reconcileLocal(ctx, ref, info)
	}
	if err != nil {
		o.stats.Errors.Add(1)
	}
	return res, err
}

func (o *Orchestrator) enqueue(refs ...resource.Ref) {
	for _, r := range refs {
		if r.Kind == resource.KindLocation {
			o.locs.drop() // it may have changed
		}
		o.q.Add(r)
	}
}

// keyedMutex serializes passes per key, also between Run's workers and
// direct Reconcile calls.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[resource.Ref]*keyLock
}

// keyLock is held by a send and released by a receive: a pass waits on it
// as long as another pass of the key runs (a location's ping, say), and a
// goroutine blocked on a channel is one synctest can advance time past,
// where one blocked on a sync.Mutex would stall the bubble's clock.
type keyLock struct {
	held chan struct{}
	refs int
}

func (k *keyedMutex) lock(ref resource.Ref) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[resource.Ref]*keyLock{}
	}
	l := k.locks[ref]
	if l == nil {
		l = &keyLock{held: make(chan struct{}, 1)}
		k.locks[ref] = l
	}
	l.refs++
	k.mu.Unlock()
	l.held <- struct{}{}
	return func() {
		<-l.held
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.locks, ref)
		}
		k.mu.Unlock()
	}
}

// Stats are the orchestrator's counters, per instance (not expvar globals),
// so several orchestrators can live in one process.
type Stats struct {
	Reconciles atomic.Int64
	Errors     atomic.Int64
	Resyncs    atomic.Int64
	VIMCalls   atomic.Int64
	VIMErrors  atomic.Int64
	Events     atomic.Int64
	// Webhooks delivered, and given up on.
	WebhooksSent, WebhooksFailed atomic.Int64
}

// Stats returns the orchestrator's live counters.
func (o *Orchestrator) Stats() *Stats { return &o.stats }

// QueueDepth is the number of resources due for reconciliation now.
func (o *Orchestrator) QueueDepth() int { return o.q.Len() }
