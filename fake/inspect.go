package fake

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// ObjectInfo is a copy of one VIM object, for tests to inspect.
type ObjectInfo struct {
	Kind       resource.Kind
	OrcaID     string // the tag; "snapshot:<id>" for snapshot images
	ExternalID string
	Name       string
	Tenant     string
	State      vim.State
	Message    string
	Power      vim.PowerState
	Host       string
	// Spec holds the applied spec fields, decoded.
	Spec map[string]any
	// Parts lists the IDs of the applied parts (a group's rules).
	Parts []string
	// NICs are a machine's network interfaces, in NIC order, and Zone its
	// availability zone; its day-0 data is in Spec.
	NICs []NICInfo
	Zone string
	// Attachments are a machine's volumes, in order, or the machine a
	// volume is attached to.
	Attachments []AttachmentInfo
}

// NICInfo is one network interface of a machine.
type NICInfo struct {
	NetworkID      string // the orca network it was asked for by
	Network        string // that network's external ID
	IP, MAC        string
	PortID, Subnet string // Subnet is "" for an invented address
}

// Objects returns copies of the objects of kind ("" for every kind), sorted
// by orca ID.
func (v *VIM) Objects(kind resource.Kind) []ObjectInfo {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []ObjectInfo
	for _, o := range v.objects {
		if kind != "" && o.kind != kind {
			continue
		}
		info := ObjectInfo{
			Kind: o.kind, OrcaID: o.orcaID, ExternalID: o.externalID, Name: o.name, Tenant: o.tenant,
			State: o.state, Message: o.message, Power: o.power, Host: o.host, Spec: map[string]any{},
		}
		for k, raw := range o.applied {
			var val any
			json.Unmarshal(raw, &val) // applied values are valid JSON
			info.Spec[k] = val
		}
		var parts []struct{ Ref resource.Ref }
		json.Unmarshal(o.parts, &parts) // fails only after Drift, leaving none
		for _, p := range parts {
			info.Parts = append(info.Parts, p.Ref.ID)
		}
		if o.machine {
			info.Zone = zone(o)
		}
		info.Attachments = v.attachmentInfo(o)
		for _, n := range o.nics {
			info.NICs = append(info.NICs, NICInfo{NetworkID: n.orcaNet, Network: n.network, IP: n.ip, MAC: n.mac,
				PortID: n.port, Subnet: n.subnet})
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.OrcaID, b.OrcaID) })
	return out
}

// Calls returns how many calls of op were made (OpAny: of every operation),
// including failed ones.
func (v *VIM) Calls(op Op) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	if op != OpAny {
		return v.calls[op]
	}
	n := 0
	for _, c := range v.calls {
		n += c
	}
	return n
}
