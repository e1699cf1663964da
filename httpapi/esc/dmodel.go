package esc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// An ESC deployment is an orca deployment (resource.Deployment), which
// orca realizes as servers and server groups. The datamodel's one tenant
// and one deployment name the orca tenant and the deployment's name; each
// vm_group becomes a VM group:
//
//	image, flavor               an orca image / flavor, by ID or by name
//	interfaces/interface        NICs in nicid order; network by ID or name;
//	                            ip_address fixes the first VM's address
//	scaling min/max_active      the group's bounds; it starts at min_active
//	static_ip_address_pool      the addresses of the group's VMs on that
//	                            network, VM i taking the ith
//	placement affinity /        a server group of the policy AFFINITY/FILTER
//	anti_affinity               or ANTI-AFFINITY/FILTER chooses; enforcement
//	                            loose makes it the soft policy
//	placement zone_host         the availability zone (zone or zone:host);
//	                            a host disabled at /hosts is refused
//	config_data                 day-0: dst --user-data is the user data,
//	                            others are config-drive files at /<dst>;
//	                            file URLs are fetched at once through
//	                            Options.Fetches, data is taken as given
//	kpi_data                    the group is monitored: a failed VM is
//	                            recovered (redeployed)
//	scaling/elastic, kpi_data   scale rules (kpis.go): a KPI on a VIM metric
//	and rules                   whose rule runs servicescaleup/-down grows or
//	                            shrinks the group by one VM
//	recovery_policy/max_retries its recoveries, else VM_RECOVERY_RETRIES_MAX
//	recovery_wait_time          the wait before a recovery
//	locator/vim_id              the location of the whole deployment, else
//	                            the default VIM connector, else the only
//	                            location
//
//	networks/network/subnet     networks made for the deployment (address and
//	                            netmask make a subnet's CIDR), which go with
//	                            it; an interface names one by its name
//	placement_group (also under  a server group of its type's policy (as a
//	policies)                   group's placement) shared by its vm_groups
//
// rules, the policies' other placements and extensions are kept in the
// stored document (GET /deployments/config/{id}) but not acted on.
//
//	volumes/volume              one volume per VM of size/sizeunit (required),
//	                            type and bus, attached at boot; name (else
//	                            vol<volid>) unique in the group

