package openstack

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Machines (servers, bare-metal instances: every kind whose spec is a
// resource.MachineSpec) are Nova servers, made from their Boot by one code
// path. They record what they were built from in their metadata
// (orca_image, orca_flavor, orca_network and orca_networks, orca_fixed_ips,
// orca_security_group, orca_server_group, orca_description, digests of the
// day-0 data in orca_user_data and orca_config_files,
// orca_availability_zone, and orca_volumes, bootvolumes.go): Nova 2.64
// shows a flavor by its properties, not its ID, a security group by name,
// and neither networks by ID, the server group, the day-0 data, the zone
// asked for nor the volumes' order, so the metadata is what drift is
// judged on. Servers made before a key existed lack it, which
// reads as "none asked for". The spec's user metadata sits next to it,
// under keys without the orca_ prefix.

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
	HostID     string            `json:"hostId"`
	// Host and Hypervisor are shown to administrators only.
	Host       string `json:"OS-EXT-SRV-ATTR:host"`
	Hypervisor string `json:"OS-EXT-SRV-ATTR:hypervisor_hostname"`
	Zone       string `json:"OS-EXT-AZ:availability_zone"`
	// VolumesAttached are the server's volumes (bootvolumes.go).
	VolumesAttached []attachedVolume `json:"os-extended-volumes:volumes_attached"`
	Fault           *struct {
		Message string `json:"message"`
	} `json:"fault"`
}

// machineFields names the spec fields of a machine kind under which drift
// of the Boot parts whose field differs between kinds is reported.
type machineFields struct {
	networks string // "network_id" on a server, "networks" on bare metal
	metadata string // the user metadata ("extra"); "" when the kind has none
	// The fields of what only servers have; "" on bare metal. A change of
	// the networks of several NICs, or of fixed IPs, is reported under
	// nics.
	nics, userData, configFiles, zone string
	volumes                           string // "volume_ids" on a server
}

// machineKind is the operations of a machine kind.
func machineKind(f machineFields) *kind {
	return &kind{get: getMachine, all: allMachines, resolve: resolveNetworkNames,
		observe: func(d *Driver, o *vim.Object, v any) vim.Observation { return observeServer(d, o, v, f) },
		create:  createServer,
		update: func(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string) error {
			return updateServer(ctx, d, o, v, drift, f)
		},
		delete: deleteServer}
}

func serverKind() *kind {
	return machineKind(machineFields{networks: "network_id", nics: "nics", userData: "user_data",
		configFiles: "config_files", zone: "availability_zone", volumes: "volume_ids"})
}

// getMachine is getServer with the server's ports learnt (interfaces.go).
func getMachine(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	v, err := getServer(ctx, d, o)
	if err != nil || v == nil {
		return v, err
	}
	return v, d.learnPorts(ctx, v.(*osServer))
}

