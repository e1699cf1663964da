package fake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Machines are the objects whose spec is a resource.MachineSpec. Besides
// what every object has, they get a NIC per network at Create, in the order
// Boot gives, a host and the server group they join.
//
// Addresses: a NIC's fixed IP is taken as given; otherwise the NIC gets the
// lowest free address of its network's own CIDR, then of its subnets (their
// allocation pools, past the gateway), or, when the fake knows none, an
// invented one in 100.64.0.0/10. A fixed IP another machine's NIC holds on
// the network is refused (Invalid, as Nova answers 400); one outside every
// CIDR the network has leaves the machine in Error, as a Nova build fails
// when Neutron refuses the port.
//
// Zones: the fake's hosts are in every zone. A zone is recorded and
// reported, not enforced; "zone:host" puts the machine on that host, even
// a disabled one (Nova's forced host skips the scheduler's filters), and a
// host the fake does not have leaves it in Error ("No valid host").

// nic is one network interface of a machine.
type nic struct {
	network string // the network's external ID
	orcaNet string // the orca ID it was asked for by
	mac, ip string
	port    string // the port's ID, invented
	subnet  string // the external ID of the subnet holding ip; "" for an invented address
}

// defaultZone is Nova's default availability zone, reported for machines
// that ask for none.
const defaultZone = "nova"

// boot makes obj a machine from its Boot, with references resolved through
// deps: its NICs, server group and host. What a VIM refuses at once is an
// error, and obj must then not be kept. Callers hold v.mu.
func (v *VIM) boot(obj *object, b resource.Boot, deps map[resource.Ref]vim.Dep) error {
	obj.machine = true
	if err := v.attach(obj, b, deps); err != nil {
		return err
	}
	taken := v.addressesInUse()
	for i, id := range b.NetworkIDs {
		ext := deps[resource.Ref{Kind: resource.KindNetwork, ID: id}].ExternalID
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", obj.externalID, i))
		n := nic{network: ext, orcaNet: id, mac: fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", h[0], h[1], h[2]),
			port: fmt.Sprintf("%s-port-%x", v.opts.Name, h[3:11])}
		pools := v.ipPools(ext)
		fixed := ""
		if i < len(b.FixedIPs) {
			fixed = b.FixedIPs[i]
		}
		switch a, err := netip.ParseAddr(fixed); {
		case fixed != "" && err != nil:
			return resource.InvalidField("nics", "fake %s: %q is not an IP address", v.opts.Name, fixed)
		case fixed != "":
			if holder := taken[ext][a]; holder != "" {
				// Retryable, as the OpenStack driver makes Nova's: the
				// holder may be a machine on its way out.
				return &resource.Error{Code: resource.Unavailable, Field: "nics", Err: fmt.Errorf(
					"fake %s: fixed IP %s is already in use on %s on network %s", v.opts.Name, fixed, holder, id)}
			}
			n.ip = a.String()
			if n.subnet = poolFor(pools, a); n.subnet == "" && len(pools) > 0 && obj.state != vim.StateError {
				obj.state, obj.message = vim.StateError, fmt.Sprintf(
					"IP address %s is not a valid IP for any of the subnets on network %s", fixed, id)
			}
		case len(pools) > 0:
			n.ip, n.subnet = allocate(pools, taken[ext])
		default:
			n.ip = invented(h, taken[ext])
		}
		if n.ip != "" {
			a, _ := netip.ParseAddr(n.ip)
			if taken[ext] == nil {
				taken[ext] = map[netip.Addr]string{}
			}
			taken[ext][a] = obj.orcaID
		}
		obj.nics = append(obj.nics, n)
	}
	if b.ServerGroupID != "" {
		obj.group = deps[resource.Ref{Kind: resource.KindServerGroup, ID: b.ServerGroupID}].ExternalID
	}
	_, host, forced := strings.Cut(b.AvailabilityZone, ":")
	switch {
	case forced && !slices.ContainsFunc(v.hosts, func(h *vim.Host) bool { return h.Name == host }):
		if obj.state != vim.StateError {
			obj.state, obj.message = vim.StateError, fmt.Sprintf("No valid host was found: there is no compute host %q", host)
		}
	case forced:
		obj.host = host
	default:
		if obj.host = v.schedule(); obj.host == "" && obj.state != vim.StateError {
			obj.state, obj.message = vim.StateError, "No valid host was found: every host is disabled"
		}
	}
	return nil
}

