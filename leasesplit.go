package orca

import (
	"cmp"
	"context"
	"errors"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// A round of the leaser (run calls tick every Renew): renew what it holds,
// look at every lease, share the units out between the live replicas,
// release what is no longer this replica's, claim what is and is free.

// tick renews, then runs a round: what run does on two tickers, in one
// call (tests drive the leaser by it).
func (l *leaser) tick(ctx context.Context) {
	l.renewOnce(ctx)
	l.round(ctx)
}

// renewOnce renews, logging a failure.
func (l *leaser) renewOnce(ctx context.Context) {
	if err := l.renew(ctx, time.Now()); err != nil && ctx.Err() == nil {
		l.o.log.Warn("renewing leases failed; they run out unless the next renewal succeeds", "err", err)
	}
}

// round re-splits, claims and releases.
func (l *leaser) round(ctx context.Context) {
	leases, err := l.o.store.List(ctx, store.Filter{Kind: resource.KindLease})
	if err != nil {
		l.dropExpired()
		return
	}
	locs, err := l.o.store.List(ctx, store.Filter{Kind: resource.KindLocation, Known: keysOnly})
	if err != nil {
		l.dropExpired()
		return
	}
	now := time.Now()
	records := map[string]*resource.Resource{}
	var members []string
	l.mu.Lock()
	for _, r := range leases.Items {
		records[r.ID] = r
		s, ok := l.seen[r.ID]
		if !ok || s.revision != r.Revision {
			s = sighting{r.Revision, now}
			l.seen[r.ID] = s
		}
		holder := r.Spec.(*resource.Lease).Holder
		if name, ok := strings.CutPrefix(r.ID, memberPrefix); ok && holder != "" &&
			(name == l.opts.Holder || now.Sub(s.since) < l.opts.TTL) {
			members = append(members, name)
		}
	}
	for id := range l.seen {
		if records[id] == nil {
			delete(l.seen, id)
		}
	}
	l.mu.Unlock()
	units := make(map[string]string, l.opts.Shards+len(locs.Keys)) // lease ID → location
	var shardUnits, locUnits []string
	for i := range l.opts.Shards {
		u := shardPrefix + strconv.Itoa(i)
		units[u] = ""
		shardUnits = append(shardUnits, u)
	}
	for _, k := range locs.Keys {
		u := locUnit(k.Ref.ID)
		units[u] = k.Ref.ID
		locUnits = append(locUnits, u)
	}
	// Locations and shards are shared out apart: each replica gets its
	// share of both.
	mine := map[string]bool{}
	for _, group := range [][]string{locUnits, shardUnits} {
		for u, m := range assign(members, group) {
			if m == l.opts.Holder {
				mine[u] = true
			}
		}
	}
	l.release(ctx, mine, units, records)
	l.acquire(ctx, mine, units, records, now)
	l.dropExpired()
}

// assign shares units out between members by rendezvous hashing with
// bounded load: each unit goes to the member it hashes highest with that
// has not yet taken its share (units ÷ members, one more for the first
// units mod members to reach it). Every
// replica computes the same answer from the same members and units, and a
// member joining or leaving moves few units besides its own.
func assign(members, units []string) map[string]string {
	out := make(map[string]string, len(units))
	if len(members) == 0 {
		return out
	}
	units = slices.Clone(units)
	slices.Sort(units)
	// Each member takes base units, and the first extra to get there one
	// more: shares differ by one at most.
	base, extra := len(units)/len(members), len(units)%len(members)
	load := map[string]int{}
	type ranking struct {
		member string
		score  uint64
	}
	ranked := make([]ranking, len(members))
	for _, u := range units {
		for i, m := range members {
			ranked[i] = ranking{m, score(m, u)}
		}
		slices.SortFunc(ranked, func(a, b ranking) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c // highest first
			}
			return strings.Compare(a.member, b.member)
		})
		for _, r := range ranked {
			m := r.member
			if load[m] < base || load[m] == base && extra > 0 {
				if load[m] == base {
					extra--
				}
				out[u] = m
				load[m]++
				break
			}
		}
	}
	return out
}

// score is how strongly a unit hashes to a member.
func score(member, unit string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(member))
	h.Write([]byte{0})
	h.Write([]byte(unit))
	return mix(h.Sum64())
}

