package esc

import (
	"encoding/xml"
	"net/http"
	"net/netip"

	"github.com/orca-nfv/orca/resource"
)

// An ESC subnet is an orca subnet of the tenant in the path, on an ESC
// network of that tenant (internal_network_id, or networkFromCdg's), at
// the network's locations. cidr, gateway_ip ("" for the first host
// address), enable_dhcp (default true) and allocation_pools are the
// subnet's; ip_version, when given, must be the cidr's. Subnets that exist
// in a VIM already (external_subnet_id) are not adopted.

const (
	opCreateSubnet = "create_subnet"
	opDeleteSubnet = "delete_subnet"
)

// headerNetworkID filters GET /{tenant}/subnets by network.
const headerNetworkID = "internalNetworkId"

// poolBody is an allocation pool: repeated allocation_pools elements in
// XML, a list in JSON.
type poolBody struct {
	Start string `xml:"start" json:"start"`
	End   string `xml:"end" json:"end"`
}

// subnetBody is a subnet on the wire, both ways, in the order of the
// seed's model.
type subnetBody struct {
	XMLName           xml.Name     `xml:"subnet" json:"-"`
	Xmlns             string       `xml:"xmlns,attr,omitempty" json:"-"`
	NetworkFromCdg    *networkBody `xml:"networkFromCdg,omitempty" json:"networkFromCdg,omitempty"`
	InternalTenantID  string       `xml:"internal_tenant_id,omitempty" json:"internal_tenant_id,omitempty"`
	ExternalTenantID  string       `xml:"external_tenant_id,omitempty" json:"external_tenant_id,omitempty"`
	InternalNetworkID string       `xml:"internal_network_id,omitempty" json:"internal_network_id,omitempty"`
	ExternalNetworkID string       `xml:"external_network_id,omitempty" json:"external_network_id,omitempty"`
	InternalSubnetID  string       `xml:"internal_subnet_id,omitempty" json:"internal_subnet_id,omitempty"`
	ExternalSubnetID  string       `xml:"external_subnet_id,omitempty" json:"external_subnet_id,omitempty"`
	Name              string       `xml:"name,omitempty" json:"name,omitempty"`
	AllocationPools   []poolBody   `xml:"allocation_pools" json:"allocation_pools,omitempty"`
	GatewayIP         string       `xml:"gateway_ip,omitempty" json:"gateway_ip,omitempty"`
	IPVersion         int          `xml:"ip_version,omitempty" json:"ip_version,omitempty"`
	CIDR              string       `xml:"cidr,omitempty" json:"cidr,omitempty"`
	EnableDHCP        *bool        `xml:"enable_dhcp" json:"enable_dhcp,omitempty"`
	EventType         string       `xml:"event_type,omitempty" json:"event_type,omitempty"`
}

// subnetList is GET /v0/{tenant}/subnets in XML (JSON: a bare array).
type subnetList struct {
	XMLName xml.Name     `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 subnets"`
	Subnets []subnetBody `xml:"subnet"`
}

// subnetView renders a subnet. Its gateway is the one asked for, else the
// first host address, which every VIM orca drives takes.
func subnetView(r *resource.Resource, event string) subnetBody {
	b := subnetBody{Xmlns: netconfNS, EventType: event, Name: r.Name, InternalSubnetID: r.ID,
		InternalTenantID: r.Tenant, ExternalTenantID: r.Tenant, ExternalSubnetID: externalIDOf(r)}
	spec, ok := r.Spec.(*resource.Subnet)
	if !ok {
		return b
	}
	b.InternalNetworkID, b.CIDR = spec.NetworkID, spec.CIDR
	if gw := spec.Gateway(); gw.IsValid() {
		b.GatewayIP = gw.String()
	}
	if pfx, err := netip.ParsePrefix(spec.CIDR); err == nil {
		b.IPVersion = 4
		if pfx.Addr().Is6() {
			b.IPVersion = 6
		}
	}
	dhcp := spec.DHCP()
	b.EnableDHCP = &dhcp
	for _, p := range spec.AllocationPools {
		b.AllocationPools = append(b.AllocationPools, poolBody(p))
	}
	return b
}

var subnetKind = made{kind: resource.KindSubnet, what: "Subnet", created: "Subnet successfully created",
	deleted: "Subnet successfully deleted", createEvent: "CREATE_SUBNET", deleteEvent: "DELETE_SUBNET",
	opCreate: opCreateSubnet, opDelete: opDeleteSubnet,
	view: func(r *resource.Resource, event string) any { return subnetView(r, event) },
	gone: func(id, event string) any {
		return subnetBody{Xmlns: netconfNS, InternalSubnetID: id, EventType: event}
	},
}

func (a *api) subnetArea() area {
	return area{
		routes: []route{
			{"GET", "/{tenant}/subnets", a.listSubnets},
			{"GET", "/{tenant}/subnets/{subnet}", a.getSubnet},
			{"POST", "/{tenant}/subnets/{subnet}", a.createSubnet},
			{"DELETE", "/{tenant}/subnets/{subnet}", a.deleteSubnet},
		},
		outcomes: map[string]outcome{opCreateSubnet: subnetKind.outcome, opDeleteSubnet: subnetKind.outcome},
	}
}

