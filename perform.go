package orca

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// ErrorTracebackKey is the Status.Output key under which set_erred keeps
// the traceback an operator gave (Waldur's error_traceback).
const ErrorTracebackKey = "error_traceback"

// operatorErredKey marks a status an operator set with set_erred.
const operatorErredKey = "operator_erred"

// operatorErred reports whether r is Failed because an operator said so,
// since its spec last changed.
func operatorErred(r *resource.Resource) bool {
	return r.Status.Phase == resource.PhaseFailed && r.Status.Output[operatorErredKey] == true &&
		r.Status.ObservedGeneration == r.Generation
}

// clearOperatorMarks returns st without set_erred's marks.
func clearOperatorMarks(st *resource.Status) {
	if _, ok := st.Output[operatorErredKey]; !ok {
		if _, ok := st.Output[ErrorTracebackKey]; !ok {
			return
		}
	}
	st.Output = maps.Clone(st.Output)
	delete(st.Output, operatorErredKey)
	delete(st.Output, ErrorTracebackKey)
}

// recordVerbs change only orca's records, never a VIM: Perform runs them at
// once.
var recordVerbs = []string{resource.VerbUnlink, resource.VerbSetErred, resource.VerbSetOK}

// powerVerbs change a machine's power. A VIM runs one power transition of
// a machine at a time, so the orchestrator asks for one at a time per
// target: a second request while one is unfinished is refused rather than
// raced in the VIM.
var powerVerbs = []string{resource.VerbPower, resource.VerbReboot, resource.VerbRecover}

// Perform runs a verb that changes only orca's records (unlink, set_erred,
// set_ok) at once, rather than as a recorded action, and returns what it
// did. It is what APIs whose answer must reflect the change use (Waldur's
// unlink answers 204 with the record gone). Like Act's, every run is
// recorded as an event of the target where it changes a phase.
//
// Errors: Invalid for a verb that needs a VIM (use Act), an unknown verb or
// bad parameters, or a kind that takes no actions; NotFound for a missing
// target; Conflict when the target is being deleted (except for unlink),
// or, for unlink, when other resources still name it.
func (o *Orchestrator) Perform(ctx context.Context, target resource.Ref, verb string, params map[string]string) (string, error) {
	if !slices.Contains(recordVerbs, verb) {
		return "", resource.InvalidField("verb", "%q changes a VIM: request it with Act; Perform runs %v", verb, recordVerbs)
	}
	a := &resource.Action{TargetKind: target.Kind, TargetID: target.ID, Verb: verb, Params: params}
	a.Default()
	if err := a.Validate(); err != nil {
		return "", err
	}
	t, err := o.store.Get(ctx, target)
	if err != nil {
		return "", err
	}
	info, _ := o.reg.Info(target.Kind)
	switch {
	case !(info.Local != "" || info.Located || target.Kind == resource.KindLocation):
		return "", resource.InvalidField("target_kind", "%s resources take no actions", target.Kind)
	case t.Deleting && verb != resource.VerbUnlink:
		return "", resource.Errorf(resource.Conflict, "%s %q is being deleted", target.Kind, target.ID)
	}
	if verb == resource.VerbUnlink {
		return o.unlink(ctx, t)
	}
	before := t.Status.Phase
	summary, err := o.override(ctx, t, a)
	if err != nil {
		return "", err
	}
	if after, err := o.store.Get(ctx, target); err == nil && after.Status.Phase != before {
		o.recordEvent(ctx, after, before, after.Status.Phase, summary)
	}
	return summary, nil
}

// createAction stores the record of a requested action. A power verb is
// refused (Conflict) while another power verb on the same target has not
// finished; the check and the write are one transaction, so two
// concurrent requests cannot both pass.
func (o *Orchestrator) createAction(ctx context.Context, t *resource.Resource, verb string, params map[string]string) (*resource.Resource, error) {
	rec := &resource.Resource{
		Ref:    resource.Ref{Kind: resource.KindAction, ID: resource.NewID()},
		Tenant: t.Tenant,
		Spec:   &resource.Action{TargetKind: t.Kind, TargetID: t.ID, Verb: verb, Params: params},
	}
	if !slices.Contains(powerVerbs, verb) {
		return o.store.Create(ctx, rec)
	}
	var out *resource.Resource
	err := o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		prior, err := tx.List(ctx, store.Filter{Kind: resource.KindAction, Fields: map[string]string{"target_id": t.ID}})
		if err != nil {
			return err
		}
		for _, p := range prior.Items {
			spec := p.Spec.(*resource.Action)
			if spec.TargetKind == t.Kind && slices.Contains(powerVerbs, spec.Verb) && Unfinished(p) {
				return resource.Errorf(resource.Conflict, "%s %q already has a power operation in progress (%s, action %s); retry when it has finished",
					t.Kind, t.ID, describeAction(spec), p.ID)
			}
		}
		out, err = tx.Create(ctx, rec)
		return err
	})
	return out, err
}

// Unfinished reports whether an action record is still to run or running.
func Unfinished(a *resource.Resource) bool {
	return a.Status.Phase != resource.PhaseReady && a.Status.Phase != resource.PhaseFailed
}

func describeAction(a *resource.Action) string {
	if a.Verb == resource.VerbPower {
		return fmt.Sprintf("power %s", a.Params["target"])
	}
	return a.Verb
}
