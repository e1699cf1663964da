package openstack

import (
	"context"
	"regexp"
	"slices"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Servers record what they were built from in their metadata (orca_image,
// orca_flavor, orca_network, orca_security_group, orca_description): Nova
// 2.64 shows a flavor by its properties, not its ID, and a security group by
// name, so the metadata is what drift is judged on.

// osServer is the part of Nova's server view orca reads.
type osServer struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Status     string            `json:"status"`
	TaskState  *string           `json:"OS-EXT-STS:task_state"`
	PowerState int               `json:"OS-EXT-STS:power_state"`
	Metadata   map[string]string `json:"metadata"`
	Image      any               `json:"image"` // {"id": ...}, or "" when booted from a volume
	Addresses  map[string]any    `json:"addresses"`
	Fault      *struct {
		Message string `json:"message"`
	} `json:"fault"`
}

func serverKind() *kind {
	return &kind{get: getServer, all: allServers, observe: observeServer, create: createServer, update: updateServer, delete: deleteServer}
}

func serverName(s *osServer) string { return s.Name }

func getServer(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	return asAny(find(ctx, o, "server", serverName,
		func(ctx context.Context, id string) (*osServer, error) {
			var s struct {
				Server osServer `json:"server"`
			}
			return &s.Server, servers.Get(ctx, d.compute, id).ExtractInto(&s)
		},
		func(ctx context.Context) ([]osServer, error) {
			return listServers(ctx, d, servers.ListOpts{Name: "^" + regexp.QuoteMeta(tag(o)) + "$"})
		}))
}

func listServers(ctx context.Context, d *Driver, opts servers.ListOpts) ([]osServer, error) {
	var out []osServer
	err := servers.List(d.compute, opts).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		var page []osServer
		if err := servers.ExtractServersInto(p, &page); err != nil {
			return false, err
		}
		out = append(out, page...)
		return true, nil
	})
	return out, classify(ctx, err, "listing servers")
}

func allServers(ctx context.Context, d *Driver) (map[string]any, error) {
	found, err := listServers(ctx, d, servers.ListOpts{})
	return byTag(found, serverName), err
}

// serverRefs are the VIM IDs a server should be built from.
type serverRefs struct{ image, flavor, network, group string }

func refsOf(o *vim.Object) serverRefs {
	spec := o.Spec.(*resource.Server)
	ext := func(k resource.Kind, id string) string {
		if id == "" {
			return ""
		}
		return o.Deps[resource.Ref{Kind: k, ID: id}].ExternalID
	}
	return serverRefs{ext(resource.KindImage, spec.ImageID), ext(resource.KindFlavor, spec.FlavorID),
		ext(resource.KindNetwork, spec.NetworkID), ext(resource.KindSecurityGroup, spec.SecurityGroupID)}
}

// metaValue fits a value in Nova's 255-byte metadata.
func metaValue(s string) string {
	if len(s) > 255 {
		return s[:255]
	}
	return s
}

func observeServer(d *Driver, o *vim.Object, v any) vim.Observation {
	s := v.(*osServer)
	obs := vim.Observation{Exists: true, ExternalID: s.ID, TaskStatus: s.Status,
		Output: map[string]any{"server_id": s.ID, "addresses": s.Addresses}}
	switch {
	case s.TaskState != nil && *s.TaskState == "deleting", s.Status == "DELETED", s.Status == "SOFT_DELETED":
		obs.State = vim.StateDeleting
	case s.Status == "ACTIVE":
		obs.State, obs.Power = vim.StateReady, vim.PowerOn
	case s.Status == "SHUTOFF":
		obs.State, obs.Power = vim.StateReady, vim.PowerOff
	case s.Status == "ERROR":
		obs.State, obs.Message = vim.StateError, "Nova reports ERROR"
		if s.Fault != nil && s.Fault.Message != "" {
			obs.Message = "Nova reports ERROR: " + s.Fault.Message
		}
	default: // BUILD, REBOOT, HARD_REBOOT, REBUILD, RESIZE, MIGRATING, ...
		obs.State = vim.StateBuilding
	}
	want := refsOf(o)
	image := ""
	if m, ok := s.Image.(map[string]any); ok {
		image, _ = m["id"].(string)
	}
	for _, c := range []struct {
		field string
		same  bool
	}{
		{"description", s.Metadata["orca_description"] == metaValue(o.Spec.(*resource.Server).Description)},
		{"image_id", image == want.image},
		{"flavor_id", s.Metadata["orca_flavor"] == want.flavor},
		{"network_id", s.Metadata["orca_network"] == want.network},
		{"security_group_id", s.Metadata["orca_security_group"] == want.group},
	} {
		if !c.same {
			obs.Drift = append(obs.Drift, c.field)
		}
	}
	return obs
}

func createServer(ctx context.Context, d *Driver, o *vim.Object, _ any) (string, error) {
	want := refsOf(o)
	if want.image == "" || want.flavor == "" || want.network == "" {
		return "", resource.Errorf(resource.NotFound, "%s: its image, flavor or network is not resolved at this location", o)
	}
	opts := servers.CreateOpts{
		Name: tag(o), ImageRef: want.image, FlavorRef: want.flavor,
		Networks: []servers.Network{{UUID: want.network}},
		Metadata: map[string]string{
			"orca_id": o.Ref.ID, "orca_name": metaValue(o.Name),
			"orca_description": metaValue(o.Spec.(*resource.Server).Description),
			"orca_image":       want.image, "orca_flavor": want.flavor, "orca_network": want.network,
			"orca_security_group": want.group,
		},
	}
	if want.group != "" {
		opts.SecurityGroups = []string{want.group}
	}
	s, err := servers.Create(ctx, d.compute, opts, nil).Extract()
	if err != nil {
		return "", classify(ctx, err, "creating server")
	}
	return s.ID, nil
}

// updateServer changes what changes in place: the description and the
// security group.
func updateServer(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string) error {
	s := v.(*osServer)
	want := refsOf(o)
	meta := map[string]string{"orca_description": metaValue(o.Spec.(*resource.Server).Description)}
	if slices.Contains(drift, "security_group_id") {
		if old := s.Metadata["orca_security_group"]; old != "" {
			err := groupAction(ctx, d, s.ID, "removeSecurityGroup", old)
			if err != nil && !gophercloud.ResponseCodeIs(err, 404) {
				return classify(ctx, err, "removing the server's security group")
			}
		}
		if want.group != "" {
			if err := groupAction(ctx, d, s.ID, "addSecurityGroup", want.group); err != nil {
				return classify(ctx, err, "adding the server's security group")
			}
		}
		meta["orca_security_group"] = want.group
	}
	_, err := servers.UpdateMetadata(ctx, d.compute, s.ID, servers.MetadataOpts(meta)).Extract()
	return classify(ctx, err, "updating server metadata")
}

// groupAction adds or removes a security group (Nova takes its ID in the
// "name" field).
func groupAction(ctx context.Context, d *Driver, server, action, group string) error {
	resp, err := d.compute.Post(ctx, d.compute.ServiceURL("servers", server, "action"),
		map[string]any{action: map[string]string{"name": group}}, nil, &gophercloud.RequestOpts{OkCodes: []int{202}})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return err
}

func deleteServer(ctx context.Context, d *Driver, o *vim.Object, v any) error {
	err := servers.Delete(ctx, d.compute, v.(*osServer).ID).ExtractErr()
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	return classify(ctx, err, "deleting server")
}
