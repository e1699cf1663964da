package fake

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Machines are the objects whose spec is a resource.MachineSpec. Besides
// what every object has, they get a NIC per network at Create, in the order
// Boot gives, and the server group they join.

// nic is one network interface of a machine.
type nic struct {
	network string // the network's external ID
	mac, ip string // ip is "" when the network's CIDR is unknown
}

// boot derives a new machine's NICs and server group from its Boot, with
// references resolved through deps. Callers hold v.mu.
func (v *VIM) boot(externalID string, b resource.Boot, deps map[resource.Ref]vim.Dep) (nics []nic, group string) {
	for i, id := range b.NetworkIDs {
		ext := deps[resource.Ref{Kind: resource.KindNetwork, ID: id}].ExternalID
		h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", externalID, i))
		n := nic{network: ext, mac: fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", h[0], h[1], h[2])}
		if netObj := v.byExternal(resource.KindNetwork, ext); netObj != nil {
			var cidr string
			json.Unmarshal(netObj.applied["cidr"], &cidr) // a network's applied cidr is a JSON string
			// The machine's sequence number: distinct addresses for a while.
			n.ip = hostIn(cidr, v.seq)
		}
		nics = append(nics, n)
	}
	if b.ServerGroupID != "" {
		group = deps[resource.Ref{Kind: resource.KindServerGroup, ID: b.ServerGroupID}].ExternalID
	}
	return nics, group
}

// hostIn returns the n-th host address of cidr, wrapping within it (so it
// may repeat), or "" when cidr is not a prefix.
func hostIn(cidr string, n int) string {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil {
		return ""
	}
	size := 1 << min(pfx.Addr().BitLen()-pfx.Bits(), 8)
	if size < 4 {
		return pfx.Addr().String()
	}
	// Skip the network address and the gateway, as Neutron's pools do.
	a := pfx.Masked().Addr()
	for range 2 + n%(size-3) {
		a = a.Next()
	}
	return a.String()
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