// deploymentResource maps a datamodel's deployment onto an orca one,
// resolving what it names (NotFound naming the first unknown one). cur is
// the deployment being updated (nil on create): its groups keep their
// size where the new bounds allow.
func (a *api) deploymentResource(ctx context.Context, id, tenant string, dm *dmDeployment, doc string, cur *resource.Resource) (*resource.Resource, error) {
	if dm.Name == "" {
		return nil, resource.InvalidField("deployment.name", "a deployment needs a name")
	}
	spec := &resource.Deployment{Description: dm.Description, Document: doc}
	counts := map[string]int64{}
	if cur != nil {
		for _, g := range cur.Spec.(*resource.Deployment).Groups {
			counts[g.Name] = g.Count
		}
	}
	vim := ""
	if dm.Locator != nil {
		vim = dm.Locator.VimID
	}
	own, err := deploymentNetworks(dm)
	if err != nil {
		return nil, err
	}
	spec.Networks = own
	for i, g := range dm.VMGroups {
		field := fmt.Sprintf("vm_group[%d]", i)
		group, day0, err := a.vmGroup(ctx, tenant, field, &g, counts, own)
		if err != nil {
			return nil, err
		}
		spec.Groups = append(spec.Groups, group)
		if day0.UserData != "" || len(day0.Files) > 0 {
			spec.Day0 = append(spec.Day0, day0)
		}
		if g.Locator != nil && g.Locator.VimID != "" {
			if vim != "" && vim != g.Locator.VimID {
				return nil, resource.InvalidField(field+".locator", "a deployment's VM groups must all be at one VIM (%s, not %s)", vim, g.Locator.VimID)
			}
			vim = g.Locator.VimID
		}
	}
	pgs := dm.PlacementGroup
	if dm.Policies != nil {
		pgs = append(slices.Clone(pgs), dm.Policies.PlacementGroup...)
	}
	for i, pg := range pgs {
		policy, err := a.placementPolicy(ctx, fmt.Sprintf("placement_group[%d]", i), pg.Type, pg.Enforcement)
		if err != nil {
			return nil, err
		}
		spec.PlacementGroups = append(spec.PlacementGroups, resource.PlacementGroup{Name: pg.Name, Policy: policy, Groups: pg.VMGroup})
	}
	placement, err := a.deploymentPlacement(ctx, vim)
	if err != nil {
		return nil, err
	}
	res := &resource.Resource{
		Ref: resource.Ref{Kind: deploymentKind, ID: id}, Tenant: tenant, Name: dm.Name,
		Labels: map[string]string{labelCreated: "true"}, Placement: placement, Spec: spec,
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return res, nil
}

// deploymentPlacement is where a deployment goes: the VIM named, else the
// default VIM connector, else the only location there is.
func (a *api) deploymentPlacement(ctx context.Context, vim string) (*resource.Placement, error) {
	if vim != "" {
		if _, err := a.b.Get(ctx, resource.Ref{Kind: resource.KindLocation, ID: vim}); err != nil {
			if resource.CodeOf(err) == resource.NotFound {
				return nil, resource.Errorf(resource.NotFound, "An associated resource not found: VIM connector %q", vim)
			}
			return nil, err
		}
		return &resource.Placement{Locations: []string{vim}}, nil
	}
	def, err := a.defaultVIM(ctx)
	if err == nil {
		return &resource.Placement{Locations: []string{def}}, nil
	}
	if resource.CodeOf(err) != resource.Invalid {
		return nil, err
	}
	page, lerr := a.b.List(ctx, store.Filter{Kind: resource.KindLocation, Limit: 2})
	if lerr != nil {
		return nil, lerr
	}
	if len(page.Items) == 1 {
		return &resource.Placement{Locations: []string{page.Items[0].ID}}, nil
	}
	return nil, err
}

// vmGroup maps one vm_group.
func (a *api) vmGroup(ctx context.Context, tenant, field string, g *dmVMGroup, counts map[string]int64, own []resource.DeploymentNetwork) (resource.VMGroup, resource.GroupDay0, error) {
	out := resource.VMGroup{Name: g.Name, MinCount: 1, MaxCount: 1}
	day0 := resource.GroupDay0{Group: g.Name}
	if g.Volumes != nil {
		for j, v := range g.Volumes.Volume {
			gv, err := groupVolume(fmt.Sprintf("%s.volumes[%d]", field, j), v)
			if err != nil {
				return out, day0, err
			}
			out.Volumes = append(out.Volumes, gv)
		}
	}
	var err error
	if out.ImageID, err = a.resolve(ctx, resource.KindImage, tenant, g.Image, field+".image"); err != nil {
		return out, day0, err
	}
	if out.FlavorID, err = a.resolve(ctx, resource.KindFlavor, tenant, g.Flavor, field+".flavor"); err != nil {
		return out, day0, err
	}
	if s := g.Scaling; s != nil {
		out.MinCount, out.MaxCount = s.MinActive, s.MaxActive
	}
	out.Count = out.MinCount
	if n, ok := counts[g.Name]; ok {
		out.Count = min(max(n, out.MinCount), out.MaxCount)
	}
	ifaces := slices.Clone(g.Interfaces.Interface)
	slices.SortStableFunc(ifaces, func(x, y dmInterface) int { return x.NicID - y.NicID })
	pools := map[string][]string{}
	if g.Scaling != nil {
		for _, p := range g.Scaling.Pools {
			pools[p.Network] = append(pools[p.Network], p.IPAddress...)
		}
	}
	for j, in := range ifaces {
		f := fmt.Sprintf("%s.interfaces[%d]", field, j)
		if j > 0 && in.NicID == ifaces[j-1].NicID {
			return out, day0, resource.InvalidField(f+".nicid", "nicid %d appears twice", in.NicID)
		}
		nic := resource.GroupNIC{IPs: pools[in.Network]}
		if slices.ContainsFunc(own, func(n resource.DeploymentNetwork) bool { return n.Name == in.Network }) {
			nic.Network = in.Network // the deployment's own
		} else if nic.NetworkID, err = a.resolve(ctx, resource.KindNetwork, tenant, in.Network, f+".network"); err != nil {
			return out, day0, err
		}
		if len(nic.IPs) == 0 && in.IPAddress != "" {
			nic.IPs = []string{in.IPAddress}
		}
		out.NICs = append(out.NICs, nic)
	}
	for _, p := range g.Placement {
		if err := a.placeGroup(ctx, field, p, &out); err != nil {
			return out, day0, err
		}
	}
	if err := applyKPIs(field, g, &out); err != nil {
		return out, day0, err
	}
	if g.RecoveryPolicy != nil && g.RecoveryPolicy.MaxRetries != nil {
		out.RecoveryMax = *g.RecoveryPolicy.MaxRetries
	} else {
		n, err := a.recoveryRetriesMax(ctx)
		if err != nil {
			return out, day0, err
		}
		out.RecoveryMax = int64(n)
	}
	if g.RecoveryWaitTime != nil {
		out.RecoveryWaitSeconds = *g.RecoveryWaitTime
	}
	if g.BootupTime != nil {
		out.BootSeconds = *g.BootupTime
	}
	if g.ConfigData != nil {
		for j, c := range g.ConfigData.Configuration {
			if err := a.day0(ctx, fmt.Sprintf("%s.config_data[%d]", field, j), c, &day0); err != nil {
				return out, day0, err
			}
		}
	}
	return out, day0, nil
}

// groupVolume maps one volume of a group: each VM gets its own, of the
// size given (ESC's datastore-only form, with no size, cannot be made).
func groupVolume(field string, v dmVolume) (resource.GroupVolume, error) {
	gib, err := volumeGiB(v.Size, v.SizeUnit)
	if err != nil {
		var re *resource.Error
		if errors.As(err, &re) {
			return resource.GroupVolume{}, &resource.Error{Code: re.Code, Field: field + "." + re.Field, Err: re.Err}
		}
		return resource.GroupVolume{}, err
	}
	name := v.Name
	if name == "" {
		name = fmt.Sprintf("vol%d", v.VolID)
	}
	return resource.GroupVolume{Name: name, SizeGB: gib, VolumeType: v.Type, Bus: v.Bus}, nil
}

// placeGroup applies one placement of a group.
func (a *api) placeGroup(ctx context.Context, field string, p dmPlacement, g *resource.VMGroup) error {
	switch strings.ToLower(p.Type) {
	case "affinity", "anti_affinity", "anti-affinity":
		policy, err := a.placementPolicy(ctx, field+".placement", p.Type, p.Enforcement)
		if err != nil {
			return err
		}
		g.Policy = policy
	case "zone_host":
		g.AvailabilityZone = p.Zone
		if p.Host != "" {
			ok, err := a.hostEnabled(ctx, p.Host)
			if err != nil {
				return err
			}
			if !ok {
				return resource.InvalidField(field+".placement.host", "host %s is disabled (POST /v0/hosts/%s/enable)", p.Host, p.Host)
			}
			g.AvailabilityZone = p.Zone + ":" + p.Host
		}
	default:
		return resource.InvalidField(field+".placement.type", "placement type %q is not supported (affinity, anti_affinity, zone_host)", p.Type)
	}
	return nil
}

// placementPolicy is the server group policy of an affinity or
// anti-affinity placement: the one AFFINITY/FILTER or
// ANTI-AFFINITY/FILTER chooses, its soft form when enforcement is loose.
func (a *api) placementPolicy(ctx context.Context, field, typ, enforcement string) (string, error) {
	aff, anti, err := a.affinityPolicies(ctx)
	if err != nil {
		return "", err
	}
	var policy string
	switch strings.ToLower(typ) {
	case "affinity":
		policy = aff
	case "anti_affinity", "anti-affinity":
		policy = anti
	default:
		return "", resource.InvalidField(field+".type", "placement type %q is not supported here (affinity, anti_affinity)", typ)
	}
	if strings.EqualFold(enforcement, "loose") && !strings.HasPrefix(policy, "soft-") {
		policy = "soft-" + policy
	}
	return policy, nil
}

// day0 adds one configuration: --user-data is the user data, any other
// dst a config-drive file; its content is data, or file fetched now.
func (a *api) day0(ctx context.Context, field string, c dmConfiguration, d *resource.GroupDay0) error {
	content := c.Data
	if c.File != "" {
		var err error
		if content, err = a.fetchDay0(ctx, field+".file", c.File); err != nil {
			return err
		}
	}
	dst := strings.TrimSpace(c.Dst)
	switch dst {
	case "":
		return resource.InvalidField(field+".dst", "a configuration needs a dst")
	case "--user-data", "user-data", "user_data":
		d.UserData = content
	default:
		p := "/" + strings.TrimLeft(dst, "/")
		if path.Clean(p) != p {
			return resource.InvalidField(field+".dst", "%q is not a plain file name", dst)
		}
		d.Files = append(d.Files, resource.ConfigFile{Path: p, Contents: content})
	}
	return nil
}

// maxDay0Fetch bounds a fetched day-0 file (the user data's bound; files
// are bounded lower by validation).
const maxDay0Fetch = 64 << 10

// fetchDay0 gets a day-0 file from where the datamodel says, through the
// fetch policy: a refused address is 400, an unreachable or failing
// server 400 too (the request cannot be honoured as written).
func (a *api) fetchDay0(ctx context.Context, field, raw string) (string, error) {
	u, err := a.opts.Fetches.CheckURL(raw)
	if err != nil {
		return "", &resource.Error{Code: resource.Invalid, Field: field, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", resource.InvalidField(field, "cannot be fetched: %v", err)
	}
	resp, err := a.fetcher.Do(req)
	if err != nil {
		return "", resource.InvalidField(field, "cannot be fetched: %v", dialErr(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", resource.InvalidField(field, "fetching it answered %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDay0Fetch+1))
	switch {
	case err != nil:
		return "", resource.InvalidField(field, "reading it failed: %v", err)
	case len(data) > maxDay0Fetch:
		return "", resource.InvalidField(field, "is larger than %d bytes", maxDay0Fetch)
	}
	return string(data), nil
}

// dialErr is what a fetch error says without the URL, which may carry
// secrets in its query.
func dialErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// resolve finds what a datamodel names, by ID first, then by name among
// what the tenant may use: NotFound "An associated resource not found".
func (a *api) resolve(ctx context.Context, kind resource.Kind, tenant, name, field string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", resource.InvalidField(field, "required")
	}
	usable := func(r *resource.Resource) bool {
		if r.Deleting {
			return false
		}
		if r.Tenant == tenant {
			return true
		}
		s, ok := r.Spec.(interface{ SharedWithAllTenants() bool })
		return ok && s.SharedWithAllTenants()
	}
	if resource.CheckID(name) == nil {
		r, err := a.b.Get(ctx, resource.Ref{Kind: kind, ID: name})
		switch {
		case err == nil && usable(r):
			return r.ID, nil
		case err != nil && resource.CodeOf(err) != resource.NotFound:
			return "", err
		}
	}
	page, err := a.b.List(ctx, store.Filter{Kind: kind, Name: name})
	if err != nil {
		return "", err
	}
	var found []string
	for _, r := range page.Items {
		if usable(r) {
			found = append(found, r.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", &resource.Error{Code: resource.NotFound, Field: field, Err: fmt.Errorf("An associated resource not found: %s %q", kind, name)}
	case 1:
		return found[0], nil
	}
	return "", resource.InvalidField(field, "%d %ss are named %q: name one by its ID", len(found), kind, name)
}

// deploymentNetworks maps the networks a datamodel's deployment makes for
// itself: each subnet's address and netmask (dotted, or a prefix length)
// are its CIDR. Shared or administratively down networks are refused,
// never made otherwise.
func deploymentNetworks(dm *dmDeployment) ([]resource.DeploymentNetwork, error) {
	if dm.Networks == nil {
		return nil, nil
	}
	var out []resource.DeploymentNetwork
	for i, n := range dm.Networks.Network {
		f := fmt.Sprintf("networks[%d]", i)
		switch {
		case n.Shared != nil && *n.Shared:
			return nil, resource.InvalidField(f+".shared", "a deployment's network cannot be shared")
		case n.AdminState != nil && !*n.AdminState:
			return nil, resource.InvalidField(f+".admin_state", "a deployment's network is up")
		}
		dn := resource.DeploymentNetwork{Name: n.Name}
		for j, sub := range n.Subnet {
			sf := fmt.Sprintf("%s.subnet[%d]", f, j)
			cidr, err := subnetCIDR(sf, sub.Address, sub.Netmask)
			if err != nil {
				return nil, err
			}
			name := sub.Name
			if name == "" {
				name = fmt.Sprintf("subnet%d", j)
			}
			ds := resource.DeploymentSubnet{Name: name, CIDR: cidr, GatewayIP: sub.Gateway, EnableDHCP: sub.DHCP}
			dn.Subnets = append(dn.Subnets, ds)
		}
		out = append(out, dn)
	}
	return out, nil
}

// subnetCIDR makes a prefix of an address and a netmask, dotted
// (255.255.255.0) or a length (24).
func subnetCIDR(field, address, netmask string) (string, error) {
	addr, err := netip.ParseAddr(strings.TrimSpace(address))
	if err != nil {
		return "", resource.InvalidField(field+".address", "%q is not an IP address", address)
	}
	bits, err := strconv.Atoi(strings.TrimSpace(netmask))
	if err != nil {
		mask := net.ParseIP(strings.TrimSpace(netmask)).To4()
		ones, size := net.IPMask(mask).Size()
		if mask == nil || size == 0 || !addr.Is4() {
			return "", resource.InvalidField(field+".netmask", "%q is not a netmask (255.255.255.0, or a length)", netmask)
		}
		bits = ones
	}
	pfx, err := addr.Prefix(bits)
	if err != nil || bits < 0 {
		return "", resource.InvalidField(field+".netmask", "%q does not fit %s", netmask, addr)
	}
	if pfx.Addr() != addr {
		return "", resource.InvalidField(field+".address", "%s is not the first address of %s", addr, pfx)
	}
	return pfx.String(), nil
}
