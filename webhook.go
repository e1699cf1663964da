package orca

import (
	"context"
	"fmt"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Notify stores a webhook for delivery through Options.Deliver and
// schedules it; tenant is its subject's (tenants may read their own). It
// is delivered at least once (a crash between the receiver's answer and
// the record's removal sends it again), after every earlier webhook of its
// stream, and survives restarts. A zero Seq is assigned: later calls get
// higher numbers, also across restarts (it follows the clock).
//
// Errors: Invalid for a bad webhook; as the store's otherwise.
func (o *Orchestrator) Notify(ctx context.Context, tenant string, w resource.Webhook) (*resource.Resource, error) {
	if w.Seq == 0 {
		w.Seq = o.nextSeq()
	}
	r, err := o.store.Create(ctx, &resource.Resource{
		Ref: resource.Ref{Kind: resource.KindWebhook, ID: resource.NewID()}, Tenant: tenant, Spec: &w,
	})
	if err != nil {
		return nil, err
	}
	o.enqueue(r.Ref)
	return r, nil
}

// nextSeq is the clock in nanoseconds, made strictly increasing.
func (o *Orchestrator) nextSeq() int64 {
	for {
		last := o.lastSeq.Load()
		next := max(time.Now().UnixNano(), last+1)
		if o.lastSeq.CompareAndSwap(last, next) {
			return next
		}
	}
}

// reconcileWebhook delivers a webhook whose turn has come in its stream,
// then removes it and schedules the next of the stream.
func (o *Orchestrator) reconcileWebhook(ctx context.Context, ref resource.Ref) (Result, error) {
	r, err := o.store.Get(ctx, ref)
	if resource.CodeOf(err) == resource.NotFound {
		return Result{}, nil // delivered
	}
	if err != nil {
		return Result{}, err
	}
	if r.Status.Phase == resource.PhaseFailed {
		return Result{}, nil
	}
	w := r.Spec.(*resource.Webhook)
	if head, err := o.streamHead(ctx, w.Stream); err != nil {
		return Result{}, err
	} else if head != nil && head.ID != r.ID && head.Spec.(*resource.Webhook).Seq < w.Seq {
		// An earlier one is still to go. When it is done (delivered
		// or given up) it schedules the next; resyncs schedule every
		// pending webhook, should a chain break.
		return Result{}, nil
	}
	if o.opts.Deliver == nil {
		return Result{}, nil // an orchestrator that can deliver will, at its resync
	}
	callCtx, cancel := context.WithTimeout(ctx, o.opts.CallTimeout)
	err = o.opts.Deliver(callCtx, w)
	cancel()
	if err == nil {
		o.stats.WebhooksSent.Add(1)
		if err := o.store.Delete(ctx, ref, 0); err != nil && resource.CodeOf(err) != resource.NotFound {
			return Result{}, err
		}
		if next, err := o.streamHead(ctx, w.Stream); err == nil && next != nil {
			o.enqueue(next.Ref)
		}
		return Result{}, nil
	}
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	st := r.Status
	attempts, _ := st.Output["attempts"].(float64)
	st.Output = map[string]any{"attempts": attempts + 1}
	code := resource.CodeOf(err)
	terminal := code == resource.Forbidden || code == resource.Invalid
	if terminal || time.Since(r.CreatedAt) > o.opts.WebhookMaxAge {
		st.Phase, st.Message = resource.PhaseFailed, fmt.Sprintf("not delivered: %v", err)
		o.stats.WebhooksFailed.Add(1)
		o.log.Warn("webhook given up", "ref", ref.String(), "attempts", attempts+1, "err", err)
		if _, werr := o.writeStatus(ctx, r, st); werr != nil {
			return Result{}, werr
		}
		if next, err := o.streamHead(ctx, w.Stream); err == nil && next != nil {
			o.enqueue(next.Ref) // the stream goes on without it
		}
		return Result{}, nil
	}
	st.Message = fmt.Sprintf("delivery attempt %d failed: %v", int(attempts)+1, err)
	if _, werr := o.writeStatus(ctx, r, st); werr != nil {
		return Result{}, werr
	}
	return Result{}, resource.Wrap(resource.Unavailable, err)
}

// streamHead is the webhook of a stream to be delivered first: the
// pending one with the lowest Seq; nil for no stream or an empty one.
func (o *Orchestrator) streamHead(ctx context.Context, stream string) (*resource.Resource, error) {
	if stream == "" {
		return nil, nil
	}
	page, err := o.store.List(ctx, store.Filter{Kind: resource.KindWebhook, Phase: resource.PhasePending,
		Fields: map[string]string{"stream": stream}, Sort: "seq", Limit: 1})
	if err != nil || len(page.Items) == 0 {
		return nil, err
	}
	return page.Items[0], nil
}
