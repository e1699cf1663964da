package orca

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// A deployment owns the servers and server groups that realize its VM
// groups. It is level-based like every pass: each look computes the
// members the spec wants (with IDs derived from the deployment, the group
// and the index, so a repeated or resumed pass finds what an earlier one
// made), creates the missing, updates the changed, deletes the surplus,
// recovers failed VMs of monitored groups, and aggregates the members'
// phases into the deployment's. Members carry LabelDeployment; they are
// ordinary servers and server groups, realized by the usual passes.

// Labels orca writes on a deployment's members.
const (
	LabelDeployment = "orca/deployment"
	LabelVMGroup    = "orca/vm_group"
	LabelVMIndex    = "orca/vm_index"
)

// Keys of a deployment's Status.Output.
const (
	// DeploymentVMsKey lists the VMs: id, group, index, phase, message.
	DeploymentVMsKey = "vms"
	// DeploymentRecoveriesKey maps a VM's server ID to the recoveries
	// started for it.
	DeploymentRecoveriesKey = "recoveries"
)

// memberKinds are the kinds a deployment's members have, in the order
// they are deleted (servers before the groups and volumes they name).
var memberKinds = []resource.Kind{resource.KindServer, resource.KindServerGroup, resource.KindVolume, resource.KindSubnet, resource.KindNetwork}

// DeploymentVMID is the ID of VM index of group in deployment dep.
func DeploymentVMID(dep, group string, index int64) string {
	return dep + ":" + GroupKey(group) + ":" + strconv.FormatInt(index, 10)
}

// DeploymentVolumeID is the ID of the volume of VM vm (a DeploymentVMID)
// for its group's index-th volume.
func DeploymentVolumeID(vm string, index int) string {
	return vm + ":vol:" + strconv.Itoa(index)
}

// DeploymentNetworkID is the ID of a deployment's own network, and
// deploymentSubnetID of its subnets.
func DeploymentNetworkID(dep, network string) string {
	return dep + "::net:" + GroupKey(network)
}

func deploymentSubnetID(dep, network, subnet string) string {
	return DeploymentNetworkID(dep, network) + "::subnet:" + GroupKey(subnet)
}

// placementGroupID is the ID of the server group of a placement group
// ("::" appears in no other member's ID: group keys are never empty).
func placementGroupID(dep, pg string) string {
	return dep + "::placement:" + GroupKey(pg)
}

// deploymentGroupID is the ID of the server group placing group.
func deploymentGroupID(dep, group string) string {
	return dep + ":" + GroupKey(group) + ":group"
}

// groupKey is a group's name as an ID segment: the name itself when it
// is made of ID characters other than ':', else a readable prefix, ':' and
// a hash of the name (so distinct names never share a key: only hashed
// keys hold a ':').
func GroupKey(name string) string {
	clean := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			clean = false
			break
		}
	}
	if clean && name != "" {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	prefix := strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return r
		}
		return '_'
	}, name)
	if len(prefix) > 16 {
		prefix = prefix[:16]
	}
	return prefix + ":" + hex.EncodeToString(sum[:6])
}

