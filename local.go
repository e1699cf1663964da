package orca

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// reconcileLocal realizes one per-location copy in its location's VIM:
// observe; create (after persisting the create-pending marker) when absent;
// update or replace when drifted; record what the VIM reports; and when the
// copy is being deleted, delete the VIM object before the row.
func (o *Orchestrator) reconcileLocal(ctx context.Context, ref resource.Ref, info resource.KindInfo) (Result, error) {
	l, err := o.store.Get(ctx, ref)
	if resource.CodeOf(err) == resource.NotFound {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if o.leases != nil {
		// Only the holder of the location's lease reconciles its
		// copies, whoever asked (a worker, a pull).
		h := o.leases.enter(locUnit(l.Location))
		if h == nil {
			return Result{}, errNotHeld
		}
		defer h.exit()
		ctx = withFence(ctx, h)
	}
	// Its spec and metadata only: a copy's pass never writes its parent,
	// and the parent's status (the aggregate of every location) was most
	// of what reading it decoded.
	parent, err := store.GetSpec(ctx, o.store, *l.Owner)
	if err != nil {
		return Result{}, err // the parent outlives its copies; NotFound is retried
	}
	if parent.Deleting && !l.Deleting {
		// Do not realize what is going away; the parent's pass would
		// mark it anyway.
		if err := o.markDeleting(ctx, l); err != nil {
			return Result{}, err
		}
		return Result{}, nil
	}
	s, err := o.siteFor(ctx, l.Location)
	if err != nil {
		return Result{}, err
	}
	if s == nil || s.err != nil {
		msg := "location " + l.Location + " is gone"
		if s != nil {
			msg = "location " + l.Location + " is unavailable: " + s.err.Error()
		}
		if _, err := o.writeStatus(ctx, l, withMessage(l.Status, msg)); err != nil {
			return Result{}, err
		}
		return Result{}, resource.Errorf(resource.Unavailable, "%s", msg)
	}
	d := s.driver(parent.Kind)
	if d == nil {
		err := resource.Errorf(resource.Unimplemented, "location %s has no driver for %s", l.Location, parent.Kind)
		return Result{}, o.fail(ctx, l, parent, err)
	}
	obj, waiting, err := o.object(ctx, s, l, parent)
	if err != nil {
		return Result{}, err
	}
	if l.Deleting {
		return o.deleteLocal(ctx, s, d, l, obj)
	}
	if waiting != "" {
		st := l.Status
		st.Phase, st.Message = resource.PhasePending, waiting
		return o.writeAndWatch(ctx, l, parent, st)
	}

	if neverCreated(l) {
		// Nothing was ever asked of the VIM for this copy, so there is
		// nothing to observe: create at once. Create adopts an object
		// carrying the copy's tag all the same.
		return o.createLocal(ctx, s, d, l, parent, obj)
	}
	var obs vim.Observation
	if err := o.call(ctx, s, func(ctx context.Context) (err error) {
		obs, err = d.Observe(ctx, obj)
		return err
	}); err != nil {
		return Result{}, o.vimError(ctx, l, parent, "observe", err)
	}
	if !obs.Exists {
		return o.createLocal(ctx, s, d, l, parent, obj)
	}

	st := l.Status
	st.ExternalID, st.TaskStatus, st.Output = obs.ExternalID, obs.TaskStatus, obs.Output
	if obs.Power != "" {
		st.Output = maps.Clone(obs.Output)
		if st.Output == nil {
			st.Output = map[string]any{}
		}
		st.Output["power_state"] = string(obs.Power)
	}
	st.CreatePendingSince = time.Time{} // observed: adopted or created
	switch obs.State {
	case vim.StateBuilding:
		st.Phase, st.Message = resource.PhaseProvisioning, "building"
		return o.writeAndWatch(ctx, l, parent, st)
	case vim.StateDeleting:
		st.Phase, st.Message = resource.PhaseProvisioning, "being deleted in the VIM; it will be recreated"
		return o.writeAndWatch(ctx, l, parent, st)
	case vim.StateError:
		st.Phase, st.Message = resource.PhaseFailed, "the VIM reports an error: "+obs.Message
		st.ObservedGeneration = parent.Generation
		_, err := o.writeLocalStatus(ctx, l, parent, st)
		return Result{}, err
	}

	if len(obs.Drift) > 0 {
		return o.repairDrift(ctx, s, d, l, parent, obj, obs, st)
	}
	st.Phase, st.Message, st.ObservedGeneration = resource.PhaseReady, "", parent.Generation
	l, consoleErr, err := o.recordServer(ctx, s, d, l, obj, obs)
	if err != nil {
		return Result{}, err
	}
	if consoleErr != nil {
		// Usable, but its console could not be had, because the
		// location failed to answer: say so, and ask again soon rather
		// than at the next resync.
		st.Message = fmt.Sprintf("no console URL yet: console at %s: %v", l.Location, consoleErr)
		return o.writeAndWatch(ctx, l, parent, st)
	}
	if obs.Busy != "" {
		// Usable, but changing (powering on, rebooting): record the
		// task and look again soon, or the change goes unseen until
		// the next resync.
		st.Output = maps.Clone(st.Output)
		if st.Output == nil {
			st.Output = map[string]any{}
		}
		st.Output[TaskStateKey] = obs.Busy
		return o.writeAndWatch(ctx, l, parent, st)
	}
	_, err = o.writeLocalStatus(ctx, l, parent, st)
	return Result{}, err
}

// TaskStateKey is the Status.Output key of a copy whose VIM object is busy
// with a task (vim.Observation.Busy), such as "powering-off".
const TaskStateKey = "task_state"

// writeAndWatch records a transitional status and looks again soon.
func (o *Orchestrator) writeAndWatch(ctx context.Context, l, parent *resource.Resource, st resource.Status) (Result, error) {
	if _, err := o.writeLocalStatus(ctx, l, parent, st); err != nil {
		return Result{}, err
	}
	return Result{RequeueAfter: o.opts.PollInterval}, nil
}

func withMessage(st resource.Status, msg string) resource.Status {
	st.Message = msg
	return st
}

// createLocal creates the VIM object for a copy that has none. The marker
// (CreatePendingSince) is stored before the call: whatever happens next — a
// crash, a lost response — the next pass observes first, and the driver's
// Create adopts the object tagged with the copy's ID, so nothing is created
// twice.
func (o *Orchestrator) createLocal(ctx context.Context, s *site, d vim.Driver, l, parent *resource.Resource, obj *vim.Object) (Result, error) {
	st := l.Status
	if st.ExternalID != "" && st.CreatePendingSince.IsZero() {
		o.log.Warn("object vanished from the VIM; recreating", "ref", l.Ref.String(), "location", l.Location, "external_id", st.ExternalID)
		o.recordEvent(ctx, l, st.Phase, resource.PhaseProvisioning, "object "+st.ExternalID+" vanished from the VIM; recreating")
		st.Phase = resource.PhaseProvisioning // the event is recorded; do not record it twice
	}
	st.ExternalID, st.Output, st.TaskStatus = "", nil, ""
	if st.CreatePendingSince.IsZero() {
		st.CreatePendingSince = time.Now().UTC()
	}
	st.Phase, st.Message = resource.PhaseProvisioning, "creating"
	// The marker is the write that makes the create safe; the event for
	// it waits for the create's outcome, one event instead of two for the
	// many copies a create answers Ready at once.
	from := l.Status.Phase
	l, err := o.writeStatusEvent(ctx, l, st, false)
	if err != nil {
		return Result{}, err
	}
	readyAtOnce := false
	defer func() {
		if from != resource.PhaseProvisioning && !readyAtOnce {
			o.recordEvent(ctx, l, from, resource.PhaseProvisioning, "creating")
		}
	}()
	obj.ExternalID = ""
	if co, ok := d.(vim.CreateObserver); ok {
		var obs vim.Observation
		if err := o.call(ctx, s, func(ctx context.Context) (err error) {
			obs, err = co.CreateObserve(ctx, obj)
			return err
		}); err != nil {
			return Result{}, o.vimError(ctx, l, parent, "create", err)
		}
		if _, machine := l.Spec.(*resource.LocalServer); obs.State == vim.StateReady && len(obs.Drift) == 0 && obs.Busy == "" && !machine {
			// Made and usable, as the create answered: done, without
			// looking again (a machine is, for its instance ID and
			// console).
			st.ExternalID, st.TaskStatus, st.Output = obs.ExternalID, obs.TaskStatus, obs.Output
			st.CreatePendingSince = time.Time{}
			st.Phase, st.Message, st.ObservedGeneration = resource.PhaseReady, "", parent.Generation
			readyAtOnce = true // its event: Provisioning → Ready
			_, err := o.writeLocalStatus(ctx, l, parent, st)
			return Result{}, err
		}
		st.ExternalID, st.Message = obs.ExternalID, "created; waiting for the VIM"
		return o.writeAndWatch(ctx, l, parent, st)
	}
	var ext string
	if err := o.call(ctx, s, func(ctx context.Context) (err error) {
		ext, err = d.Create(ctx, obj)
		return err
	}); err != nil {
		return Result{}, o.vimError(ctx, l, parent, "create", err)
	}
	st.ExternalID, st.Message = ext, "created; waiting for the VIM"
	return o.writeAndWatch(ctx, l, parent, st)
}

// neverCreated reports whether nothing was ever asked of the VIM for a
// copy: no create marker, no external ID, and still at its first phase (a
// copy being replaced or recreated is Provisioning, and its old object may
// still be going).
func neverCreated(l *resource.Resource) bool {
	st := l.Status
	return st.ExternalID == "" && st.CreatePendingSince.IsZero() &&
		(st.Phase == "" || st.Phase == resource.PhasePending)
}

// repairDrift brings a drifted object back to its spec: an in-place update
// when every drifted field can change in place, a replacement otherwise.
func (o *Orchestrator) repairDrift(ctx context.Context, s *site, d vim.Driver, l, parent *resource.Resource, obj *vim.Object, obs vim.Observation, st resource.Status) (Result, error) {
	var replace []string
	for _, f := range obs.Drift {
		if vim.InPlace(f) {
			continue
		}
		if fld, ok := o.reg.Field(parent.Kind, f); !ok || fld.Mutability != resource.Mutable {
			replace = append(replace, f)
		}
	}
	if len(replace) > 0 {
		if err := o.call(ctx, s, func(ctx context.Context) error { return d.Delete(ctx, obj) }); err != nil {
			return Result{}, o.vimError(ctx, l, parent, "delete for replacement", err)
		}
		st.ExternalID, st.Output = "", nil // gone on purpose: not "vanished"
		st.Phase, st.Message = resource.PhaseProvisioning, fmt.Sprintf("replacing: %v cannot change in place", replace)
		return o.writeAndWatch(ctx, l, parent, st)
	}
	st.Phase, st.Message = resource.PhaseUpdating, fmt.Sprintf("updated %v", obs.Drift)
	op := "update"
	if n, ok := obj.Spec.(*resource.Network); ok && slices.Contains(obs.Drift, "cidr") {
		// The VIM replaces the subnet under the network: say so before
		// the call, so a slow, refused or interrupted replacement shows.
		from, _ := obs.Output["cidr"].(string)
		st.TaskStatus = TaskReplacingSubnet
		st.Message = fmt.Sprintf("replacing the subnet %s with %s", orNone(from), orNone(n.CIDR))
		op = st.Message
		var err error
		if l, err = o.writeLocalStatus(ctx, l, parent, st); err != nil {
			return Result{}, err
		}
	}
	if err := o.call(ctx, s, func(ctx context.Context) error { return d.Update(ctx, obj) }); err != nil {
		return Result{}, o.vimError(ctx, l, parent, op, err)
	}
	return o.writeAndWatch(ctx, l, parent, st)
}

// TaskReplacingSubnet is the task_status of a network copy whose VIM is
// replacing its subnet for a new CIDR.
const TaskReplacingSubnet = "REPLACING_SUBNET"

func orNone(cidr string) string {
	if cidr == "" {
		return "(none)"
	}
	return cidr
}

// recordServer keeps a server copy's instance ID and console URL current.
//
// consoleErr is the console URL's retryable failure (the location did not
// answer): the server is recorded without it. Other failures are logged:
// asking again would not help.
func (o *Orchestrator) recordServer(ctx context.Context, s *site, d vim.Driver, l *resource.Resource, obj *vim.Object, obs vim.Observation) (_ *resource.Resource, consoleErr, err error) {
	spec, ok := l.Spec.(*resource.LocalServer)
	if !ok {
		return l, nil, nil
	}
	next := *spec
	next.InstanceID = obs.ExternalID
	if cp, ok := d.(vim.ConsoleProvider); ok && next.ConsoleURL == "" {
		obj.ExternalID = obs.ExternalID
		if err := o.call(ctx, s, func(ctx context.Context) (err error) {
			next.ConsoleURL, err = cp.ConsoleURL(ctx, obj)
			return err
		}); err != nil {
			o.log.Warn("no console URL", "ref", l.Ref.String(), "location", l.Location, "err", err)
			next.ConsoleURL = ""
			if code := resource.CodeOf(err); code == resource.Unavailable || code == resource.Unknown {
				consoleErr = err
			}
		}
	}
	if next == *spec {
		return l, consoleErr, nil
	}
	upd := *l
	upd.Spec = &next
	out, err := o.store.Update(ctx, &upd)
	return out, consoleErr, err
}

// deleteLocal deletes a copy's VIM object, waits for it to go, then removes
// the row. A copy whose object was never requested (no marker, no ID) has
// nothing to delete.
func (o *Orchestrator) deleteLocal(ctx context.Context, s *site, d vim.Driver, l *resource.Resource, obj *vim.Object) (Result, error) {
	parentRef := *l.Owner
	if l.Status.ExternalID != "" || !l.Status.CreatePendingSince.IsZero() {
		var obs vim.Observation
		if err := o.call(ctx, s, func(ctx context.Context) (err error) {
			obs, err = d.Observe(ctx, obj)
			return err
		}); err != nil {
			return Result{}, o.deleteError(ctx, l, err)
		}
		if obs.Exists {
			if obs.State != vim.StateDeleting {
				if err := o.call(ctx, s, func(ctx context.Context) error { return d.Delete(ctx, obj) }); err != nil {
					return Result{}, o.deleteError(ctx, l, err)
				}
			}
			st := l.Status
			st.Phase, st.Message = resource.PhaseDeleting, "deleting in the VIM"
			if _, err := o.writeStatus(ctx, l, st); err != nil {
				return Result{}, err
			}
			return Result{RequeueAfter: o.opts.PollInterval}, nil
		}
	}
	if err := o.store.Delete(ctx, l.Ref, 0); err != nil {
		return Result{}, err
	}
	o.recordEvent(ctx, l, l.Status.Phase, resource.PhaseDeleting, "deleted")
	o.enqueue(parentRef, resource.Ref{Kind: resource.KindLocation, ID: l.Location})
	return Result{}, nil
}

// deleteError records why a deletion is not progressing. A VIM Conflict
// (the object is still in use) is waited out like any retryable error.
func (o *Orchestrator) deleteError(ctx context.Context, l *resource.Resource, err error) error {
	st := l.Status
	st.Phase, st.Message = resource.PhaseDeleting, "cannot delete yet: "+err.Error()
	if _, werr := o.writeStatus(ctx, l, st); werr != nil {
		return werr
	}
	if resource.CodeOf(err) == resource.Conflict {
		return resource.Wrap(resource.Unavailable, err) // back off, not a hot loop
	}
	return err
}

// vimError records a failed VIM call in the copy's status. Retryable codes
// keep the phase and return the error for backoff; terminal ones mark the
// copy Failed.
func (o *Orchestrator) vimError(ctx context.Context, l, parent *resource.Resource, op string, err error) error {
	err = fmt.Errorf("%s at %s: %w", op, l.Location, err)
	switch resource.CodeOf(err) {
	case resource.Unavailable, resource.Unknown, resource.Conflict, resource.NotFound:
		if _, werr := o.writeStatus(ctx, l, withMessage(l.Status, "retrying: "+err.Error())); werr != nil {
			return werr
		}
		if resource.CodeOf(err) == resource.Conflict {
			return resource.Wrap(resource.Unavailable, err) // a VIM conflict is not our write race
		}
		return err
	}
	return o.fail(ctx, l, parent, err)
}

// fail marks a copy Failed with err and returns err (terminal).
func (o *Orchestrator) fail(ctx context.Context, l, parent *resource.Resource, err error) error {
	st := l.Status
	st.Phase, st.Message, st.ObservedGeneration = resource.PhaseFailed, err.Error(), parent.Generation
	if _, werr := o.writeLocalStatus(ctx, l, parent, st); werr != nil {
		return werr
	}
	return err
}

// object builds the VIM object for a copy: the parent's spec with the
// location's values in place, its dependencies resolved at the location and
// its parts. waiting says which dependency is not ready yet.
//
// A dependency of a kind no driver at the site serves (an image at a
// Contrail-only site, which a service template names) is given by name and
// spec only: nothing there will ever realize it, and waiting would be
// forever.
func (o *Orchestrator) object(ctx context.Context, s *site, l, parent *resource.Resource) (obj *vim.Object, waiting string, err error) {
	obj = &vim.Object{
		Ref: l.Ref, Kind: parent.Kind, Global: parent.Ref, Tenant: parent.Tenant, Name: parent.Name,
		ExternalID: l.Status.ExternalID, Spec: parent.Spec, Deps: map[resource.Ref]vim.Dep{},
	}
	if ln, ok := l.Spec.(*resource.LocalNetwork); ok && ln.CIDR != "" {
		n := *parent.Spec.(*resource.Network)
		n.CIDR = ln.CIDR
		obj.Spec = &n
	}
	parts, err := o.parts(ctx, parent)
	if err != nil {
		return nil, "", err
	}
	obj.Parts = parts
	deps := parent.Spec.Dependencies()
	for _, p := range parts {
		deps = append(deps, p.Spec.Dependencies()...)
	}
	for _, ref := range deps {
		if ref == parent.Ref {
			continue // a part naming its own owner: the object itself
		}
		if _, done := obj.Deps[ref]; done {
			continue
		}
		dep, err := o.store.Get(ctx, ref)
		if err != nil {
			return nil, "", err
		}
		info, _ := o.reg.Info(ref.Kind)
		if info.Local == "" || s.driver(ref.Kind) == nil {
			obj.Deps[ref] = vim.Dep{Name: dep.Name, Spec: dep.Spec}
			continue
		}
		page, err := o.store.List(ctx, store.Filter{Kind: info.Local, Owner: &ref, Location: l.Location})
		if err != nil {
			return nil, "", err
		}
		if len(page.Items) == 0 {
			return obj, fmt.Sprintf("waiting for %s %s to be placed at %s", ref.Kind, ref.ID, l.Location), nil
		}
		dl := page.Items[0]
		if dl.Status.Phase != resource.PhaseReady || dl.Status.ExternalID == "" {
			return obj, fmt.Sprintf("waiting for %s %s to be ready at %s", ref.Kind, ref.ID, l.Location), nil
		}
		obj.Deps[ref] = vim.Dep{ExternalID: dl.Status.ExternalID, Name: dep.Name, Spec: dep.Spec}
	}
	return obj, "", nil
}

// parts returns what is realized as part of r's VIM object: a security
// group's rules, a network's route-target associations.
func (o *Orchestrator) parts(ctx context.Context, r *resource.Resource) ([]vim.Part, error) {
	var f store.Filter
	switch r.Kind {
	case resource.KindSecurityGroup:
		f = store.Filter{Kind: resource.KindSecurityGroupRule, Owner: &r.Ref}
	case resource.KindNetwork:
		f = store.Filter{Kind: resource.KindRouteTargetAssociation, Fields: map[string]string{"network_id": r.ID}}
	default:
		return nil, nil
	}
	page, err := o.store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	var parts []vim.Part
	for _, p := range page.Items {
		parts = append(parts, vim.Part{Ref: p.Ref, Spec: p.Spec})
	}
	return parts, nil
}
