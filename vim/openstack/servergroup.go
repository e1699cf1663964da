package openstack

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servergroups"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Server groups carry one policy (compute microversion 2.64). Nova keeps no
// description for them: the orchestrator does.

func serverGroupKind() *kind {
	return &kind{get: getServerGroup, all: allServerGroups, observe: observeServerGroup,
		create: createServerGroup, update: func(context.Context, *Driver, *vim.Object, any, []string) error { return nil },
		delete: deleteServerGroup}
}

func getServerGroup(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	if o.ExternalID != "" {
		g, err := servergroups.Get(ctx, d.compute, o.ExternalID).Extract()
		switch {
		case err == nil && g.Name == tag(o):
			return g, nil
		case err != nil && !gophercloud.ResponseCodeIs(err, 404):
			return nil, classify(ctx, err, "getting server group")
		}
	}
	all, err := allServerGroups(ctx, d)
	if err != nil {
		return nil, err
	}
	return all[tag(o)], nil
}

func allServerGroups(ctx context.Context, d *Driver) (map[string]any, error) {
	pages, err := servergroups.List(d.compute, servergroups.ListOpts{}).AllPages(ctx)
	if err != nil {
		return nil, classify(ctx, err, "listing server groups")
	}
	found, err := servergroups.ExtractServerGroups(pages)
	if err != nil {
		return nil, classify(ctx, err, "listing server groups")
	}
	out := map[string]any{}
	for i := range found {
		if orcaID(found[i].Name) != "" {
			out[found[i].Name] = &found[i]
		}
	}
	return out, nil
}

func observeServerGroup(d *Driver, o *vim.Object, v any) vim.Observation {
	g := v.(*servergroups.ServerGroup)
	obs := vim.Observation{Exists: true, ExternalID: g.ID, State: vim.StateReady, TaskStatus: "ACTIVE",
		Output: map[string]any{"server_group_id": g.ID, "members": len(g.Members)}}
	policy := ""
	if g.Policy != nil {
		policy = *g.Policy
	} else if len(g.Policies) > 0 {
		policy = g.Policies[0]
	}
	if policy != o.Spec.(*resource.ServerGroup).Policy {
		obs.Drift = append(obs.Drift, "policy")
	}
	return obs
}

func createServerGroup(ctx context.Context, d *Driver, o *vim.Object, _ any) (string, error) {
	g, err := servergroups.Create(ctx, d.compute, servergroups.CreateOpts{
		Name: tag(o), Policy: o.Spec.(*resource.ServerGroup).Policy}).Extract()
	if err != nil {
		return "", classify(ctx, err, "creating server group")
	}
	return g.ID, nil
}

func deleteServerGroup(ctx context.Context, d *Driver, o *vim.Object, v any) error {
	err := servergroups.Delete(ctx, d.compute, v.(*servergroups.ServerGroup).ID).ExtractErr()
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	return classify(ctx, err, "deleting server group")
}
