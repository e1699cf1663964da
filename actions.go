package orca

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// serverVerbs act on servers in their VIMs.
var serverVerbs = []string{resource.VerbPower, resource.VerbReboot, resource.VerbSnapshot, resource.VerbRecover}

// Act requests a one-shot operation on a resource and returns its record,
// Pending. The orchestrator runs it (on every location of a global target,
// or at one for a per-location copy) and records the outcome in the
// action's status: Ready or Failed with a message, results per location in
// Output. Unavailable VIMs are retried with backoff, resuming where the run
// stopped.
//
// Errors: NotFound for a missing target; Invalid for an unknown verb, bad
// parameters, or a verb the target's kind does not support (server verbs
// need a machine); Conflict when the target is being deleted, or when a
// power verb (power, reboot, recover) is asked while another one on the
// same target has not finished.
func (o *Orchestrator) Act(ctx context.Context, target resource.Ref, verb string, params map[string]string) (*resource.Resource, error) {
	t, err := o.store.Get(ctx, target)
	if err != nil {
		return nil, err
	}
	info, _ := o.reg.Info(target.Kind)
	placed := info.Local != "" || info.Located || target.Kind == resource.KindLocation
	switch {
	case !placed:
		return nil, resource.InvalidField("target_kind", "%s resources take no actions", target.Kind)
	case slices.Contains(serverVerbs, verb) && !o.isMachine(target.Kind):
		return nil, resource.InvalidField("verb", "%s applies to machines (servers, bare-metal instances), not to a %s", verb, target.Kind)
	case t.Deleting && verb != resource.VerbUnlink:
		return nil, resource.Errorf(resource.Conflict, "%s %q is being deleted", target.Kind, target.ID)
	}
	a, err := o.createAction(ctx, t, verb, maps.Clone(params))
	if err != nil {
		return nil, err
	}
	o.enqueue(a.Ref)
	o.pruneActions(ctx, target)
	return a, nil
}

// pruneActions keeps the newest EventsPerResource finished actions of a
// target.
func (o *Orchestrator) pruneActions(ctx context.Context, target resource.Ref) {
	old, err := o.store.List(ctx, store.Filter{Kind: resource.KindAction,
		Fields: map[string]string{"target_id": target.ID}, Sort: "revision", Desc: true, Offset: o.opts.EventsPerResource})
	if err != nil {
		return
	}
	for _, a := range old.Items {
		if a.Status.Phase == resource.PhaseReady || a.Status.Phase == resource.PhaseFailed {
			o.store.Delete(ctx, a.Ref, 0)
		}
	}
}

