package orca

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// reconcileGlobal fans a global resource out to its target locations: one
// per-location copy at each, none elsewhere. It keeps the copies' derived
// specs current, aggregates their status into the resource's, and when the
// resource is being deleted removes the copies first and the row last.
func (o *Orchestrator) reconcileGlobal(ctx context.Context, ref resource.Ref, info resource.KindInfo) (Result, error) {
	r, err := o.store.Get(ctx, ref)
	if resource.CodeOf(err) == resource.NotFound {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	page, err := o.store.List(ctx, store.Filter{Kind: info.Local, Owner: &r.Ref})
	if err != nil {
		return Result{}, err
	}
	children := page.Items
	if r.Deleting {
		return o.deleteGlobal(ctx, r, children)
	}

	targets, err := o.locations(ctx, r.Placement)
	if err != nil {
		return Result{}, err
	}
	atTarget := map[string]bool{}
	for _, l := range targets {
		atTarget[l.ID] = true
	}
	// When r changed since its last aggregation, every copy must realize
	// the new generation: push them all once.
	changed := r.Status.ObservedGeneration != r.Generation
	byLoc := map[string]*resource.Resource{}
	for _, c := range children {
		if !atTarget[c.Location] {
			// No longer placed there (placement changed, location gone).
			if err := o.markDeleting(ctx, c); err != nil {
				return Result{}, err
			}
			continue
		}
		byLoc[c.Location] = c
	}
	var creates []*resource.Resource
	for _, l := range targets {
		c := byLoc[l.ID]
		spec, err := o.localSpec(r, info, c, children)
		if err != nil {
			st := r.Status
			st.Phase, st.Message, st.ObservedGeneration = resource.PhaseFailed, err.Error(), r.Generation
			if _, werr := o.writeStatus(ctx, r, st); werr != nil {
				return Result{}, werr
			}
			return Result{}, err
		}
		switch {
		case c == nil:
			// Created below, all in one transaction; later locations
			// allocate around it meanwhile.
			c = &resource.Resource{
				Ref:    resource.Ref{Kind: info.Local, ID: resource.NewID()},
				Tenant: r.Tenant, Name: r.Name, Location: l.ID, Owner: &r.Ref, Spec: spec,
			}
			creates = append(creates, c)
			children = append(children, c)
			byLoc[l.ID] = c
		case !sameSpec(c.Spec, spec):
			next := *c
			next.Spec = spec
			if c, err = o.store.Update(ctx, &next); err != nil {
				return Result{}, err
			}
			byLoc[l.ID] = c
			// Later locations allocate around what this one now holds.
			for i := range children {
				if children[i].ID == c.ID {
					children[i] = c
				}
			}
			o.enqueue(c.Ref)
		case changed:
			o.enqueue(c.Ref)
		}
	}
	if len(creates) > 0 {
		if err := o.createCopies(ctx, creates, byLoc); err != nil {
			return Result{}, err
		}
	}
	st := aggregate(r, targets, byLoc)
	if operatorErred(r) {
		// An operator's set_erred holds until set_ok, a pull or a
		// change of the spec, as Waldur's ERRED does; the copies' view
		// underneath stays current.
		st.Phase, st.Message = r.Status.Phase, r.Status.Message
		st.Output[operatorErredKey] = true
		if tb, ok := r.Status.Output[ErrorTracebackKey]; ok {
			st.Output[ErrorTracebackKey] = tb
		}
	}
	_, err = o.writeStatus(ctx, r, st)
	return Result{}, err
}

// createCopies stores new copies in one transaction (one commit, not one
// per location), records them in byLoc and schedules them. When the
// transaction is refused, nothing was stored, and the copies are created
// one by one instead: one refused must not hold the others back.
func (o *Orchestrator) createCopies(ctx context.Context, creates []*resource.Resource, byLoc map[string]*resource.Resource) error {
	stored := make([]*resource.Resource, 0, len(creates))
	err := o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		stored = stored[:0]
		for _, c := range creates {
			s, err := tx.Create(ctx, c)
			if err != nil {
				return err
			}
			stored = append(stored, s)
		}
		return nil
	})
	if err != nil {
		stored = stored[:0]
		err = nil
		for _, c := range creates {
			s, cerr := o.store.Create(ctx, c)
			if cerr != nil {
				err = cmp.Or(err, cerr)
				continue
			}
			stored = append(stored, s)
		}
	}
	for _, s := range stored {
		byLoc[s.Location] = s
		o.enqueue(s.Ref)
	}
	return err
}

