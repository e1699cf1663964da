package orca

import (
	"context"
	"errors"
	"fmt"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Get returns a resource. The error is NotFound if it does not exist.
func (o *Orchestrator) Get(ctx context.Context, ref resource.Ref) (*resource.Resource, error) {
	return o.store.Get(ctx, ref)
}

// List returns the resources matching f (see store.Filter).
func (o *Orchestrator) List(ctx context.Context, f store.Filter) (*store.Page, error) {
	return o.store.List(ctx, f)
}

// managed reports whether the orchestrator alone writes resources of the
// kind: per-location copies, actions (requested with Act) and the
// registry's read-only kinds (events, webhooks requested with Notify,
// watches with Watch, id allocations, leases).
func managed(info resource.KindInfo) bool {
	return info.ReadOnly || info.Located || info.Kind == resource.KindAction
}

// maxApplyAttempts bounds the re-reads of an unconditional Apply that keeps
// losing races.
const maxApplyAttempts = 5

// Apply creates r, or updates the stored resource to r's desired state
// (name, labels, placement, spec) keeping its status, and schedules
// reconciliation. With r.Revision set, the update happens only if it is the
// stored revision (Conflict otherwise); with 0 the latest is updated.
//
// Errors: Invalid for a bad resource or a change of an immutable field
// (resource.Registry.CheckUpdate); Forbidden for kinds the orchestrator
// manages itself (local_* copies, events); Conflict for a stale revision, a
// resource being deleted, or a reference to one; as the store says
// otherwise.
func (o *Orchestrator) Apply(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	return o.write(ctx, r, writeApply)
}

// Create stores a new resource and schedules it. Errors as Apply, and
// Conflict when the ID is taken.
func (o *Orchestrator) Create(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	return o.write(ctx, r, writeCreate)
}

// Update changes an existing resource as Apply does. Errors as Apply, and
// NotFound when it does not exist.
func (o *Orchestrator) Update(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	return o.write(ctx, r, writeUpdate)
}

type writeMode int

const (
	writeApply writeMode = iota
	writeCreate
	writeUpdate
)

func (o *Orchestrator) write(ctx context.Context, r *resource.Resource, mode writeMode) (*resource.Resource, error) {
	info, ok := o.reg.Info(r.Kind)
	if !ok {
		return nil, resource.InvalidField("kind", "unknown kind %q", r.Kind)
	}
	if managed(info) {
		return nil, resource.Errorf(resource.Forbidden, "%s resources are managed by orca and cannot be written", r.Kind)
	}
	if r.Kind == resource.KindCredential {
		return nil, resource.Errorf(resource.Forbidden, "credentials are written with SetCredentials, which seals them")
	}
	var out *resource.Resource
	var err error
	for range maxApplyAttempts {
		// Without a revision, an update means "make it so": a race lost
		// to a concurrent status write is retried on a fresh read.
		if out, err = o.applyOnce(ctx, r, mode); r.Revision != 0 || !errors.Is(err, store.ErrStale) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	o.afterWrite(ctx, out)
	return out, nil
}

func (o *Orchestrator) applyOnce(ctx context.Context, r *resource.Resource, mode writeMode) (*resource.Resource, error) {
	var cur *resource.Resource
	var err error
	if r.ID != "" && mode != writeCreate {
		cur, err = o.store.Get(ctx, r.Ref)
	}
	if cur == nil && (err == nil || resource.CodeOf(err) == resource.NotFound) {
		if r.Revision != 0 || mode == writeUpdate {
			return nil, resource.Errorf(resource.NotFound, "%s %q not found", r.Kind, r.ID)
		}
		if err := o.checkSource(ctx, nil, r); err != nil {
			return nil, err
		}
		create := *r
		create.Status = resource.Status{}
		create.Deleting = false
		return o.createWithIDs(ctx, &create)
	}
	if err != nil {
		return nil, err
	}
	if r.Revision != 0 && r.Revision != cur.Revision {
		return nil, store.Stale(r.Ref, r.Revision, cur.Revision)
	}
	if cur.Deleting {
		return nil, resource.Errorf(resource.Conflict, "%s %q is being deleted", r.Kind, r.ID)
	}
	next := *cur
	next.Name, next.Labels, next.Placement, next.Spec = r.Name, r.Labels, r.Placement, r.Spec
	keepAllocated(cur, &next)
	if _, err := o.reg.CheckUpdate(r.Kind, cur.Spec, next.Spec); err != nil {
		return nil, err
	}
	if err := o.checkInUse(ctx, cur, &next); err != nil {
		return nil, err
	}
	if err := o.checkSource(ctx, cur, &next); err != nil {
		return nil, err
	}
	next.Tenant, next.Owner, next.Location = r.Tenant, r.Owner, r.Location // the store refuses changes
	out, err := o.updateWithIDs(ctx, cur, &next)
	if was, ok := cur.Spec.(*resource.RouteTargetAssociation); ok && err == nil &&
		was.NetworkID != out.Spec.(*resource.RouteTargetAssociation).NetworkID {
		// The network it left drops it (afterWrite pushes the new one).
		o.pushCopies(ctx, resource.Ref{Kind: resource.KindNetwork, ID: was.NetworkID})
	}
	return out, err
}

// afterWrite schedules what a change of r affects: r itself, and the copies
// of what realizes r's content because r has no VIM object of its own: the
// owner of a part (a rule's security group) and the resources naming it (the
// heat instances of a template). Their own generation did not change, so
// nothing else would push their copies.
func (o *Orchestrator) afterWrite(ctx context.Context, r *resource.Resource) {
	o.enqueue(r.Ref)
	info, _ := o.reg.Info(r.Kind)
	if info.Local != "" || info.Located || r.Kind == resource.KindLocation {
		return
	}
	var consumers []resource.Ref
	if r.Owner != nil {
		consumers = append(consumers, *r.Owner)
	}
	if rt, ok := r.Spec.(*resource.RouteTargetAssociation); ok {
		consumers = append(consumers, resource.Ref{Kind: resource.KindNetwork, ID: rt.NetworkID})
	}
	if refs, err := o.store.Referrers(ctx, r.Ref); err == nil {
		consumers = append(consumers, refs...)
	}
	for _, c := range consumers {
		if c.Kind == resource.KindLocation {
			o.enqueue(c) // its credential changed: reopen its drivers
			continue
		}
		o.pushCopies(ctx, c)
	}
}

// pushCopies schedules a resource and its copies, when it has any: what it
// realizes changed although its own generation did not.
func (o *Orchestrator) pushCopies(ctx context.Context, c resource.Ref) {
	ci, _ := o.reg.Info(c.Kind)
	if ci.Local == "" {
		return
	}
	o.enqueue(c)
	page, err := o.store.List(ctx, store.Filter{Kind: ci.Local, Owner: &c})
	if err != nil {
		o.log.Warn("scheduling copies", "ref", c.String(), "err", err)
		return
	}
	for _, l := range page.Items {
		o.enqueue(l.Ref)
	}
}

// Delete asks for a resource's deletion. Placed resources, deployments and
// locations are marked Deleting and removed by reconciliation (their copies
// at every location, or a deployment's members, first, then the VIM
// objects, then the rows); other kinds are removed at once. With revision set, only that revision is deleted.
//
// Errors: NotFound; Conflict for a stale revision, a resource others still
// name (the message names them), a protected image or a tenant that still
// owns resources (named too); Forbidden for kinds the orchestrator manages.
func (o *Orchestrator) Delete(ctx context.Context, ref resource.Ref, revision int64) error {
	info, ok := o.reg.Info(ref.Kind)
	if !ok {
		return resource.Errorf(resource.NotFound, "%s %q not found", ref.Kind, ref.ID)
	}
	if managed(info) {
		return resource.Errorf(resource.Forbidden, "%s resources are managed by orca and cannot be deleted directly", ref.Kind)
	}
	cur, err := o.store.Get(ctx, ref)
	if err != nil {
		return err
	}
	if revision != 0 && revision != cur.Revision {
		return store.Stale(ref, revision, cur.Revision)
	}
	if img, ok := cur.Spec.(*resource.Image); ok && img.Protected {
		return &resource.Error{Code: resource.Conflict, Field: "protected",
			Err: fmt.Errorf("image %q is protected: set protected to false before deleting it", ref.ID)}
	}
	if info.Local == "" && ref.Kind != resource.KindLocation && ref.Kind != resource.KindDeployment {
		if err := o.deleteWithIDs(ctx, cur, revision); err != nil {
			return err
		}
		o.afterWrite(ctx, cur)
		return nil
	}
	for attempt := 0; ; attempt++ {
		if cur.Deleting {
			return nil
		}
		cur.Deleting = true
		_, err := o.store.Update(ctx, cur)
		if err == nil {
			break
		}
		// Without a revision the caller wants it deleted whatever the
		// reconciler wrote meanwhile: re-read and mark again.
		if revision != 0 || !errors.Is(err, store.ErrStale) || attempt == maxApplyAttempts {
			return err
		}
		if cur, err = o.store.Get(ctx, ref); err != nil {
			return err
		}
	}
	o.enqueue(ref)
	return nil
}

// checkSource applies Options.CheckSource to the URL an image is fetched
// from, when it is new (cur is nil on create) or changed.
func (o *Orchestrator) checkSource(ctx context.Context, cur, next *resource.Resource) error {
	img, ok := next.Spec.(*resource.Image)
	if !ok || img.URL == "" || o.opts.CheckSource == nil {
		return nil
	}
	if cur != nil {
		if was, ok := cur.Spec.(*resource.Image); ok && was.URL == img.URL {
			return nil
		}
	}
	if err := o.opts.CheckSource(ctx, img.URL); err != nil {
		code := resource.CodeOf(err)
		if code == resource.Unknown {
			code = resource.Invalid // a refusal without a code is still the URL's fault
		}
		return &resource.Error{Code: code, Field: "url", Err: err}
	}
	return nil
}
