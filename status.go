package orca

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// writeLocalStatus writes a copy's status and, when it changed, wakes the
// parent to aggregate it.
func (o *Orchestrator) writeLocalStatus(ctx context.Context, l, parent *resource.Resource, st resource.Status) (*resource.Resource, error) {
	out, err := o.writeStatus(ctx, l, st)
	if err == nil && out != l {
		o.q.AddAfter(parent.Ref, o.opts.AggregateDelay)
	}
	return out, err
}

// writeStatus stores st as r's status when it differs from what r holds,
// records an event when the phase changes, and returns r as stored.
// Skipping identical writes keeps a quiet resync from writing at all.
func (o *Orchestrator) writeStatus(ctx context.Context, r *resource.Resource, st resource.Status) (*resource.Resource, error) {
	return o.writeStatusEvent(ctx, r, st, true)
}

// writeStatusEvent is writeStatus, recording the phase change as an event
// only when event is set.
func (o *Orchestrator) writeStatusEvent(ctx context.Context, r *resource.Resource, st resource.Status, event bool) (*resource.Resource, error) {
	st.Message = truncate(st.Message, resource.MaxDescriptionLen)
	if sameStatus(r.Status, st) {
		return r, nil
	}
	next := *r
	next.Status = st
	changed := r.Status.Phase != st.Phase
	var out *resource.Resource
	var err error
	if changed && event {
		// The status, its event and the pruning of its oldest events in
		// one transaction: one commit, one wait for the store.
		ev := o.newEvent(r, r.Status.Phase, st.Phase, st.Message)
		err = o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
			if out, err = tx.UpdateStatus(ctx, &next); err != nil {
				return err
			}
			return o.addEvent(ctx, tx, ev)
		})
		if err == nil {
			o.eventRecorded(out, ev)
		}
	} else {
		out, err = o.store.UpdateStatus(ctx, &next)
	}
	if err != nil {
		return nil, err
	}
	if changed {
		if dep := r.Labels[LabelDeployment]; dep != "" {
			o.enqueue(resource.Ref{Kind: resource.KindDeployment, ID: dep}) // a member changed
		}
	}
	return out, nil
}

// editStatus applies edit to ref's status as stored and writes it,
// re-reading when the write loses to another: actions write rows that
// workers write too. Each lost round means another writer succeeded, and the
// rounds are bounded all the same.
func (o *Orchestrator) editStatus(ctx context.Context, ref resource.Ref, edit func(*resource.Status)) (*resource.Resource, error) {
	for round := 0; ; round++ {
		r, err := o.store.Get(ctx, ref)
		if err != nil {
			return nil, err
		}
		st := r.Status
		edit(&st)
		out, err := o.writeStatus(ctx, r, st)
		if !errors.Is(err, store.ErrStale) || round == maxStatusRounds {
			return out, err
		}
	}
}

// maxStatusRounds bounds editStatus's retries; running out leaves the
// action to its own backoff.
const maxStatusRounds = 20

// sameStatus compares statuses as they would be stored: outputs by their
// JSON (a driver's int is the store's float64), times by instant.
func sameStatus(a, b resource.Status) bool {
	if a.Phase != b.Phase || a.ExternalID != b.ExternalID || a.Message != b.Message ||
		a.TaskStatus != b.TaskStatus || a.ObservedGeneration != b.ObservedGeneration ||
		!a.CreatePendingSince.Equal(b.CreatePendingSince) {
		return false
	}
	if len(a.Output) == 0 && len(b.Output) == 0 {
		return true
	}
	ja, errA := json.Marshal(a.Output)
	jb, errB := json.Marshal(b.Output)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// recordEvent stores a phase change of subject and keeps only the newest
// EventsPerResource events of it. Failures are logged, never returned: an
// event is worth less than the reconciliation that produced it.
func (o *Orchestrator) recordEvent(ctx context.Context, subject *resource.Resource, from, to resource.Phase, msg string) {
	ev := o.newEvent(subject, from, to, msg)
	if err := o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error { return o.addEvent(ctx, tx, ev) }); err != nil {
		o.log.Warn("recording an event", "ref", subject.Ref.String(), "err", err)
		return
	}
	o.eventRecorded(subject, ev)
}

// newEvent is the event of a phase change of subject, to store.
func (o *Orchestrator) newEvent(subject *resource.Resource, from, to resource.Phase, msg string) *resource.Resource {
	return &resource.Resource{
		Ref:    resource.Ref{Kind: resource.KindEvent, ID: resource.NewID()},
		Tenant: subject.Tenant,
		Spec: &resource.Event{
			SubjectKind: subject.Kind, SubjectID: subject.ID, Location: subject.Location,
			From: from, To: to, Message: truncate(msg, resource.MaxDescriptionLen),
		},
	}
}

// addEvent stores ev in tx and deletes its subject's events beyond the
// newest EventsPerResource. Pruning in the event's own transaction costs a
// lookup in the subject's events where it was a read of its own, and one
// more wait for the store, after every event.
func (o *Orchestrator) addEvent(ctx context.Context, tx store.Tx, ev *resource.Resource) error {
	if _, err := tx.Create(ctx, ev); err != nil {
		return err
	}
	old, err := tx.List(ctx, store.Filter{
		Kind: resource.KindEvent, Fields: map[string]string{"subject_id": ev.Spec.(*resource.Event).SubjectID},
		Sort: "revision", Desc: true, Offset: o.opts.EventsPerResource,
	})
	if err != nil {
		return err
	}
	for _, e := range old.Items {
		if err := tx.Delete(ctx, e.Ref, 0); err != nil && resource.CodeOf(err) != resource.NotFound {
			return err
		}
	}
	return nil
}

// eventRecorded counts and logs a stored event.
func (o *Orchestrator) eventRecorded(subject *resource.Resource, ev *resource.Resource) {
	e := ev.Spec.(*resource.Event)
	o.stats.Events.Add(1)
	o.log.Info("phase change", "ref", subject.Ref.String(), "location", subject.Location,
		"from", string(e.From), "to", string(e.To), "message", e.Message)
}

// Events returns the recorded events of a resource, newest first.
func (o *Orchestrator) Events(ctx context.Context, ref resource.Ref) ([]*resource.Resource, error) {
	page, err := o.store.List(ctx, store.Filter{
		Kind: resource.KindEvent, Fields: map[string]string{"subject_id": ref.ID},
		Sort: "revision", Desc: true,
	})
	if err != nil {
		return nil, err
	}
	return page.Items, nil
}
