package ui

import (
	"cmp"
	"context"
	"net/http"
	"slices"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// overviewBody is the overview's: the orchestrator, its locations, and
// the tenants the caller may look at.
type overviewBody struct {
	// Admin shows the orchestrator's counters, which, as on /healthz,
	// only administrators see.
	Admin      bool
	Running    bool
	QueueDepth int
	Locations  []orca.LocationHealth
	Tenants    []string
}

func (u *ui) overview(w http.ResponseWriter, r *http.Request, ss *session) error {
	health, err := u.b.Health(r.Context())
	if err != nil {
		return err
	}
	tenants, err := u.tenants(r.Context())
	if err != nil {
		return err
	}
	locs := slices.Clone(health.Locations)
	slices.SortFunc(locs, func(a, b orca.LocationHealth) int { return cmp.Compare(a.ID, b.ID) })
	body := overviewBody{Admin: ss.p.IsAdmin(), Running: health.Running, QueueDepth: health.QueueDepth,
		Locations: locs, Tenants: tenants}
	return u.show(w, r, http.StatusOK, "overview", &page{Title: "Overview", User: ss.p, CSRF: ss.csrf, Body: body})
}

// tenants are the tenants the caller in ctx may look at: a member's own;
// for an administrator every registered tenant and their own.
func (u *ui) tenants(ctx context.Context) ([]string, error) {
	p := dialect.PrincipalFrom(ctx)
	out := []string{p.TenantID}
	if p.IsAdmin() {
		recs, err := dialect.Tenants(ctx, u.b)
		if err != nil {
			return nil, err
		}
		for _, t := range recs {
			out = append(out, t.ID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// tenantParam is the tenant a page's path names, when the caller may look
// at it: a member their own only, another answering 404 as the API does.
func tenantParam(r *http.Request) (string, error) {
	p := dialect.Caller(r)
	t := r.PathValue("tenant")
	if resource.CheckID(t) != nil || (!p.IsAdmin() && t != p.TenantID) {
		return "", resource.Errorf(resource.NotFound, "tenant %q not found", t)
	}
	return t, nil
}