// deleteGlobal removes a deleted resource's copies, then its own children
// without a VIM object (a group's rules), then the resource.
func (o *Orchestrator) deleteGlobal(ctx context.Context, r *resource.Resource, children []*resource.Resource) (Result, error) {
	for _, c := range children {
		if err := o.markDeleting(ctx, c); err != nil {
			return Result{}, err
		}
	}
	if len(children) > 0 {
		st := r.Status
		st.Phase = resource.PhaseDeleting
		st.Message = fmt.Sprintf("deleting at %d location(s): %s", len(children), locationsOf(children))
		_, err := o.writeStatus(ctx, r, st)
		if o.leases != nil && err == nil {
			// Copies are deleted by their locations' lease holders,
			// perhaps other replicas, and a deleted row is not seen
			// by following the store: look again.
			return Result{RequeueAfter: o.opts.PollInterval}, nil
		}
		return Result{}, err // each copy's deletion enqueues r again
	}
	owned, err := o.store.List(ctx, store.Filter{Owner: &r.Ref})
	if err != nil {
		return Result{}, err
	}
	for _, c := range owned.Items {
		if err := o.store.Delete(ctx, c.Ref, 0); err != nil && resource.CodeOf(err) != resource.NotFound {
			return Result{}, err
		}
	}
	if err := o.deleteWithIDs(ctx, r, 0); err != nil {
		return Result{}, err
	}
	o.recordEvent(ctx, r, r.Status.Phase, resource.PhaseDeleting, "deleted")
	return Result{}, nil
}

func locationsOf(rs []*resource.Resource) string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.Location)
	}
	slices.Sort(ids)
	return strings.Join(ids, ", ")
}

// sameSpec compares specs by their JSON. Equal values encode alike, and
// most specs compared are unchanged: those skip the encoding.
func sameSpec(a, b resource.Spec) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// localSpec derives the spec of r's copy at one location: the description,
// the location's share of a network's address space, what the VIM reported
// for a server. existing is the copy already there (nil if none); siblings
// are all of r's copies.
func (o *Orchestrator) localSpec(r *resource.Resource, info resource.KindInfo, existing *resource.Resource, siblings []*resource.Resource) (resource.Spec, error) {
	spec, err := o.reg.NewSpec(info.Local)
	if err != nil {
		return nil, err
	}
	// Every built-in local kind has a description copied from its parent;
	// an embedder's local kind gets it if it has the field.
	if f := o.descriptions.field(spec); f.IsValid() {
		if pf := o.descriptions.field(r.Spec); pf.IsValid() {
			f.SetString(pf.String())
		}
	}
	switch s := spec.(type) {
	case *resource.LocalNetwork:
		s.CIDR, err = localCIDR(r.Spec.(*resource.Network), existing, siblings)
		if err != nil {
			return nil, err
		}
	case *resource.LocalServer:
		if existing != nil {
			if cur, ok := existing.Spec.(*resource.LocalServer); ok {
				s.InstanceID, s.ConsoleURL = cur.InstanceID, cur.ConsoleURL
			}
		}
	}
	return spec, nil
}

// aggregate summarizes the copies at the target locations: Ready only when
// every one is Ready and realizes the current generation; Failed, naming the
// locations, as soon as one failed.
func aggregate(r *resource.Resource, targets []*resource.Resource, byLoc map[string]*resource.Resource) resource.Status {
	st := resource.Status{ObservedGeneration: r.Generation, ExternalID: r.Status.ExternalID}
	if len(targets) == 0 {
		st.Phase, st.Message = resource.PhasePending, "no location matches"
		if r.Placement == nil {
			st.Message = "no locations"
		}
		return st
	}
	perLoc := map[string]any{}
	var failed []string
	ready := 0
	for _, l := range targets {
		c := byLoc[l.ID]
		if c == nil {
			continue
		}
		entry := map[string]any{"status": string(c.Status.Phase)}
		if c.Status.ExternalID != "" {
			entry["external_id"] = c.Status.ExternalID
		}
		perLoc[l.ID] = entry
		switch {
		case c.Status.Phase == resource.PhaseFailed:
			failed = append(failed, fmt.Sprintf("%s: %s", l.ID, c.Status.Message))
		case c.Status.Phase == resource.PhaseReady && c.Status.ObservedGeneration == r.Generation && !c.Deleting:
			ready++
		}
	}
	st.Output = map[string]any{"locations": perLoc}
	sort.Strings(failed)
	switch {
	case len(failed) > 0:
		st.Phase = resource.PhaseFailed
		st.Message = fmt.Sprintf("failed at %d of %d location(s): %s", len(failed), len(targets), strings.Join(failed, "; "))
	case ready == len(targets):
		st.Phase, st.Message = resource.PhaseReady, fmt.Sprintf("ready at %d location(s)", ready)
	default:
		st.Phase = resource.PhaseProvisioning
		if r.Status.Phase == resource.PhaseReady || r.Status.Phase == resource.PhaseUpdating {
			st.Phase = resource.PhaseUpdating
		}
		st.Message = fmt.Sprintf("ready at %d of %d location(s)", ready, len(targets))
	}
	return st
}
