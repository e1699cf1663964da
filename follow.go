package orca

import (
	"context"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// followPage bounds one look at the writes of others.
const followPage = 500

// follow schedules what other processes write to a shared store (replicas
// on one PostgreSQL database: the API may be served by one while another
// reconciles): every FollowWrites it lists what was written since it last
// looked, by revision, reading keys only, and schedules it as a local write
// would (afterWrite). Writes it cannot see between two looks are not lost:
// a revision only grows, and the next look starts where the last ended.
func (o *Orchestrator) follow(ctx context.Context, last int64) {
	tick := time.NewTicker(o.opts.FollowWrites)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
		for {
			page, err := o.store.List(ctx, store.Filter{AfterRevision: last, Sort: "revision", Limit: followPage, Known: keysOnly})
			if err != nil {
				o.log.Warn("following the store's writes", "err", err)
				break
			}
			for _, k := range page.Keys {
				if !o.own.take(k.Ref, k.Revision) {
					o.followed(ctx, k.Ref)
				}
				last = k.Revision
			}
			if len(page.Keys) < followPage {
				break
			}
		}
	}
}

// latestRevision is the store's latest revision; Run reads it before its
// opening resync, and follows from there: nothing written after the
// resync began is missed.
func (o *Orchestrator) latestRevision(ctx context.Context) (int64, error) {
	page, err := o.store.List(ctx, store.Filter{Sort: "revision", Desc: true, Limit: 1, Known: keysOnly})
	if err != nil || len(page.Keys) == 0 {
		return 0, err
	}
	return page.Keys[0].Revision, nil
}

// keysOnly makes a List read keys alone: nothing is decoded.
func keysOnly(resource.Ref, int64) bool { return true }

// followed schedules one resource another process wrote. Events, id
// allocations and leases need nothing; a resource the reconciler passes is
// scheduled; any other (a rule, a template, a credential) is read, to
// schedule what it affects. A copy matters only where replicas split the
// work: another replica created or changed it (for this one's location), or
// reported its state (for this one's parent).
func (o *Orchestrator) followed(ctx context.Context, ref resource.Ref) {
	info, ok := o.reg.Info(ref.Kind)
	switch {
	case !ok, ref.Kind == resource.KindEvent, ref.Kind == resource.KindIDAllocation, ref.Kind == resource.KindLease:
		return
	case info.Located:
		if o.leases == nil {
			return // this process wrote it
		}
		l, err := o.store.Get(ctx, ref)
		if err != nil {
			return
		}
		if o.leases.holds(locUnit(l.Location)) {
			o.enqueue(ref)
		}
		if l.Owner != nil && o.leases.holds(o.leases.unitOf(*l.Owner)) {
			o.q.AddAfter(*l.Owner, o.opts.AggregateDelay)
		}
		return
	case info.Local != "", ref.Kind == resource.KindLocation, ref.Kind == resource.KindAction,
		ref.Kind == resource.KindWebhook, ref.Kind == resource.KindWatch, ref.Kind == resource.KindDeployment:
		o.enqueue(ref)
		return
	}
	r, err := o.store.Get(ctx, ref)
	if err != nil {
		return // gone again; its deletion scheduled what it affected
	}
	o.afterWrite(ctx, r)
}
