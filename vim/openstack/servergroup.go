package openstack

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servergroups"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Server groups carry one policy (compute microversion 2.64). Nova keeps no
// description for them: the orchestrator does. Nova deletes a group that
// still has members, and so does the driver.

func serverGroupKind() *kind {
	return &kind{get: getServerGroup, all: allServerGroups, observe: observeServerGroup,
		create: createServerGroup, update: func(context.Context, *Driver, *vim.Object, any, []string) error { return nil },
		delete: deleteServerGroup}
}

func serverGroupName(g *servergroups.ServerGroup) string { return g.Name }

func getServerGroup(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	return asAny(find(ctx, o, "server group", serverGroupName,
		func(ctx context.Context, id string) (*servergroups.ServerGroup, error) {
			return servergroups.Get(ctx, d.compute, id).Extract()
		},
		func(ctx context.Context) ([]servergroups.ServerGroup, error) { return listServerGroups(ctx, d) }))
}

func listServerGroups(ctx context.Context, d *Driver) ([]servergroups.ServerGroup, error) {
	return listAll(ctx, "server groups", servergroups.List(d.compute, servergroups.ListOpts{}), servergroups.ExtractServerGroups)
}

func allServerGroups(ctx context.Context, d *Driver) (map[string]any, error) {
	found, err := listServerGroups(ctx, d)
	return byTag(found, serverGroupName), err
}

func observeServerGroup(d *Driver, o *vim.Object, v any) vim.Observation {
	g := v.(*servergroups.ServerGroup)
	// Members are the servers' IDs, as Nova lists them (seed 002 shows a
	// group's instances).
	members := make([]any, len(g.Members))
	for i, m := range g.Members {
		members[i] = m
	}
	obs := vim.Observation{Exists: true, ExternalID: g.ID, State: vim.StateReady, TaskStatus: "ACTIVE",
		Output: map[string]any{"server_group_id": g.ID, "members": members}}
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