// reconcileAction runs a requested action once to completion.
func (o *Orchestrator) reconcileAction(ctx context.Context, ref resource.Ref) (Result, error) {
	a, err := o.store.Get(ctx, ref)
	if resource.CodeOf(err) == resource.NotFound {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if a.Status.Phase == resource.PhaseReady || a.Status.Phase == resource.PhaseFailed {
		return Result{}, nil
	}
	spec := a.Spec.(*resource.Action)
	st := a.Status
	if st.Phase != resource.PhaseProvisioning {
		st.Phase, st.Message = resource.PhaseProvisioning, "running"
		if a, err = o.writeStatus(ctx, a, st); err != nil {
			return Result{}, err
		}
	}
	done := map[string]any{}
	if prev, ok := a.Status.Output["locations"].(map[string]any); ok {
		done = prev // a resumed run skips what it already did
	}
	summary, err := o.runAction(ctx, ref.ID, spec, done)
	st = a.Status
	st.Output = map[string]any{"locations": done}
	switch code := resource.CodeOf(err); {
	case err == nil:
		st.Phase, st.Message = resource.PhaseReady, summary
	case code == resource.Unavailable || code == resource.Unknown || errors.Is(err, store.ErrStale):
		st.Message = "retrying: " + err.Error()
		if _, werr := o.writeStatus(ctx, a, st); werr != nil {
			return Result{}, werr
		}
		return Result{}, err
	default:
		st.Phase, st.Message = resource.PhaseFailed, err.Error()
	}
	_, err = o.writeStatus(ctx, a, st)
	return Result{}, err
}

// runAction executes one verb of action id, filling done with per-location
// results.
func (o *Orchestrator) runAction(ctx context.Context, id string, a *resource.Action, done map[string]any) (string, error) {
	target, err := o.store.Get(ctx, resource.Ref{Kind: a.TargetKind, ID: a.TargetID})
	if err != nil {
		if resource.CodeOf(err) == resource.NotFound {
			return "", resource.Errorf(resource.NotFound, "%s %q no longer exists", a.TargetKind, a.TargetID)
		}
		return "", err
	}
	switch a.Verb {
	case resource.VerbPull:
		return o.pull(ctx, target, done)
	case resource.VerbUnlink:
		return o.unlink(ctx, target)
	case resource.VerbSetErred, resource.VerbSetOK:
		return o.override(ctx, target, a)
	}
	return o.serverAction(ctx, target, id, a, done)
}

// copies returns the per-location copies an action on r applies to.
func (o *Orchestrator) copies(ctx context.Context, r *resource.Resource) ([]*resource.Resource, error) {
	info, _ := o.reg.Info(r.Kind)
	switch {
	case info.Located:
		return []*resource.Resource{r}, nil
	case info.Local != "":
		page, err := o.store.List(ctx, store.Filter{Kind: info.Local, Owner: &r.Ref})
		if err != nil {
			return nil, err
		}
		return page.Items, nil
	case r.Kind == resource.KindLocation:
		page, err := o.store.List(ctx, store.Filter{Location: r.ID})
		if err != nil {
			return nil, err
		}
		return page.Items, nil
	}
	return nil, nil
}

// pull reconciles the target and its copies now. Each pass's follow-up
// (look again soon, retry later) is scheduled as a worker would.
func (o *Orchestrator) pull(ctx context.Context, target *resource.Resource, done map[string]any) (string, error) {
	if operatorErred(target) {
		// A pull asks the VIMs again: an operator's ERRED gives way.
		if _, err := o.editStatus(ctx, target.Ref, clearOperatorMarks); err != nil {
			return "", err
		}
	}
	pass := func(ref resource.Ref) error {
		res, err := o.Reconcile(ctx, ref)
		o.schedule(ctx, ref, res, err)
		if errors.Is(err, errNotHeld) {
			// Another replica holds its work: a write of it makes
			// that replica look.
			return o.poke(ctx, ref)
		}
		return err
	}
	if err := pass(target.Ref); err != nil {
		return "", err
	}
	copies, err := o.copies(ctx, target)
	if err != nil {
		return "", err
	}
	var errs []error
	for _, c := range copies {
		if err := pass(c.Ref); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Location, err))
			continue
		}
		if now, err := o.store.Get(ctx, c.Ref); err == nil {
			done[c.Location] = string(now.Status.Phase)
		}
	}
	if err := pass(target.Ref); err != nil && len(errs) == 0 {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	return fmt.Sprintf("reconciled at %d location(s)", len(copies)), nil
}

// poke writes ref unchanged but for its revision, which makes the replica
// holding its work pass it (follow.go).
func (o *Orchestrator) poke(ctx context.Context, ref resource.Ref) error {
	r, err := o.store.Get(ctx, ref)
	if err != nil {
		return err
	}
	_, err = o.store.UpdateStatus(ctx, r)
	return err
}