// allMachines lists every server, by tag, with the tagged servers' ports
// learnt and those of servers that are gone forgotten.
func allMachines(ctx context.Context, d *Driver) (map[string]any, error) {
	found, err := listServers(ctx, d, servers.ListOpts{})
	if err != nil {
		return nil, err
	}
	listed := map[string]bool{}
	var tagged []*osServer
	for i := range found {
		listed[found[i].ID] = true
		if orcaID(found[i].Name) != "" {
			tagged = append(tagged, &found[i])
		}
	}
	d.ports.forget(func(id string) bool { return listed[id] })
	return byTag(found, serverName), d.learnPorts(ctx, tagged...)
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

// machineRefs are the VIM IDs a machine should be built from.
type machineRefs struct {
	image, flavor, secGroup, group string
	networks                       []string // in NIC order
}

// networksField names the field a change of the machine's networks is
// reported under: the server's nics when it asked for more than network_id
// says.
func (f machineFields) networksField(b resource.Boot) string {
	if f.nics != "" && (len(b.NetworkIDs) > 1 || b.FixedIPs != nil) {
		return f.nics
	}
	return f.networks
}

func refsOf(o *vim.Object) (machineRefs, resource.Boot) {
	b := o.Spec.(resource.MachineSpec).Boot()
	ext := func(k resource.Kind, id string) string {
		if id == "" {
			return ""
		}
		return o.Deps[resource.Ref{Kind: k, ID: id}].ExternalID
	}
	r := machineRefs{image: ext(resource.KindImage, b.ImageID), flavor: ext(resource.KindFlavor, b.FlavorID),
		secGroup: ext(resource.KindSecurityGroup, b.SecurityGroupID), group: ext(resource.KindServerGroup, b.ServerGroupID)}
	for _, id := range b.NetworkIDs {
		r.networks = append(r.networks, ext(resource.KindNetwork, id))
	}
	return r, b
}

// metaValue fits a value in Nova's 255-byte metadata.
func metaValue(s string) string {
	if len(s) > 255 {
		return s[:255]
	}
	return s
}

// networksValue records a machine's networks (and port types, which Nova
// cannot honour without ports of their own) in one metadata value: joined
// by commas, or, when that does not fit Nova's 255 bytes (16 networks do
// not), as a digest, which is all drift detection needs.
func networksValue(networks, portTypes []string) string {
	parts := slices.Clone(networks)
	for i, t := range portTypes {
		if t != "" && i < len(parts) {
			parts[i] += "=" + t
		}
	}
	v := strings.Join(parts, ",")
	if len(v) > 255 {
		sum := sha256.Sum256([]byte(v))
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	return v
}

// sameNetworks compares a server's recorded networks with the wanted ones.
// Servers made before orca_networks carry orca_network alone.
func sameNetworks(meta map[string]string, want machineRefs, b resource.Boot) bool {
	got, ok := meta["orca_networks"]
	if !ok {
		return len(want.networks) == 1 && meta["orca_network"] == want.networks[0] &&
			!slices.ContainsFunc(b.PortTypes, func(t string) bool { return t != "" })
	}
	return got == networksValue(want.networks, b.PortTypes)
}

// userMetadata is the part of a server's metadata that is not orca's own.
func userMetadata(meta map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range meta {
		if !strings.HasPrefix(k, resource.MetadataReserved) {
			out[k] = v
		}
	}
	return out
}

// busy is the task Nova is carrying out on a usable server (powering-on,
// powering-off, rebooting_hard, ...), or its REBOOT status's, or "".
func busy(s *osServer) string {
	switch {
	case s.TaskState != nil && *s.TaskState != "":
		return *s.TaskState
	case s.Status == "REBOOT":
		return "rebooting"
	case s.Status == "HARD_REBOOT":
		return "rebooting_hard"
	}
	return ""
}

func observeServer(d *Driver, o *vim.Object, v any, f machineFields) vim.Observation {
	s := v.(*osServer)
	want, b := refsOf(o)
	obs := vim.Observation{Exists: true, ExternalID: s.ID, TaskStatus: s.Status,
		Output: map[string]any{"server_id": s.ID, "addresses": s.Addresses, "nics": d.nics(s, want.networks),
			"interfaces": d.interfaces(s, want, b)}}
	for k, v := range map[string]string{"availability_zone": s.Zone, "host": cmp.Or(s.Host, s.Hypervisor), "host_id": s.HostID} {
		if v != "" {
			obs.Output[k] = v
		}
	}
	switch {
	case s.TaskState != nil && *s.TaskState == "deleting", s.Status == "DELETED", s.Status == "SOFT_DELETED":
		obs.State = vim.StateDeleting
	case s.Status == "ACTIVE", s.Status == "REBOOT", s.Status == "HARD_REBOOT":
		// A rebooting machine is still realized: it is busy, not being
		// built.
		obs.State, obs.Power = vim.StateReady, vim.PowerOn
		obs.Busy = busy(s)
	case s.Status == "SHUTOFF":
		obs.State, obs.Power = vim.StateReady, vim.PowerOff
		obs.Busy = busy(s)
	case s.Status == "ERROR":
		obs.State, obs.Message = vim.StateError, "Nova reports ERROR"
		if s.Fault != nil && s.Fault.Message != "" {
			obs.Message = "Nova reports ERROR: " + s.Fault.Message
		}
	default: // BUILD, REBOOT, HARD_REBOOT, REBUILD, RESIZE, MIGRATING, ...
		obs.State = vim.StateBuilding
	}
	image := ""
	if m, ok := s.Image.(map[string]any); ok {
		image, _ = m["id"].(string)
	}
	checks := []struct {
		field string
		same  bool
	}{
		{"description", s.Metadata["orca_description"] == metaValue(b.Description)},
		{"image_id", image == want.image},
		{"flavor_id", s.Metadata["orca_flavor"] == want.flavor},
		{f.networksField(b), sameNetworks(s.Metadata, want, b)},
		{"security_group_id", s.Metadata["orca_security_group"] == want.secGroup},
		{"server_group_id", s.Metadata["orca_server_group"] == want.group},
	}
	if f.nics != "" {
		checks = append(checks, []struct {
			field string
			same  bool
		}{
			{f.nics, s.Metadata["orca_fixed_ips"] == fixedIPsValue(b.FixedIPs)},
			{f.userData, s.Metadata["orca_user_data"] == digest([]byte(b.UserData))},
			{f.configFiles, s.Metadata["orca_config_files"] == configFilesDigest(b.ConfigFiles)},
			{f.zone, s.Metadata["orca_availability_zone"] == b.AvailabilityZone},
		}...)
	}
	if f.metadata != "" {
		checks = append(checks, struct {
			field string
			same  bool
		}{f.metadata, maps.Equal(userMetadata(s.Metadata), b.Metadata)})
	}
	if f.volumes != "" {
		vols, _ := d.volumeIDs(o, b) // unresolved: none match, which is drift
		obs.Output["volumes"] = volumesOutput(s, b, vols)
		checks = append(checks, struct {
			field string
			same  bool
		}{f.volumes, len(vols) == len(b.VolumeIDs) && sameVolumes(s, vols)})
	}
	for _, c := range checks {
		if !c.same && !slices.Contains(obs.Drift, c.field) {
			obs.Drift = append(obs.Drift, c.field)
		}
	}
	return obs
}

func createServer(ctx context.Context, d *Driver, o *vim.Object, _ any) (string, error) {
	want, b := refsOf(o)
	if want.image == "" || want.flavor == "" || slices.Contains(want.networks, "") ||
		b.SecurityGroupID != "" && want.secGroup == "" || b.ServerGroupID != "" && want.group == "" {
		return "", resource.Errorf(resource.NotFound, "%s: a dependency is not resolved at this location", o)
	}
	vols, err := d.volumeIDs(o, b)
	if err != nil {
		return "", err
	}
	meta := maps.Clone(b.Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	maps.Copy(meta, map[string]string{
		"orca_id": o.Ref.ID, "orca_name": metaValue(o.Name), "orca_description": metaValue(b.Description),
		"orca_image": want.image, "orca_flavor": want.flavor,
		"orca_network": want.networks[0], "orca_networks": networksValue(want.networks, b.PortTypes),
		"orca_security_group": want.secGroup, "orca_server_group": want.group,
		"orca_fixed_ips": fixedIPsValue(b.FixedIPs), "orca_user_data": digest([]byte(b.UserData)),
		"orca_config_files": configFilesDigest(b.ConfigFiles), "orca_availability_zone": b.AvailabilityZone,
	})
	if len(vols) > 0 {
		meta["orca_volumes"] = volumesValue(vols) // absent: none, as on servers made before volumes
	}
	var nets []servers.Network
	for i, n := range want.networks {
		nets = append(nets, servers.Network{UUID: n})
		if i < len(b.FixedIPs) {
			nets[i].FixedIP = b.FixedIPs[i]
		}
	}
	opts := servers.CreateOpts{Name: tag(o), ImageRef: want.image, FlavorRef: want.flavor, Metadata: meta, Networks: nets,
		UserData: userData(b.UserData), Personality: personality(b.ConfigFiles), AvailabilityZone: b.AvailabilityZone,
		BlockDevice: blockDevices(o, want.image, b, vols)}
	if b.UserData != "" || len(b.ConfigFiles) > 0 {
		on := true
		opts.ConfigDrive = &on
	}
	if want.secGroup != "" {
		opts.SecurityGroups = []string{want.secGroup}
	}
	var hints servers.SchedulerHintOptsBuilder
	if want.group != "" {
		hints = servers.SchedulerHintOpts{Group: want.group}
	}
	compute := d.compute
	if len(opts.Personality) > 0 {
		c := *d.compute
		c.Microversion = personalityMicroversion
		compute = &c
	}
	s, err := servers.Create(ctx, compute, opts, hints).Extract()
	if err != nil {
		return "", addressHeld(d.volumesHeld(ctx, vols, classify(ctx, err, "creating server")))
	}
	return s.ID, nil
}

// updateServer changes what changes in place: the description, the
// security group and the user metadata.
func updateServer(ctx context.Context, d *Driver, o *vim.Object, v any, drift []string, f machineFields) error {
	s := v.(*osServer)
	want, b := refsOf(o)
	meta := map[string]string{"orca_description": metaValue(b.Description)}
	if slices.Contains(drift, "security_group_id") {
		if old := s.Metadata["orca_security_group"]; old != "" {
			err := groupAction(ctx, d, s.ID, "removeSecurityGroup", old)
			if err != nil && !gophercloud.ResponseCodeIs(err, 404) {
				return classify(ctx, err, "removing the server's security group")
			}
		}
		if want.secGroup != "" {
			if err := groupAction(ctx, d, s.ID, "addSecurityGroup", want.secGroup); err != nil {
				return classify(ctx, err, "adding the server's security group")
			}
		}
		meta["orca_security_group"] = want.secGroup
	}
	var gone []string
	if f.metadata != "" && slices.Contains(drift, f.metadata) {
		maps.Copy(meta, b.Metadata)
		for k := range userMetadata(s.Metadata) {
			if _, keep := b.Metadata[k]; !keep {
				gone = append(gone, k)
			}
		}
	}
	// Set before deleting: an update cut short leaves extra keys, which
	// the next observation reports as drift again, never missing ones.
	if _, err := servers.UpdateMetadata(ctx, d.compute, s.ID, servers.MetadataOpts(meta)).Extract(); err != nil {
		return classify(ctx, err, "updating server metadata")
	}
	slices.Sort(gone)
	for _, k := range gone {
		err := servers.DeleteMetadatum(ctx, d.compute, s.ID, k).ExtractErr()
		if err != nil && !gophercloud.ResponseCodeIs(err, 404) {
			return classify(ctx, err, "deleting server metadata "+k)
		}
	}
	return nil
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
	id := v.(*osServer).ID
	err := servers.Delete(ctx, d.compute, id).ExtractErr()
	if err == nil || gophercloud.ResponseCodeIs(err, 404) {
		d.ports.drop(id)
	}
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	return classify(ctx, err, "deleting server")
}

// addressHeld makes Nova's refusal of a fixed IP another instance holds
// (400 FixedIpAlreadyInUse) retryable: a machine being deleted, such as
// the one a redeployment replaces, keeps its ports until Nova has torn it
// down, and its successor asks for the same address.
func addressHeld(err error) error {
	if resource.CodeOf(err) == resource.Invalid && strings.Contains(err.Error(), "is already in use on instance") {
		return resource.Wrap(resource.Unavailable, err)
	}
	return err
}
