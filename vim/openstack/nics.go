package openstack

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"

	"github.com/orca-nfv/orca/vim"
)

// A machine's NICs come from Nova's "addresses", which are keyed by network
// name, not ID. The driver learns the Neutron names of the networks its
// machines' Deps name, once per network (a network's ID never changes its
// name: orca names it by its tag), and maps the names back; a name it does
// not know is reported as it is.

// netNames caches Neutron network names by network ID. Lookups happen
// outside the lock: two concurrent misses read the same network twice,
// which is harmless.
type netNames struct {
	mu    sync.Mutex
	names map[string]string
}

func (c *netNames) get(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name, ok := c.names[id]
	return name, ok
}

func (c *netNames) put(id, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names == nil {
		c.names = map[string]string{}
	}
	c.names[id] = name
}

// resolveNetworkNames learns the names of the networks objs' Boots name
// that the driver does not know yet: one Neutron read per network, ever. A
// network that is gone is left unknown.
func resolveNetworkNames(ctx context.Context, d *Driver, objs []*vim.Object) error {
	for _, o := range objs {
		want, _ := refsOf(o)
		for _, id := range want.networks {
			if _, known := d.netNames.get(id); known || id == "" {
				continue
			}
			n, err := networks.Get(ctx, d.network, id).Extract()
			switch {
			case gophercloud.ResponseCodeIs(err, 404):
				continue
			case err != nil:
				return classify(ctx, err, "reading a machine's network")
			}
			d.netNames.put(id, n.Name)
		}
	}
	return nil
}

// nics renders Nova's addresses as NICs: network_id (the network's ID where
// the name maps back to one of want, else its name), mac_address and
// fixed_ips, in want's order, then any other network's by name. Floating
// addresses are not a NIC's.
func (d *Driver) nics(s *osServer, want []string) []any {
	idOf := map[string]string{}
	for _, id := range want {
		if name, ok := d.netNames.get(id); ok {
			idOf[name] = id
		}
	}

	type nic struct {
		network, mac string
		ips          []any
	}
	var out []*nic
	for name, raw := range s.Addresses {
		network := name
		if id, ok := idOf[name]; ok {
			network = id
		}
		entries, _ := raw.([]any)
		byMAC := map[string]*nic{}
		for _, e := range entries {
			a, _ := e.(map[string]any)
			if t, _ := a["OS-EXT-IPS:type"].(string); t == "floating" {
				continue
			}
			mac, _ := a["OS-EXT-IPS-MAC:mac_addr"].(string)
			n := byMAC[mac]
			if n == nil {
				n = &nic{network: network, mac: mac, ips: []any{}}
				byMAC[mac] = n
				out = append(out, n)
			}
			if addr, _ := a["addr"].(string); addr != "" {
				n.ips = append(n.ips, map[string]any{"ip_address": addr})
			}
		}
	}
	rank := func(n *nic) int {
		if i := slices.Index(want, n.network); i >= 0 {
			return i
		}
		return len(want)
	}
	slices.SortFunc(out, func(a, b *nic) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		if c := strings.Compare(a.network, b.network); c != 0 {
			return c
		}
		return strings.Compare(a.mac, b.mac)
	})
	list := make([]any, len(out))
	for i, n := range out {
		list[i] = map[string]any{"network_id": n.network, "mac_address": n.mac, "fixed_ips": n.ips}
	}
	return list
}