// unlink forgets the target: its rows go, its VIM objects stay. A global
// resource still named by others cannot be forgotten (Conflict); a forgotten
// copy is replaced by a new one by its parent's next pass.
func (o *Orchestrator) unlink(ctx context.Context, target *resource.Resource) (string, error) {
	copies, err := o.copies(ctx, target)
	if err != nil {
		return "", err
	}
	info, _ := o.reg.Info(target.Kind)
	err = o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		if !info.Located && target.Kind != resource.KindLocation {
			if refs, err := tx.Referrers(ctx, target.Ref); err != nil {
				return err
			} else if spec := specReferrers(refs, copies); len(spec) > 0 {
				return resource.Errorf(resource.Conflict, "%s %q is still named by %s", target.Kind, target.ID, spec)
			}
		}
		for _, c := range copies {
			if err := tx.Delete(ctx, c.Ref, 0); err != nil {
				return err
			}
		}
		if info.Located {
			return nil
		}
		owned, err := tx.List(ctx, store.Filter{Owner: &target.Ref})
		if err != nil {
			return err
		}
		for _, c := range owned.Items {
			if err := tx.Delete(ctx, c.Ref, 0); err != nil {
				return err
			}
		}
		if err := releaseIDs(ctx, tx, target.ID); err != nil {
			return err
		}
		return tx.Delete(ctx, target.Ref, 0)
	})
	if err != nil {
		return "", err
	}
	for _, c := range copies {
		o.enqueue(*c.Owner) // re-aggregate without the forgotten copy
	}
	if target.Kind == resource.KindLocation {
		o.closeSite(target.ID)
	}
	o.recordEvent(ctx, target, target.Status.Phase, resource.PhaseDeleting, "unlinked: forgotten without deleting anything in a VIM")
	return fmt.Sprintf("forgotten, with %d per-location copie(s); VIM objects left in place", len(copies)), nil
}

// specReferrers lists the referrers that are not the target's own copies.
func specReferrers(refs []resource.Ref, copies []*resource.Resource) string {
	own := map[resource.Ref]bool{}
	for _, c := range copies {
		own[c.Ref] = true
	}
	var out []string
	for _, r := range refs {
		if !own[r] && r.Kind != resource.KindSecurityGroupRule {
			out = append(out, r.String())
		}
	}
	return strings.Join(out, ", ")
}

// override sets the target's status by hand. set_ok also clears its copies'
// failures and schedules them, so they are retried now rather than at the
// next resync. What set_erred sets holds until set_ok, a pull or a change
// of the target's spec.
func (o *Orchestrator) override(ctx context.Context, target *resource.Resource, a *resource.Action) (string, error) {
	if a.Verb == resource.VerbSetErred {
		_, err := o.editStatus(ctx, target.Ref, func(st *resource.Status) {
			st.Phase, st.Message = resource.PhaseFailed, "marked erred by an operator"
			if m := a.Params["message"]; m != "" {
				st.Message = m
			}
			// Kept until set_ok, a pull or a change of the spec.
			clearOperatorMarks(st)
			if st.Output == nil {
				st.Output = map[string]any{}
			}
			st.Output[operatorErredKey] = true
			if tb := a.Params["traceback"]; tb != "" {
				st.Output[ErrorTracebackKey] = tb
			}
		})
		return "marked erred", err
	}
	copies, err := o.copies(ctx, target)
	if err != nil {
		return "", err
	}
	retried := 0
	for _, c := range copies {
		cleared := false
		_, err := o.editStatus(ctx, c.Ref, func(st *resource.Status) {
			if cleared = st.Phase == resource.PhaseFailed; cleared {
				st.Phase, st.Message = resource.PhasePending, "failure cleared by an operator; retrying"
			}
		})
		if err != nil {
			return "", err
		}
		if cleared {
			retried++
		}
		o.enqueue(c.Ref)
	}
	if _, err := o.editStatus(ctx, target.Ref, func(st *resource.Status) {
		st.Phase, st.Message = resource.PhaseReady, "marked OK by an operator"
		clearOperatorMarks(st)
	}); err != nil {
		return "", err
	}
	o.enqueue(target.Ref)
	return fmt.Sprintf("marked OK; %d failed copie(s) retried", retried), nil
}

