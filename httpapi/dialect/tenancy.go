package dialect

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// SubjectTenanted kinds are admin-scoped in the registry but carry their
// subject's tenant, so members read their own (events, actions, webhooks,
// watches).
func SubjectTenanted(k resource.Kind) bool {
	switch k {
	case resource.KindEvent, resource.KindAction, resource.KindWebhook, resource.KindWatch:
		return true
	}
	return false
}

// Visible reports whether p may see r. Not seeing it is answered 404, so
// other tenants' resources do not reveal their existence.
func Visible(p *identity.Principal, info resource.KindInfo, r *resource.Resource) bool {
	switch {
	case p.IsAdmin(), info.Scope == resource.ScopeShared:
		return true
	case info.Scope == resource.ScopeTenant || SubjectTenanted(info.Kind):
		return r.Tenant == p.TenantID
	}
	return false
}

// ListTenant is the tenant p's lists of a kind are confined to: "" (every
// tenant) for administrators and shared kinds.
func ListTenant(p *identity.Principal, info resource.KindInfo) string {
	if !p.IsAdmin() && (info.Scope == resource.ScopeTenant || SubjectTenanted(info.Kind)) {
		return p.TenantID
	}
	return ""
}

// OwnerTenant decides the tenant of a new resource of a kind: a member's
// own (naming another is Forbidden, never trusted), or the one an
// administrator names (default: their own). named is the tenant the
// request names, "" when it names none.
func OwnerTenant(p *identity.Principal, info resource.KindInfo, named, field string) (string, error) {
	switch {
	case info.NoTenant:
		return "", nil
	case named != "" && !p.IsAdmin() && named != p.TenantID:
		return "", &resource.Error{Code: resource.Forbidden, Field: field,
			Err: fmt.Errorf("%s: members create resources in their own tenant (%s) only", field, p.TenantID)}
	case named != "":
		return named, nil
	case info.Scope == resource.ScopeShared:
		return "", nil
	}
	return p.TenantID, nil
}

// Fetch gets a resource as the caller in ctx may see it: NotFound when it
// does not exist or is not the caller's to see.
func Fetch(ctx context.Context, b Backend, info resource.KindInfo, id string) (*resource.Resource, error) {
	if resource.CheckID(id) != nil {
		return nil, NotFound(info, id) // no such ID can exist
	}
	res, err := b.Get(ctx, resource.Ref{Kind: info.Kind, ID: id})
	if err != nil {
		return nil, err
	}
	if !Visible(PrincipalFrom(ctx), info, res) {
		return nil, NotFound(info, id)
	}
	return res, nil
}

// NotFound is the error for a resource that does not exist or that the
// caller may not see; the two are indistinguishable on purpose.
func NotFound(info resource.KindInfo, id string) error {
	return resource.Errorf(resource.NotFound, "%s %q not found", info.Kind, id)
}

// Tenants are records every caller has one of (their own) but only
// administrators see all of: the surfaces that serve tenants (Trema's,
// ESC's) share these two rules.

// Tenants lists the tenant records the caller in ctx may see: every one
// for an administrator, a member's own (when it is registered).
func Tenants(ctx context.Context, b Backend) ([]*resource.Resource, error) {
	p := PrincipalFrom(ctx)
	if p.IsAdmin() {
		page, err := b.List(ctx, store.Filter{Kind: resource.KindTenant})
		if err != nil {
			return nil, err
		}
		return page.Items, nil
	}
	t, err := b.Get(ctx, resource.Ref{Kind: resource.KindTenant, ID: p.TenantID})
	switch {
	case err == nil:
		return []*resource.Resource{t}, nil
	case resource.CodeOf(err) == resource.NotFound:
		return nil, nil
	}
	return nil, err
}

// FetchTenant gets a tenant record as the caller in ctx may see it: a
// member their own only. The error is NotFound when it does not exist or
// is not theirs.
func FetchTenant(ctx context.Context, b Backend, id string) (*resource.Resource, error) {
	notFound, ok := tenantAllowed(ctx, id)
	if !ok {
		return nil, notFound
	}
	t, err := b.Get(ctx, resource.Ref{Kind: resource.KindTenant, ID: id})
	if resource.CodeOf(err) == resource.NotFound {
		return nil, notFound
	}
	return t, err
}

// FetchTenantShared is FetchTenant through a memo of records (as
// FetchShared): the record returned is shared, read-only.
func FetchTenantShared(ctx context.Context, b Backend, m *Records, id string) (*resource.Resource, error) {
	notFound, ok := tenantAllowed(ctx, id)
	if !ok {
		return nil, notFound
	}
	recs, _, err := m.List(ctx, b, store.Filter{Kind: resource.KindTenant, ID: id}, func(t *resource.Resource) *resource.Resource { return t })
	switch {
	case err != nil:
		return nil, err
	case len(recs) == 0:
		return nil, notFound
	}
	return recs[0], nil
}

// tenantAllowed says whether the caller in ctx may read tenant id (a
// member their own only), and the NotFound to answer when it does not
// exist or is not theirs.
func tenantAllowed(ctx context.Context, id string) (notFound error, ok bool) {
	p := PrincipalFrom(ctx)
	notFound = resource.Errorf(resource.NotFound, "tenant %q not found", id)
	return notFound, resource.CheckID(id) == nil && (p.IsAdmin() || id == p.TenantID)
}

// maxChangeAttempts bounds the re-reads of a resource whose record keeps
// changing under a change (the orchestrator writes statuses).
const maxChangeAttempts = 8

// Change applies change to a copy of the stored resource (labels cloned)
// and writes it at the revision read, re-reading when another write came
// first: what change checks holds for what is written, and a status write
// meanwhile neither fails the change nor is lost. change may refuse with
// an error, returned with nothing written. Errors: as Get and Update, and
// Conflict when the resource kept changing.
func Change(ctx context.Context, b Backend, ref resource.Ref, change func(next *resource.Resource) error) (*resource.Resource, error) {
	for attempt := 1; ; attempt++ {
		cur, err := b.Get(ctx, ref)
		if err != nil {
			return nil, err
		}
		next := *cur
		next.Labels = maps.Clone(cur.Labels)
		if next.Labels == nil {
			next.Labels = map[string]string{}
		}
		if err := change(&next); err != nil {
			return nil, err
		}
		out, err := b.Update(ctx, &next)
		switch {
		case !errors.Is(err, store.ErrStale):
			return out, err
		case attempt == maxChangeAttempts:
			return nil, resource.Errorf(resource.Conflict, "%s %s kept changing under concurrent requests: retry", ref.Kind, ref.ID)
		}
	}
}
