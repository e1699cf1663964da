package ui

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Deployments (seed 004's, ESC's) are composite: their VMs are servers
// labelled as their members (orca.LabelDeployment, LabelVMGroup,
// LabelVMIndex), each realized at a location like any server.

// vmView is one VM of a group.
type vmView struct {
	ID        string
	Index     int64
	Phase     resource.Phase
	Message   string
	Locations []string
}

// groupView is one VM group: what it asks for and how its VMs stand.
type groupView struct {
	Name                 string
	Image, Flavor        string
	Count, MinCount, Max int64
	Ready                int
	VMs                  []vmView
}

type deploymentView struct {
	R      *resource.Resource
	Groups []groupView
}

type deploymentsBody struct {
	Tenant      string
	Deployments []*deploymentView
	Total       int
}

func (u *ui) deployments(w http.ResponseWriter, r *http.Request, ss *session) error {
	tenant, err := tenantParam(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	list, err := u.b.List(ctx, store.Filter{Kind: resource.KindDeployment, Tenant: tenant, Limit: u.opts.MaxRows})
	if err != nil {
		return err
	}
	body := deploymentsBody{Tenant: tenant, Total: list.Total}
	for _, d := range list.Items {
		v, err := u.deployment(ctx, d)
		if err != nil {
			return err
		}
		body.Deployments = append(body.Deployments, v)
	}
	return u.show(w, r, http.StatusOK, "deployments", &page{Title: "Deployments of " + tenant, User: ss.p, CSRF: ss.csrf, Body: body})
}

// deployment describes d's VM groups and their VMs (its member servers,
// with the locations their copies are at).
func (u *ui) deployment(ctx context.Context, d *resource.Resource) (*deploymentView, error) {
	v := &deploymentView{R: d}
	spec, ok := d.Spec.(*resource.Deployment)
	if !ok {
		return v, nil
	}
	members, err := u.b.List(ctx, store.Filter{Kind: resource.KindServer, Tenant: d.Tenant,
		Labels: map[string]string{orca.LabelDeployment: d.ID}, Limit: u.opts.MaxRows})
	if err != nil {
		return nil, err
	}
	byGroup := map[string][]vmView{}
	for _, m := range members.Items {
		idx, _ := strconv.ParseInt(m.Labels[orca.LabelVMIndex], 10, 64)
		vm := vmView{ID: m.ID, Index: idx, Phase: m.Status.Phase, Message: m.Status.Message}
		copies, err := u.b.List(ctx, store.Filter{Kind: resource.KindLocalServer, Owner: &m.Ref, Tenant: m.Tenant, Sort: "location_id"})
		if err != nil {
			return nil, err
		}
		for _, c := range copies.Items {
			vm.Locations = append(vm.Locations, c.Location)
		}
		g := m.Labels[orca.LabelVMGroup]
		byGroup[g] = append(byGroup[g], vm)
	}
	for _, g := range spec.Groups {
		gv := groupView{Name: g.Name, Image: g.ImageID, Flavor: g.FlavorID, Count: g.Count, MinCount: g.MinCount, Max: g.MaxCount}
		gv.VMs = byGroup[orca.GroupKey(g.Name)]
		slices.SortFunc(gv.VMs, func(a, b vmView) int { return cmp.Compare(a.Index, b.Index) })
		for _, vm := range gv.VMs {
			if vm.Phase == resource.PhaseReady {
				gv.Ready++
			}
		}
		v.Groups = append(v.Groups, gv)
	}
	return v, nil
}