// listSubnets answers the tenant's subnets, those of one network when the
// internalNetworkId header names it (404 for a network it cannot see).
func (a *api) listSubnets(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	network := r.Header.Get(headerNetworkID)
	if network != "" {
		if _, err := a.fetchMade(r, networkKind, network, ten.ID); err != nil {
			return err
		}
	}
	items, err := a.listMade(r, resource.KindSubnet, ten.ID)
	if err != nil {
		return err
	}
	views := make([]subnetBody, 0, len(items))
	for _, it := range items {
		if spec, ok := it.Spec.(*resource.Subnet); ok && (network == "" || spec.NetworkID == network) {
			views = append(views, subnetView(it, ""))
		}
	}
	f, _ := responseFormat(r)
	if f == formatJSON {
		return write(w, http.StatusOK, f, views)
	}
	return write(w, http.StatusOK, f, subnetList{Subnets: views})
}

func (a *api) getSubnet(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	s, err := a.fetchMade(r, subnetKind, r.PathValue("subnet"), ten.ID)
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, subnetView(s, ""))
}

func (a *api) createSubnet(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r) // a member's own only
	if err != nil {
		return err
	}
	id := r.PathValue("subnet")
	if err := checkInternalID("internal_subnet_id", id); err != nil {
		return err
	}
	var in subnetBody
	if err := a.readBody(w, r, &in, "subnet"); err != nil {
		return err
	}
	res, err := a.subnetResource(r, id, ten.ID, &in)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opCreateSubnet)
	if err != nil {
		return err
	}
	out, err := a.createMade(r, res)
	if resource.CodeOf(err) == resource.Conflict && resource.FieldOf(err) == "network_id" {
		return &resource.Error{Code: resource.Conflict, Field: "internal_network_id",
			Err: resource.Errorf(resource.Conflict, "network %s is being deleted", res.Spec.(*resource.Subnet).NetworkID)}
	}
	if err != nil {
		return err
	}
	return a.accept(w, r, t, out.Tenant, out.Ref, subnetView(out, "CREATE_SUBNET"))
}

// subnetResource checks a subnet body and makes the resource it asks for,
// in tenant, on the network it names, at that network's locations.
func (a *api) subnetResource(r *http.Request, id, tenant string, in *subnetBody) (*resource.Resource, error) {
	if err := checkEcho(in.InternalSubnetID, id, "internal_subnet_id", "the subnet in the path"); err != nil {
		return nil, err
	}
	if err := checkOwner(in.InternalTenantID, in.ExternalTenantID, tenant); err != nil {
		return nil, err
	}
	if err := checkNetworkName(in.Name); err != nil {
		return nil, err
	}
	network := in.InternalNetworkID
	if cdg := in.NetworkFromCdg; cdg != nil {
		if err := checkEcho(cdg.InternalNetworkID, network, "networkFromCdg.internal_network_id", "internal_network_id"); network != "" && err != nil {
			return nil, err
		}
		if network == "" {
			network = cdg.InternalNetworkID
		}
	}
	switch {
	case network == "":
		return nil, resource.InvalidField("internal_network_id", "required: the network the subnet is on")
	case in.ExternalSubnetID != "" || in.ExternalNetworkID != "":
		return nil, resource.InvalidField("external_subnet_id", "this server does not adopt subnets or networks that exist in a VIM (external_subnet_id, external_network_id)")
	}
	net, err := a.fetchMade(r, networkKind, network, tenant)
	if err != nil {
		return nil, err
	}
	spec := &resource.Subnet{NetworkID: net.ID, CIDR: in.CIDR, GatewayIP: in.GatewayIP, EnableDHCP: in.EnableDHCP}
	for _, p := range in.AllocationPools {
		spec.AllocationPools = append(spec.AllocationPools, resource.AllocationPool(p))
	}
	if pfx, err := netip.ParsePrefix(in.CIDR); err == nil {
		want := 4
		if pfx.Addr().Is6() {
			want = 6
		}
		if in.IPVersion != 0 && in.IPVersion != want {
			return nil, resource.InvalidField("ip_version", "%d does not match cidr %s (IPv%d)", in.IPVersion, in.CIDR, want)
		}
	} else if in.IPVersion != 0 && in.IPVersion != 4 && in.IPVersion != 6 {
		return nil, resource.InvalidField("ip_version", "%d is not 4 or 6", in.IPVersion)
	}
	spec.Default()
	if err := spec.Validate(); err != nil {
		return nil, err // the fields are named as ESC names them
	}
	name := in.Name
	if name == "" {
		name = id
	}
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindSubnet, ID: id}, Tenant: tenant, Name: name,
		Labels: map[string]string{labelCreated: "true"}, Placement: net.Placement, Spec: spec}, nil
}

func (a *api) deleteSubnet(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	return a.deleteMade(w, r, subnetKind, r.PathValue("subnet"), ten.ID)
}