// addressesInUse maps each network's external ID to the addresses its
// machines' NICs hold, to the holder's orca ID. Callers hold v.mu.
func (v *VIM) addressesInUse() map[string]map[netip.Addr]string {
	out := map[string]map[netip.Addr]string{}
	for _, o := range v.objects {
		for _, n := range o.nics {
			a, err := netip.ParseAddr(n.ip)
			if err != nil {
				continue
			}
			if out[n.network] == nil {
				out[n.network] = map[netip.Addr]string{}
			}
			out[n.network][a] = o.orcaID
		}
	}
	return out
}

// ipPool is where a network's addresses come from: its own CIDR or one of
// its subnets.
type ipPool struct {
	subnet string // external ID (the network's own CIDR: "<network>-subnet")
	prefix netip.Prefix
	gw     netip.Addr // invalid: none
	ranges [][2]netip.Addr
}

// ipPools lists a network's pools: its own CIDR, then its subnets by orca
// ID. Callers hold v.mu.
func (v *VIM) ipPools(network string) []ipPool {
	var out []ipPool
	if netObj := v.byExternal(resource.KindNetwork, network); netObj != nil {
		if pfx, ok := appliedCIDR(netObj); ok {
			gw := pfx.Masked().Addr().Next()
			out = append(out, ipPool{subnet: network + "-subnet", prefix: pfx, gw: gw, ranges: [][2]netip.Addr{{gw, lastOf(pfx)}}})
		}
	}
	var subnets []*object
	for _, o := range v.objects {
		if o.kind == resource.KindSubnet && o.state != vim.StateDeleting && slices.Contains(o.uses, network) {
			subnets = append(subnets, o)
		}
	}
	slices.SortFunc(subnets, func(a, b *object) int { return strings.Compare(a.orcaID, b.orcaID) })
	for _, o := range subnets {
		raw, _ := json.Marshal(o.applied)
		var sn resource.Subnet
		if json.Unmarshal(raw, &sn) != nil { // drifted out of band
			continue
		}
		pfx, err := netip.ParsePrefix(sn.CIDR)
		if err != nil {
			continue
		}
		p := ipPool{subnet: o.externalID, prefix: pfx, gw: sn.Gateway()}
		for _, r := range sn.AllocationPools {
			start, errS := netip.ParseAddr(r.Start)
			end, errE := netip.ParseAddr(r.End)
			if errS == nil && errE == nil {
				p.ranges = append(p.ranges, [2]netip.Addr{start, end})
			}
		}
		if len(p.ranges) == 0 {
			p.ranges = [][2]netip.Addr{{pfx.Masked().Addr(), lastOf(pfx)}}
		}
		out = append(out, p)
	}
	return out
}

// lastOf is the last address of a prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// poolFor returns the subnet of the pools whose prefix holds a, or "".
func poolFor(pools []ipPool, a netip.Addr) string {
	for _, p := range pools {
		if p.prefix.Contains(a) {
			return p.subnet
		}
	}
	return ""
}

// maxScan bounds the addresses tried per range, so that a huge IPv6 pool
// full of holders cannot stall a call.
const maxScan = 1 << 12

// allocate returns the lowest free host address of the pools and its
// subnet, or "" when they are full.
func allocate(pools []ipPool, taken map[netip.Addr]string) (ip, subnet string) {
	for _, p := range pools {
		for _, r := range p.ranges {
			a := r[0]
			for range maxScan {
				if !a.IsValid() || r[1].Less(a) || !p.prefix.Contains(a) {
					break
				}
				if host(p.prefix, a) && a != p.gw && taken[a] == "" {
					return a.String(), p.subnet
				}
				a = a.Next()
			}
		}
	}
	return "", ""
}

