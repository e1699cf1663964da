package openstack

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/attachinterfaces"

	"github.com/orca-nfv/orca/resource"
)

// A machine's "interfaces" output names, per NIC it asked for, the orca
// network, address, MAC, port and subnet. Nova's server view has the
// addresses and MACs (keyed by network name) but neither ports nor
// subnets: those come from os-interface, one call per server. Ports do not
// change while a server's addresses stay the same, so the driver keeps
// what it read per server and reads again only when the addresses change:
// a server costs one os-interface call when it first gets its addresses,
// and a quiet observation or resync costs none. A driver that cannot read
// a server's ports (403, a policy that forbids it) reports the addresses
// without ports or subnets.

// portCache holds each server's ports as last read, with the addresses
// they were read for.
type portCache struct {
	mu       sync.Mutex
	byServer map[string]serverPorts
}

type serverPorts struct {
	key   string
	known bool // false: os-interface was refused
	ports []attachinterfaces.Interface
}

func (c *portCache) get(server string) (serverPorts, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sp, ok := c.byServer[server]
	return sp, ok
}

func (c *portCache) put(server string, sp serverPorts) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byServer == nil {
		c.byServer = map[string]serverPorts{}
	}
	c.byServer[server] = sp
}

func (c *portCache) drop(server string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.byServer, server)
}

// forget drops the servers for which keep is false.
func (c *portCache) forget(keep func(server string) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.byServer {
		if !keep(id) {
			delete(c.byServer, id)
		}
	}
}

// addressKey sums up a server's fixed addresses and their MACs; "" when it
// has none yet.
func addressKey(s *osServer) string {
	var parts []string
	for name, raw := range s.Addresses {
		entries, _ := raw.([]any)
		for _, e := range entries {
			a, _ := e.(map[string]any)
			if t, _ := a["OS-EXT-IPS:type"].(string); t == "floating" {
				continue
			}
			mac, _ := a["OS-EXT-IPS-MAC:mac_addr"].(string)
			addr, _ := a["addr"].(string)
			parts = append(parts, name+"/"+mac+"/"+addr)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// learnPorts reads the ports of the servers whose addresses changed since
// they were last read.
func (d *Driver) learnPorts(ctx context.Context, servers ...*osServer) error {
	for _, s := range servers {
		key := addressKey(s)
		if sp, ok := d.ports.get(s.ID); key == "" || ok && sp.key == key {
			continue
		}
		sp := serverPorts{key: key, known: true}
		pages, err := attachinterfaces.List(d.compute, s.ID).AllPages(ctx)
		if err == nil {
			sp.ports, err = attachinterfaces.ExtractInterfaces(pages)
		}
		switch {
		case gophercloud.ResponseCodeIs(err, 404):
			continue // deleted meanwhile: the next look sees it gone
		case gophercloud.ResponseCodeIs(err, 403):
			sp.known, sp.ports = false, nil
		case err != nil:
			return classify(ctx, err, "listing a server's interfaces")
		}
		d.ports.put(s.ID, sp)
	}
	return nil
}

// seenPort is one port of a server, from os-interface or, lacking it,
// from the server's addresses.
type seenPort struct {
	network, mac, port string
	ips, subnets       []string // parallel
}

// seenPorts returns s's ports, by network ID where the name maps back to
// one of want.
func (d *Driver) seenPorts(s *osServer, want []string) []seenPort {
	var out []seenPort
	if sp, ok := d.ports.get(s.ID); ok && sp.known && sp.key == addressKey(s) {
		for _, p := range sp.ports {
			sp := seenPort{network: p.NetID, mac: p.MACAddr, port: p.PortID}
			for _, ip := range p.FixedIPs {
				sp.ips, sp.subnets = append(sp.ips, ip.IPAddress), append(sp.subnets, ip.SubnetID)
			}
			out = append(out, sp)
		}
		return out
	}
	for _, n := range d.nics(s, want) {
		nic := n.(map[string]any)
		sp := seenPort{network: nic["network_id"].(string), mac: nic["mac_address"].(string)}
		for _, ip := range nic["fixed_ips"].([]any) {
			sp.ips, sp.subnets = append(sp.ips, ip.(map[string]any)["ip_address"].(string)), append(sp.subnets, "")
		}
		out = append(out, sp)
	}
	return out
}

// interfaces renders the machine's NICs in the order Boot gives them: each
// matched to a port on its network, holding its fixed IP when it asked for
// one. NICs without a port yet, and ports orca did not ask for, are left
// out.
func (d *Driver) interfaces(s *osServer, want machineRefs, b resource.Boot) []any {
	ports := d.seenPorts(s, want.networks)
	slices.SortStableFunc(ports, func(a, b seenPort) int { return strings.Compare(a.mac, b.mac) })
	taken := make([]bool, len(ports))
	match := make([]int, len(want.networks))
	fixed := func(i int) string {
		if i < len(b.FixedIPs) {
			return b.FixedIPs[i]
		}
		return ""
	}
	// Fixed IPs first, so that a NIC without one does not take the port
	// of one that has it.
	for pass := range 2 {
		for i, net := range want.networks {
			if pass == 0 && fixed(i) == "" || pass == 1 && match[i] > 0 {
				continue
			}
			for j, p := range ports {
				if !taken[j] && p.network == net && (pass == 1 || slices.Contains(p.ips, fixed(i))) {
					taken[j], match[i] = true, j+1
					break
				}
			}
		}
	}
	out := []any{}
	for i, m := range match {
		if m == 0 {
			continue
		}
		p := ports[m-1]
		ip, subnet := "", ""
		if k := max(slices.Index(p.ips, fixed(i)), 0); k < len(p.ips) {
			ip, subnet = p.ips[k], p.subnets[k]
		}
		out = append(out, map[string]any{"network_id": b.NetworkIDs[i], "ip_address": ip, "mac_address": p.mac,
			"port_id": p.port, "subnet_id": subnet})
	}
	return out
}