// serverAction runs a power, reboot, snapshot or recover verb at every copy
// of a server that has not done it yet.
func (o *Orchestrator) serverAction(ctx context.Context, target *resource.Resource, id string, a *resource.Action, done map[string]any) (string, error) {
	copies, err := o.copies(ctx, target)
	if err != nil {
		return "", err
	}
	for _, l := range copies {
		if _, ok := done[l.Location]; ok {
			continue
		}
		result, err := o.serverActionAt(ctx, l, id, a)
		if err != nil {
			err = fmt.Errorf("%s at %s: %w", a.Verb, l.Location, err)
			if resource.CodeOf(err) == resource.Conflict {
				// The VIM refuses in this state (reboot while off):
				// retrying will not help.
				return "", resource.Wrap(resource.Invalid, err)
			}
			return "", err
		}
		done[l.Location] = result
		o.enqueue(l.Ref) // observe the result
	}
	return fmt.Sprintf("%s done at %d location(s)", a.Verb, len(copies)), nil
}

// serverActionAt runs action id's verb at one copy. A snapshot is keyed by
// the action and location, so running it again adopts the image it made.
func (o *Orchestrator) serverActionAt(ctx context.Context, l *resource.Resource, id string, a *resource.Action) (string, error) {
	failedMachine := a.Verb == resource.VerbRecover && l.Status.Phase == resource.PhaseFailed
	if l.Status.ExternalID == "" || l.Status.Phase != resource.PhaseReady && !failedMachine {
		// Still being built (or repaired): wait for it, with backoff,
		// rather than let the VIM refuse an action on a busy server. A
		// machine in error is what recover is for.
		return "", resource.Errorf(resource.Unavailable, "the server is not ready there yet (%s)", l.Status.Phase)
	}
	parent, err := o.store.Get(ctx, *l.Owner)
	if err != nil {
		return "", err
	}
	s, err := o.siteFor(ctx, l.Location)
	if err != nil {
		return "", err
	}
	if s == nil || s.err != nil {
		return "", resource.Errorf(resource.Unavailable, "location %s is unavailable", l.Location)
	}
	d := s.driver(parent.Kind)
	obj, _, err := o.object(ctx, s, l, parent)
	if err != nil {
		return "", err
	}
	power := func(action vim.PowerAction) (string, error) {
		pc, ok := d.(vim.PowerController)
		if !ok {
			return "", resource.Errorf(resource.Unimplemented, "the VIM at %s cannot change power", l.Location)
		}
		return string(action), o.call(ctx, s, func(ctx context.Context) error { return pc.Power(ctx, obj, action) })
	}
	switch a.Verb {
	case resource.VerbPower:
		return power(vim.PowerAction(a.Params["target"]))
	case resource.VerbReboot:
		if a.Params["type"] == "hard" {
			return power(vim.ActionHardReboot)
		}
		return power(vim.ActionReboot)
	case resource.VerbSnapshot:
		sn, ok := d.(vim.Snapshotter)
		if !ok {
			return "", resource.Errorf(resource.Unimplemented, "the VIM at %s cannot snapshot", l.Location)
		}
		var image string
		err := o.call(ctx, s, func(ctx context.Context) (err error) {
			image, err = sn.Snapshot(ctx, obj, a.Params["name"], id+"@"+l.Location)
			return err
		})
		return image, err
	case resource.VerbRecover:
		if a.Params["mode"] != "redeploy" {
			return power(vim.ActionHardReboot)
		}
		// Redeploy: remove the VIM object; the copy's next pass sees it
		// gone on purpose and creates a new one.
		if err := o.call(ctx, s, func(ctx context.Context) error { return d.Delete(ctx, obj) }); err != nil {
			return "", err
		}
		if _, err := o.editStatus(ctx, l.Ref, func(st *resource.Status) {
			st.ExternalID, st.Output, st.Phase, st.Message = "", nil, resource.PhaseProvisioning, "redeploying"
		}); err != nil {
			return "", err
		}
		return "redeployed", nil
	}
	return "", resource.Errorf(resource.Invalid, "unknown verb %q", a.Verb)
}
