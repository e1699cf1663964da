package orca

import (
	"context"
	"fmt"
	"maps"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Watcher decides, at each look at a watched target, what to report and
// whether the watch is over. target is nil when it no longer exists. It
// must be deterministic given the watch's State: a look whose outcome
// could not be stored (a crash, a lost race) is simply made again.
type Watcher func(ctx context.Context, watch *resource.Resource, target *resource.Resource) (Verdict, error)

// Verdict is a Watcher's decision.
type Verdict struct {
	// Webhooks to send, in order (stream and sequence assigned as by
	// Notify when unset).
	Webhooks []resource.Webhook
	// State replaces the watch's State (nil keeps it).
	State map[string]string
	// Done ends the watch.
	Done bool
}

// RegisterWatcher installs the watcher for a purpose. Register watchers
// before Run: a watch whose purpose has no watcher waits.
func (o *Orchestrator) RegisterWatcher(purpose string, w Watcher) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.watchers == nil {
		o.watchers = map[string]Watcher{}
	}
	o.watchers[purpose] = w
}

// Watch starts following target for purpose's watcher, which is first
// consulted at once and then every PollInterval until it says it is done.
// tenant is the subject's. What a watcher decides is stored with the
// watch's new state in one transaction, so a report is neither lost nor
// made twice across crashes.
//
// Errors: Invalid for a bad watch; as the store's otherwise.
func (o *Orchestrator) Watch(ctx context.Context, tenant string, target resource.Ref, purpose string, params map[string]string) (*resource.Resource, error) {
	r, err := o.store.Create(ctx, &resource.Resource{
		Ref: resource.Ref{Kind: resource.KindWatch, ID: resource.NewID()}, Tenant: tenant,
		Spec: &resource.Watch{TargetKind: target.Kind, TargetID: target.ID, Purpose: purpose, Params: maps.Clone(params)},
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(r.Ref)
	return r, nil
}

// reconcileWatch looks at a watch's target once.
func (o *Orchestrator) reconcileWatch(ctx context.Context, ref resource.Ref) (Result, error) {
	w, err := o.store.Get(ctx, ref)
	if resource.CodeOf(err) == resource.NotFound {
		return Result{}, nil // over
	}
	if err != nil {
		return Result{}, err
	}
	spec := w.Spec.(*resource.Watch)
	o.mu.Lock()
	watcher := o.watchers[spec.Purpose]
	o.mu.Unlock()
	if watcher == nil {
		return Result{}, nil // a resync retries, once the watcher is registered
	}
	target, err := o.store.Get(ctx, resource.Ref{Kind: spec.TargetKind, ID: spec.TargetID})
	switch {
	case resource.CodeOf(err) == resource.NotFound:
		target = nil
	case err != nil:
		return Result{}, err
	}
	v, err := watcher(ctx, w, target)
	if err != nil {
		return Result{}, fmt.Errorf("watcher %s: %w", spec.Purpose, err)
	}
	var sent []resource.Ref
	err = o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		sent = sent[:0]
		for _, h := range v.Webhooks {
			if h.Seq == 0 {
				h.Seq = o.nextSeq()
			}
			r, err := tx.Create(ctx, &resource.Resource{
				Ref: resource.Ref{Kind: resource.KindWebhook, ID: resource.NewID()}, Tenant: w.Tenant, Spec: &h,
			})
			if err != nil {
				return fmt.Errorf("a webhook of watch %s: %w", w.ID, err)
			}
			sent = append(sent, r.Ref)
		}
		if v.Done {
			return tx.Delete(ctx, w.Ref, w.Revision)
		}
		if v.State != nil {
			next := *w
			s := *spec
			s.State = maps.Clone(v.State)
			next.Spec = &s
			_, err := tx.Update(ctx, &next)
			return err
		}
		return nil
	})
	if err != nil {
		return Result{}, err // a stale watch: look again
	}
	o.enqueue(sent...)
	if v.Done {
		return Result{}, nil
	}
	return Result{RequeueAfter: o.opts.PollInterval}, nil
}