// mix finishes a hash (splitmix64's finalizer): FNV's high bits depend
// little on a string's last bytes, and those tell units apart.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// renew renews this replica's member record and every lease it holds, in
// one transaction; a lease another replica has taken is dropped.
func (l *leaser) renew(ctx context.Context, start time.Time) error {
	l.mu.Lock()
	held := make([]*heldLease, 0, len(l.held))
	for _, h := range l.held {
		held = append(held, h)
	}
	l.mu.Unlock()
	var renewed, lost []*heldLease
	err := l.o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		renewed, lost = renewed[:0], lost[:0]
		member := resource.Ref{Kind: resource.KindLease, ID: leaseID(memberPrefix, l.opts.Holder)}
		if err := l.put(ctx, tx, member, 0, true); err != nil {
			return err
		}
		for _, h := range held {
			err := l.put(ctx, tx, resource.Ref{Kind: resource.KindLease, ID: h.id}, h.epoch, false)
			switch {
			case errors.Is(err, errNotHeld):
				lost = append(lost, h)
			case err != nil:
				return err
			default:
				renewed = append(renewed, h)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	now := time.Now()
	var restored []*heldLease
	for _, h := range renewed {
		h.mu.Lock()
		if now.After(h.validUntil) {
			// The renewal waited its turn to write past the lease's
			// end: passes refused meanwhile were dropped as another's.
			restored = append(restored, h)
		}
		h.validUntil = start.Add(l.opts.TTL)
		h.mu.Unlock()
	}
	if len(restored) > 0 {
		l.o.log.Warn("leases lapsed while their renewal waited to write; their work is looked at again (a longer TTL avoids this)", "count", len(restored))
		l.claim.Add(1)
		go func() {
			defer l.claim.Done()
			l.o.takeOver(ctx, restored)
		}()
	}
	var taken []string
	l.mu.Lock()
	for _, h := range lost {
		if l.held[h.id] == h { // not released by a round meanwhile
			delete(l.held, h.id)
			taken = append(taken, h.id)
		}
	}
	l.mu.Unlock()
	for _, id := range taken {
		l.o.log.Warn("a lease was taken by another replica", "lease", id)
	}
	return nil
}

// put writes a renewal of ref held at epoch (any epoch for the member
// record, which is created when missing); errNotHeld when another holds it.
func (l *leaser) put(ctx context.Context, tx store.Tx, ref resource.Ref, epoch int64, member bool) error {
	spec := &resource.Lease{Holder: l.opts.Holder, Epoch: epoch, TTLMillis: l.opts.TTL.Milliseconds(), RenewedAt: time.Now().UTC()}
	r, err := tx.Get(ctx, ref)
	if member && resource.CodeOf(err) == resource.NotFound {
		_, err = tx.Create(ctx, &resource.Resource{Ref: ref, Spec: spec})
		return err
	}
	if err != nil {
		if resource.CodeOf(err) == resource.NotFound {
			return errNotHeld
		}
		return err
	}
	cur := r.Spec.(*resource.Lease)
	if cur.Holder != l.opts.Holder || !member && cur.Epoch != epoch {
		return errNotHeld
	}
	spec.Epoch = cur.Epoch
	next := *r
	next.Spec = spec
	_, err = tx.Update(ctx, &next)
	return err
}

// acquire claims the units given to this replica that nobody holds: never
// claimed, released, or expired (unchanged for TTL by this replica's clock).
func (l *leaser) acquire(ctx context.Context, mine map[string]bool, units map[string]string, records map[string]*resource.Resource, now time.Time) {
	var want []string
	l.mu.Lock()
	for u := range mine {
		if l.held[u] != nil {
			continue
		}
		r := records[u]
		if r != nil {
			s := r.Spec.(*resource.Lease)
			expired := now.Sub(l.seen[u].since) >= l.opts.TTL
			if s.Holder != "" && s.Holder != l.opts.Holder && !expired {
				continue
			}
		}
		want = append(want, u)
	}
	l.mu.Unlock()
	if len(want) == 0 {
		return
	}
	start := time.Now()
	var claimed []*heldLease
	err := l.o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		claimed = claimed[:0]
		for _, u := range want {
			ref := resource.Ref{Kind: resource.KindLease, ID: u}
			spec := &resource.Lease{Holder: l.opts.Holder, Epoch: 1, TTLMillis: l.opts.TTL.Milliseconds(), RenewedAt: start.UTC()}
			cur, err := tx.Get(ctx, ref)
			switch {
			case resource.CodeOf(err) == resource.NotFound:
				if records[u] != nil {
					continue // deleted since: look again next round
				}
				_, err = tx.Create(ctx, &resource.Resource{Ref: ref, Spec: spec})
			case err != nil:
			case records[u] == nil || cur.Revision != records[u].Revision:
				continue // changed since this round's look
			default:
				spec.Epoch = cur.Spec.(*resource.Lease).Epoch + 1
				next := *cur
				next.Spec = spec
				_, err = tx.Update(ctx, &next)
			}
			if err != nil {
				return err
			}
			claimed = append(claimed, &heldLease{id: u, epoch: spec.Epoch, location: units[u], validUntil: start.Add(l.opts.TTL)})
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			l.o.log.Warn("claiming leases failed; trying again next round", "err", err)
		}
		return
	}
	l.mu.Lock()
	for _, h := range claimed {
		l.held[h.id] = h
	}
	l.mu.Unlock()
	if len(claimed) == 0 {
		return
	}
	l.o.log.Info("leases claimed", "holder", l.opts.Holder, "count", len(claimed))
	l.claim.Add(1)
	go func() {
		defer l.claim.Done()
		l.o.takeOver(ctx, claimed)
	}()
}

// release gives up the leases this replica holds but should not (the split
// moved them, or their location is gone), each once its passes finished;
// it deletes the records of units nobody holds that no longer exist.
func (l *leaser) release(ctx context.Context, mine map[string]bool, units map[string]string, records map[string]*resource.Resource) {
	var free []*heldLease
	l.mu.Lock()
	for id, h := range l.held {
		h.mu.Lock()
		h.releasing = !mine[id] // the split may have given it back
		idle := h.inflight == 0
		h.mu.Unlock()
		if mine[id] {
			continue
		}
		if idle {
			free = append(free, h)
		}
	}
	l.mu.Unlock()
	for _, h := range free {
		err := l.o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
			r, err := tx.Get(ctx, resource.Ref{Kind: resource.KindLease, ID: h.id})
			if err != nil {
				return err
			}
			if s := r.Spec.(*resource.Lease); s.Holder != l.opts.Holder || s.Epoch != h.epoch {
				return nil // taken already
			}
			next := *r
			next.Spec = &resource.Lease{Epoch: h.epoch, TTLMillis: l.opts.TTL.Milliseconds(), RenewedAt: time.Now().UTC()}
			_, err = tx.Update(ctx, &next)
			return err
		})
		if err != nil && resource.CodeOf(err) != resource.NotFound {
			continue // held still; it runs out unless renewed
		}
		l.mu.Lock()
		delete(l.held, h.id)
		l.mu.Unlock()
	}
	// Leases of gone locations and members long dead: nobody needs them.
	now := time.Now()
	for id, r := range records {
		s := r.Spec.(*resource.Lease)
		l.mu.Lock()
		quiet := now.Sub(l.seen[id].since) >= 3*l.opts.TTL
		l.mu.Unlock()
		_, unit := units[id]
		gone := strings.HasPrefix(id, locPrefix) && !unit && s.Holder == ""
		if gone || strings.HasPrefix(id, memberPrefix) && quiet {
			_ = l.o.store.Delete(ctx, r.Ref, r.Revision) // lost to a change: next round
		}
	}
}

// dropExpired forgets leases that ran out without a renewal.
func (l *leaser) dropExpired() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, h := range l.held {
		if _, ok := h.until(); !ok {
			delete(l.held, id)
			l.o.log.Warn("a lease ran out before it was renewed; its work stops here", "lease", id)
		}
	}
}

// releaseAll gives every lease up at a clean stop, so that other replicas
// take the work over at their next round rather than after TTL.
func (l *leaser) releaseAll(ctx context.Context) {
	l.release(ctx, nil, nil, nil)
	member := resource.Ref{Kind: resource.KindLease, ID: leaseID(memberPrefix, l.opts.Holder)}
	_ = l.o.store.Delete(ctx, member, 0)
}