// reconcileDeployment makes a deployment's members match its spec.
func (o *Orchestrator) reconcileDeployment(ctx context.Context, ref resource.Ref) (Result, error) {
	d, err := o.store.Get(ctx, ref)
	if resource.CodeOf(err) == resource.NotFound {
		return Result{}, nil
	}
	if err != nil {
		return Result{}, err
	}
	members, err := o.deploymentMembers(ctx, d.ID)
	if err != nil {
		return Result{}, err
	}
	if d.Deleting {
		return o.deleteDeployment(ctx, d, members)
	}
	spec := d.Spec.(*resource.Deployment)
	want := desiredMembers(d, spec)
	have := map[resource.Ref]*resource.Resource{}
	for _, m := range members {
		have[m.Ref] = m
	}
	// A server's NIC on the deployment's own network gets its address
	// from the network's subnets: they must be there (Ready) before a
	// server that uses them is made.
	subnetsReady := true
	for _, w := range want {
		if w.Kind == resource.KindSubnet {
			if cur := have[w.Ref]; cur == nil || cur.Status.Phase != resource.PhaseReady {
				subnetsReady = false
			}
		}
	}
	busy := false
	for _, w := range want {
		cur := have[w.Ref]
		delete(have, w.Ref)
		switch {
		case cur == nil && w.Kind == resource.KindServer && !subnetsReady:
			busy = true // made once the subnets are
		case cur == nil:
			if _, err := o.Create(ctx, w); err != nil && resource.CodeOf(err) != resource.Conflict {
				return Result{}, o.failDeployment(ctx, d, fmt.Errorf("creating %s %s: %w", w.Kind, w.ID, err))
			}
		case cur.Deleting:
			busy = true // scaled in, then out again: recreate once gone
		case !sameSpec(cur.Spec, w.Spec) || cur.Name != w.Name || !maps.Equal(cur.Labels, w.Labels) || !reflect.DeepEqual(cur.Placement, w.Placement):
			next := *w
			next.Revision = cur.Revision
			if _, err := o.Update(ctx, &next); err != nil {
				if resource.CodeOf(err) == resource.Invalid {
					return Result{}, o.failDeployment(ctx, d, fmt.Errorf("updating %s %s: %w", w.Kind, w.ID, err))
				}
				return Result{}, err
			}
		}
	}
	// The surplus (scaled in, groups removed): servers first, their
	// groups once no server names them.
	for _, k := range memberKinds {
		for ref, m := range have {
			if ref.Kind != k {
				continue
			}
			if m.Deleting {
				busy = true // still going
				continue
			}
			if err := o.Delete(ctx, ref, 0); err != nil && resource.CodeOf(err) != resource.NotFound {
				if resource.CodeOf(err) != resource.Conflict {
					return Result{}, err
				}
			}
			busy = true
		}
	}
	members, err = o.deploymentMembers(ctx, d.ID)
	if err != nil {
		return Result{}, err
	}
	recoveries, lost, wait, err := o.recoverVMs(ctx, d, spec, members)
	if err != nil {
		return Result{}, err
	}
	st := aggregateDeployment(d, spec, members, recoveries, lost)
	if busy && st.Phase == resource.PhaseReady {
		st.Phase, st.Message = resource.PhaseUpdating, "removing members"
	}
	d, err = o.writeStatus(ctx, d, st)
	if err != nil {
		return Result{}, err
	}
	if st.Phase != resource.PhaseReady && st.Phase != resource.PhaseFailed {
		return Result{RequeueAfter: o.opts.PollInterval}, nil
	}
	if st.Phase == resource.PhaseReady {
		scaled, err := o.autoscale(ctx, d, spec, members)
		if err != nil {
			return Result{}, err
		}
		if scaled {
			return Result{RequeueAfter: o.opts.ConflictDelay}, nil // realize the step
		}
	}
	next, err := o.monitorVMs(ctx, spec, members)
	if err != nil {
		return Result{}, err
	}
	if wait > 0 && (next == 0 || wait < next) {
		next = wait
	}
	return Result{RequeueAfter: next}, nil
}