// host reports whether a host may take a: not the network address nor, in
// IPv4, the broadcast address.
func host(p netip.Prefix, a netip.Addr) bool {
	return a != p.Masked().Addr() && (a.Is6() || a != lastOf(p) || p.Bits() >= 31)
}

// invented is an address in 100.64.0.0/10 (shared address space, never a
// real network's) derived from h, for a network whose CIDR the fake does
// not know; the next free one when it is taken.
func invented(h [32]byte, taken map[netip.Addr]string) string {
	a := netip.AddrFrom4([4]byte{100, 64 | h[8]&0x3f, h[9], h[10] | 1})
	for taken[a] != "" {
		a = a.Next()
	}
	return a.String()
}

// zone is the availability zone a machine asked for (its applied spec's),
// or defaultZone.
func zone(o *object) string {
	var az string
	json.Unmarshal(o.applied["availability_zone"], &az) // absent or drifted: none
	if z, _, _ := strings.Cut(az, ":"); z != "" {
		return z
	}
	return defaultZone
}

// machineOutput adds what a VIM reports about a machine to out: its NICs
// (as "nics", by network external ID, and as "interfaces", by the orca
// network they were asked for, with port and subnet), its zone and, once
// it has one, the host's ID (Nova's hostId: per tenant and host).
func machineOutput(o *object, out map[string]any) {
	out["nics"] = nicsOutput(o.nics)
	ifaces := make([]any, 0, len(o.nics))
	for _, n := range o.nics {
		ifaces = append(ifaces, map[string]any{"network_id": n.orcaNet, "ip_address": n.ip, "mac_address": n.mac,
			"port_id": n.port, "subnet_id": n.subnet})
	}
	out["interfaces"] = ifaces
	out["availability_zone"] = zone(o)
	if o.host != "" {
		h := sha256.Sum224([]byte(o.tenant + "/" + o.host))
		out["host_id"] = hex.EncodeToString(h[:])
	}
}

// nicsOutput renders NICs as drivers report them in Observation.Output.
func nicsOutput(nics []nic) []any {
	out := make([]any, 0, len(nics))
	for _, n := range nics {
		ips := []any{}
		if n.ip != "" {
			ips = append(ips, map[string]any{"ip_address": n.ip})
		}
		out = append(out, map[string]any{"network_id": n.network, "mac_address": n.mac, "fixed_ips": ips})
	}
	return out
}

// members lists the external IDs of the machines in the server group, as
// Nova does: from their creation until they are gone. Callers hold v.mu.
func (v *VIM) members(group string) []any {
	var ids []string
	for _, o := range v.objects {
		if o.machine && o.group == group {
			ids = append(ids, o.externalID)
		}
	}
	slices.Sort(ids)
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// Crash kills the machine tagged orcaID out of band, as when its hypervisor
// or guest dies: the machine goes to Error, powered off, with message (a
// default one when ""), and any task under way ends. Only Delete (or Vanish)
// gets rid of it. It returns NotFound for an unknown tag and Invalid for an
// object that is not a machine.
func (v *VIM) Crash(orcaID, message string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	o, ok := v.objects[orcaID]
	switch {
	case !ok:
		return resource.Errorf(resource.NotFound, "fake: no object tagged %s", orcaID)
	case !o.machine:
		return resource.Errorf(resource.Invalid, "fake: %s %s is not a machine", o.kind, orcaID)
	}
	if message == "" {
		message = "the machine died"
	}
	o.state, o.message, o.power, o.until = vim.StateError, message, vim.PowerOff, time.Time{}
	o.task, o.taskPower, o.taskUntil = "", "", time.Time{}
	return nil
}