// deploymentMembers lists what deployment id owns.
func (o *Orchestrator) deploymentMembers(ctx context.Context, id string) ([]*resource.Resource, error) {
	var out []*resource.Resource
	for _, k := range memberKinds {
		page, err := o.store.List(ctx, store.Filter{Kind: k, Labels: map[string]string{LabelDeployment: id}})
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

// desiredMembers are the members d's spec wants: per group a server group
// when the group has a policy, and Count servers, each after the volumes
// it boots with (a server may only name volumes that exist).
func desiredMembers(d *resource.Resource, spec *resource.Deployment) []*resource.Resource {
	var out []*resource.Resource
	// The deployment's own networks and subnets first: the servers name
	// them.
	for _, n := range spec.Networks {
		labels := map[string]string{LabelDeployment: d.ID}
		net := DeploymentNetworkID(d.ID, n.Name)
		out = append(out, &resource.Resource{
			Ref: resource.Ref{Kind: resource.KindNetwork, ID: net}, Tenant: d.Tenant,
			Name: d.Name + "_" + n.Name, Labels: labels, Placement: d.Placement.Clone(),
			Spec: &resource.Network{Description: "network " + n.Name + " of deployment " + d.ID},
		})
		for _, sub := range n.Subnets {
			out = append(out, &resource.Resource{
				Ref: resource.Ref{Kind: resource.KindSubnet, ID: deploymentSubnetID(d.ID, n.Name, sub.Name)}, Tenant: d.Tenant,
				Name: d.Name + "_" + n.Name + "_" + sub.Name, Labels: labels, Placement: d.Placement.Clone(),
				Spec: &resource.Subnet{NetworkID: net, CIDR: sub.CIDR, GatewayIP: sub.GatewayIP, NoGateway: sub.NoGateway, EnableDHCP: sub.EnableDHCP},
			})
		}
	}
	for _, g := range spec.Groups {
		labels := map[string]string{LabelDeployment: d.ID, LabelVMGroup: GroupKey(g.Name)}
		sg := ""
		if pg, ok := spec.PlacementOf(g.Name); ok {
			// Made once, with the first group it places.
			sg = placementGroupID(d.ID, pg.Name)
			if pg.Groups[0] == g.Name {
				out = append(out, &resource.Resource{
					Ref: resource.Ref{Kind: resource.KindServerGroup, ID: sg}, Tenant: d.Tenant,
					Name: d.Name + "_" + pg.Name, Labels: map[string]string{LabelDeployment: d.ID}, Placement: d.Placement.Clone(),
					Spec: &resource.ServerGroup{Policy: pg.Policy},
				})
			}
		} else if g.Policy != "" {
			sg = deploymentGroupID(d.ID, g.Name)
			out = append(out, &resource.Resource{
				Ref: resource.Ref{Kind: resource.KindServerGroup, ID: sg}, Tenant: d.Tenant,
				Name: d.Name + "_" + g.Name, Labels: labels, Placement: d.Placement.Clone(),
				Spec: &resource.ServerGroup{Policy: g.Policy},
			})
		}
		day0 := spec.Day0Of(g.Name)
		for i := range g.Count {
			nics := make([]resource.NIC, len(g.NICs))
			for j, n := range g.NICs {
				nics[j] = resource.NIC{NetworkID: n.NetworkID}
				if n.Network != "" {
					nics[j].NetworkID = DeploymentNetworkID(d.ID, n.Network)
				}
				if len(n.IPs) > 0 {
					nics[j].FixedIP = n.IPs[i]
				}
			}
			vmLabels := map[string]string{LabelDeployment: d.ID, LabelVMGroup: GroupKey(g.Name), LabelVMIndex: strconv.FormatInt(i, 10)}
			vm := DeploymentVMID(d.ID, g.Name, i)
			var volumes []string
			for j, v := range g.Volumes {
				id := DeploymentVolumeID(vm, j)
				volumes = append(volumes, id)
				out = append(out, &resource.Resource{
					Ref: resource.Ref{Kind: resource.KindVolume, ID: id}, Tenant: d.Tenant,
					Name: fmt.Sprintf("%s_%s_%d_%s", d.ID, g.Name, i, v.Name), Labels: maps.Clone(vmLabels), Placement: d.Placement.Clone(),
					Spec: &resource.Volume{
						// Within Cinder's 255 bytes: the labels name the deployment.
						Description: "volume " + v.Name + " of VM " + strconv.FormatInt(i, 10) + " of group " + g.Name,
						// The bus defaulted as the store would, so the stored
						// spec equals this one.
						SizeGB: v.SizeGB, VolumeType: v.VolumeType, Bus: cmp.Or(v.Bus, "virtio"),
					},
				})
			}
			out = append(out, &resource.Resource{
				Ref: resource.Ref{Kind: resource.KindServer, ID: vm}, Tenant: d.Tenant,
				Name: fmt.Sprintf("%s_%s_%d", d.ID, g.Name, i), Labels: vmLabels, Placement: d.Placement.Clone(),
				Spec: &resource.Server{
					Description: "VM " + strconv.FormatInt(i, 10) + " of group " + g.Name + " of deployment " + d.ID,
					ImageID:     g.ImageID, FlavorID: g.FlavorID, NetworkID: nics[0].NetworkID, NICs: nics,
					ServerGroupID: sg, UserData: day0.UserData, ConfigFiles: slices.Clone(day0.Files),
					AvailabilityZone: g.AvailabilityZone, VolumeIDs: volumes,
				},
			})
		}
	}
	return out
}

// failDeployment records a terminal error in d's status and returns it.
func (o *Orchestrator) failDeployment(ctx context.Context, d *resource.Resource, err error) error {
	st := d.Status
	st.Phase, st.Message, st.ObservedGeneration = resource.PhaseFailed, err.Error(), d.Generation
	if _, werr := o.writeStatus(ctx, d, st); werr != nil {
		return werr
	}
	return err
}

// deleteDeployment removes the members (servers first), then the row.
func (o *Orchestrator) deleteDeployment(ctx context.Context, d *resource.Resource, members []*resource.Resource) (Result, error) {
	for _, k := range memberKinds {
		pending := false
		for _, m := range members {
			if m.Kind != k {
				continue
			}
			pending = true
			if m.Deleting {
				continue
			}
			if err := o.Delete(ctx, m.Ref, 0); err != nil && resource.CodeOf(err) != resource.NotFound && resource.CodeOf(err) != resource.Conflict {
				return Result{}, err
			}
		}
		if pending {
			st := d.Status
			st.Phase, st.Message = resource.PhaseDeleting, fmt.Sprintf("deleting its %ss", k)
			if _, err := o.writeStatus(ctx, d, st); err != nil {
				return Result{}, err
			}
			return Result{RequeueAfter: o.opts.PollInterval}, nil
		}
	}
	if err := o.store.Delete(ctx, d.Ref, d.Revision); err != nil {
		return Result{}, err
	}
	o.recordEvent(ctx, d, d.Status.Phase, resource.PhaseDeleting, "deleted")
	return Result{}, nil
}

// OutputInt reads a number from a Status.Output as stored (JSON numbers
// come back as float64); false when v is none.
func OutputInt(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), true
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// aggregateDeployment sums the members' phases up: Ready when every VM the
// spec wants is Ready, Failed when one failed beyond recovery or a member
// failed to be made, else Provisioning (or Updating for a changed spec).
func aggregateDeployment(d *resource.Resource, spec *resource.Deployment, members []*resource.Resource, recoveries map[string]int64, lost map[string]string) resource.Status {
	byID := map[string]*resource.Resource{}
	for _, m := range members {
		byID[m.ID] = m
	}
	st := d.Status
	st.ObservedGeneration = d.Generation
	var vms []any
	ready, total := 0, 0
	var failed []string
	for _, g := range spec.Groups {
		for i := range g.Count {
			id := DeploymentVMID(d.ID, g.Name, i)
			total++
			vm := map[string]any{"id": id, "group": g.Name, "index": i, "phase": string(resource.PhasePending)}
			if m := byID[id]; m != nil {
				vm["phase"], vm["message"] = string(m.Status.Phase), m.Status.Message
				why, isLost := lost[id]
				switch {
				case m.Deleting:
					vm["phase"] = string(resource.PhasePending)
				case m.Status.Phase == resource.PhaseReady && m.Status.ObservedGeneration == m.Generation:
					ready++
				case isLost:
					failed = append(failed, fmt.Sprintf("%s: %s", id, why))
				}
			}
			vms = append(vms, vm)
		}
	}
	rec := map[string]any{}
	for id, n := range recoveries {
		if _, ok := byID[id]; ok {
			rec[id] = n
		}
	}
	st.Output = map[string]any{DeploymentVMsKey: vms, DeploymentRecoveriesKey: rec}
	if sc, ok := d.Status.Output[DeploymentScalingKey]; ok {
		st.Output[DeploymentScalingKey] = sc
	}
	switch {
	case len(failed) > 0:
		st.Phase, st.Message = resource.PhaseFailed, strings.Join(failed, "; ")
	case ready == total:
		st.Phase, st.Message = resource.PhaseReady, fmt.Sprintf("%d VMs ready", total)
	case d.Status.Phase == resource.PhaseReady || d.Status.Phase == resource.PhaseUpdating:
		st.Phase, st.Message = resource.PhaseUpdating, fmt.Sprintf("%d of %d VMs ready", ready, total)
	default:
		st.Phase, st.Message = resource.PhaseProvisioning, fmt.Sprintf("%d of %d VMs ready", ready, total)
	}
	return st
}
