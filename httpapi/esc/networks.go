package esc

import (
	"encoding/xml"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// An ESC network is an orca network of the tenant in the path, made without
// a CIDR: its addresses come from the subnets ESC makes on it later
// (subnets.go). locator.vim_id places it at that VIM connector (location)
// only; without a locator it is made at every location. What orca's
// networks cannot be (shared, administratively down, external, provider
// or VLAN networks, networks on a VMware switch, networks that exist in a
// VIM already) is refused, never ignored; internal_deployment_id is kept
// as the label esc/deployment. A network that still has subnets is not
// deleted: the answer is 409, naming them.

const (
	opCreateNetwork = "create_network"
	opDeleteNetwork = "delete_network"
)

// labelDeployment keeps the deployment a network was made for.
const labelDeployment = "esc/deployment"

// maxNetworkName is the seed's bound on network and subnet names.
const maxNetworkName = 255

// locatorBody places a network at one VIM connector.
type locatorBody struct {
	VimID        string `xml:"vim_id,omitempty" json:"vim_id,omitempty"`
	VimType      string `xml:"vim_type,omitempty" json:"vim_type,omitempty"`
	VimProject   string `xml:"vim_project,omitempty" json:"vim_project,omitempty"`
	VimProjectID string `xml:"vim_project_id,omitempty" json:"vim_project_id,omitempty"`
	VimRegion    string `xml:"vim_region,omitempty" json:"vim_region,omitempty"`
	VimVDC       string `xml:"vim_vdc,omitempty" json:"vim_vdc,omitempty"`
}

// switchLocator is a VMware network's place.
type switchLocator struct {
	Datacenter string `xml:"datacenter,omitempty" json:"datacenter,omitempty"`
	SwitchName string `xml:"switch_name,omitempty" json:"switch_name,omitempty"`
}

// networkBody is a network on the wire, both ways, in the order of the
// seed's model. subnet lists the internal IDs of the network's subnets
// (rendered only). XMLName carries no element name, so that a subnet's
// networkFromCdg can be one too: views set it, and createNetwork checks
// the root's.
type networkBody struct {
	XMLName                 xml.Name       `json:"-"`
	Xmlns                   string         `xml:"xmlns,attr,omitempty" json:"-"`
	Locator                 *locatorBody   `xml:"locator,omitempty" json:"locator,omitempty"`
	VimNetName              string         `xml:"vimNetName,omitempty" json:"vimNetName,omitempty"`
	InternalTenantID        string         `xml:"internal_tenant_id,omitempty" json:"internal_tenant_id,omitempty"`
	InternalNetworkID       string         `xml:"internal_network_id,omitempty" json:"internal_network_id,omitempty"`
	InternalDeploymentID    string         `xml:"internal_deployment_id,omitempty" json:"internal_deployment_id,omitempty"`
	Name                    string         `xml:"name,omitempty" json:"name,omitempty"`
	Shared                  *bool          `xml:"shared" json:"shared,omitempty"`
	ExternalTenantID        string         `xml:"external_tenant_id,omitempty" json:"external_tenant_id,omitempty"`
	TenantName              string         `xml:"tenant_name,omitempty" json:"tenant_name,omitempty"`
	ExternalNetworkID       string         `xml:"external_network_id,omitempty" json:"external_network_id,omitempty"`
	Subnet                  []string       `xml:"subnet" json:"subnet,omitempty"`
	AdminStateUp            *bool          `xml:"admin_state_up" json:"admin_state_up,omitempty"`
	Locators                *switchLocator `xml:"locators,omitempty" json:"locators,omitempty"`
	EventType               string         `xml:"event_type,omitempty" json:"event_type,omitempty"`
	ProviderSegmentationID  string         `xml:"provider_segmentation_id,omitempty" json:"provider_segmentation_id,omitempty"`
	RouterExternal          *bool          `xml:"router_external" json:"router_external,omitempty"`
	ProviderPhysicalNetwork string         `xml:"provider_physical_network,omitempty" json:"provider_physical_network,omitempty"`
	ProviderNetworkType     string         `xml:"provider_network_type,omitempty" json:"provider_network_type,omitempty"`
	VlanID                  *int64         `xml:"vlan_id" json:"vlan_id,omitempty"`
	SwitchName              string         `xml:"switch_name,omitempty" json:"switch_name,omitempty"`
	NumberOfPorts           *int64         `xml:"number_of_ports" json:"number_of_ports,omitempty"`
}

// networkList is GET /v0/{tenant}/networks in XML (JSON: a bare array).
type networkList struct {
	XMLName  xml.Name      `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 networks"`
	Networks []networkBody `xml:"network"`
}

// networkView renders a network with the internal IDs of its subnets.
func networkView(r *resource.Resource, event string, subnets []string) networkBody {
	no, yes := false, true
	b := networkBody{XMLName: xml.Name{Local: "network"}, Xmlns: netconfNS, EventType: event, Name: r.Name, InternalNetworkID: r.ID,
		InternalTenantID: r.Tenant, ExternalTenantID: r.Tenant, ExternalNetworkID: externalIDOf(r),
		InternalDeploymentID: r.Labels[labelDeployment], Subnet: subnets,
		Shared: &no, AdminStateUp: &yes, RouterExternal: &no}
	if r.Placement != nil && len(r.Placement.Locations) == 1 {
		b.Locator = &locatorBody{VimID: r.Placement.Locations[0]}
	}
	return b
}

var networkKind = made{kind: resource.KindNetwork, what: "Network", created: "Network successfully created",
	deleted: "Network successfully deleted", createEvent: "CREATE_NETWORK", deleteEvent: "DELETE_NETWORK",
	opCreate: opCreateNetwork, opDelete: opDeleteNetwork,
	view: func(r *resource.Resource, event string) any { return networkView(r, event, nil) },
	gone: func(id, event string) any {
		return networkBody{XMLName: xml.Name{Local: "network"}, Xmlns: netconfNS, InternalNetworkID: id, EventType: event}
	},
}

func (a *api) networkArea() area {
	return area{
		routes: []route{
			{"GET", "/{tenant}/networks", a.listNetworks},
			{"GET", "/{tenant}/networks/{network}", a.getNetwork},
			{"POST", "/{tenant}/networks/{network}", a.createNetwork},
			{"DELETE", "/{tenant}/networks/{network}", a.deleteNetwork},
		},
		outcomes: map[string]outcome{opCreateNetwork: networkKind.outcome, opDeleteNetwork: networkKind.outcome},
	}
}

// subnetsByNetwork lists the internal IDs of the ESC subnets of a tenant,
// by network (one query).
func (a *api) subnetsByNetwork(r *http.Request, tenant string, network string) (map[string][]string, error) {
	f := store.Filter{Kind: resource.KindSubnet, Tenant: tenant, Labels: map[string]string{labelCreated: "true"}}
	if network != "" {
		f.Fields = map[string]string{"network_id": network}
	}
	page, err := a.b.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, s := range page.Items {
		if spec, ok := s.Spec.(*resource.Subnet); ok {
			out[spec.NetworkID] = append(out[spec.NetworkID], s.ID)
		}
	}
	return out, nil
}

func (a *api) listNetworks(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	items, err := a.listMade(r, resource.KindNetwork, ten.ID)
	if err != nil {
		return err
	}
	subs, err := a.subnetsByNetwork(r, ten.ID, "")
	if err != nil {
		return err
	}
	views := make([]networkBody, 0, len(items))
	for _, it := range items {
		views = append(views, networkView(it, "", subs[it.ID]))
	}
	f, _ := responseFormat(r)
	if f == formatJSON {
		return write(w, http.StatusOK, f, views)
	}
	return write(w, http.StatusOK, f, networkList{Networks: views})
}

func (a *api) getNetwork(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	n, err := a.fetchMade(r, networkKind, r.PathValue("network"), ten.ID)
	if err != nil {
		return err
	}
	subs, err := a.subnetsByNetwork(r, ten.ID, n.ID)
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, networkView(n, "", subs[n.ID]))
}

func (a *api) createNetwork(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r) // a member's own only
	if err != nil {
		return err
	}
	id := r.PathValue("network")
	if err := checkInternalID("internal_network_id", id); err != nil {
		return err
	}
	var in networkBody
	if err := a.readBody(w, r, &in, "network"); err != nil {
		return err
	}
	if in.XMLName.Local != "" && in.XMLName.Local != "network" {
		return resource.Errorf(resource.Invalid, "the network is not valid for this request: expected element type <network> but have <%s>", in.XMLName.Local)
	}
	res, err := a.networkResource(r, id, ten, &in)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opCreateNetwork)
	if err != nil {
		return err
	}
	out, err := a.createMade(r, res)
	if err != nil {
		return err
	}
	return a.accept(w, r, t, out.Tenant, out.Ref, networkView(out, "CREATE_NETWORK", nil))
}

// networkResource checks a network body and makes the resource it asks
// for, in tenant ten.
func (a *api) networkResource(r *http.Request, id string, ten *resource.Resource, in *networkBody) (*resource.Resource, error) {
	if err := checkEcho(in.InternalNetworkID, id, "internal_network_id", "the network in the path"); err != nil {
		return nil, err
	}
	if err := checkOwner(in.InternalTenantID, in.ExternalTenantID, ten.ID); err != nil {
		return nil, err
	}
	if err := checkEcho(in.TenantName, ten.Name, "tenant_name", "the name of the tenant in the path"); err != nil {
		return nil, err
	}
	if err := checkNetworkName(in.Name); err != nil {
		return nil, err
	}
	switch {
	case in.ExternalNetworkID != "" || in.VimNetName != "":
		return nil, resource.InvalidField("external_network_id", "this server does not adopt networks that exist in a VIM (external_network_id, vimNetName)")
	case len(in.Subnet) > 0:
		return nil, resource.InvalidField("subnet", "make a network's subnets with POST /{tenant}/subnets/{subnet}, naming the network")
	case in.Shared != nil && *in.Shared:
		return nil, resource.InvalidField("shared", "is not supported: orca's networks belong to one tenant")
	case in.AdminStateUp != nil && !*in.AdminStateUp:
		return nil, resource.InvalidField("admin_state_up", "is not supported: orca's networks are always up")
	case in.RouterExternal != nil && *in.RouterExternal:
		return nil, resource.InvalidField("router_external", "is not supported: orca does not make external networks")
	case in.ProviderNetworkType != "" || in.ProviderPhysicalNetwork != "" || in.ProviderSegmentationID != "" || in.VlanID != nil:
		return nil, resource.InvalidField("provider_network_type", "is not supported: orca does not make provider (flat, VLAN) networks; the VIM chooses the segmentation")
	case in.Locators != nil || in.SwitchName != "" || in.NumberOfPorts != nil:
		return nil, resource.InvalidField("locators", "is not supported: orca does not make networks on VMware switches (locators, switch_name, number_of_ports)")
	case in.InternalDeploymentID != "" && resource.CheckID(in.InternalDeploymentID) != nil:
		return nil, resource.InvalidField("internal_deployment_id", "%q is not an internal ID", in.InternalDeploymentID)
	}
	placement, err := a.locate(r, in.Locator)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{labelCreated: "true"}
	if in.InternalDeploymentID != "" {
		labels[labelDeployment] = in.InternalDeploymentID
	}
	name := in.Name
	if name == "" {
		name = id
	}
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: id}, Tenant: ten.ID, Name: name,
		Labels: labels, Placement: placement, Spec: &resource.Network{}}, nil
}

func checkNetworkName(name string) error {
	if n := utf8.RuneCountInString(name); n > maxNetworkName || (name != "" && strings.TrimSpace(name) == "") {
		return resource.InvalidField("name", "a name has 1 to %d characters", maxNetworkName)
	}
	return nil
}

// locate turns a locator into a placement at its VIM connector: nil (every
// location) without one; 404 naming an unknown connector; 400 for a
// locator the connector does not match.
func (a *api) locate(r *http.Request, l *locatorBody) (*resource.Placement, error) {
	if l == nil {
		return nil, nil
	}
	if l.VimID == "" {
		return nil, resource.InvalidField("locator.vim_id", "required: the VIM connector to make the network at")
	}
	loc, err := a.fetchVIM(r.Context(), l.VimID)
	if err != nil {
		return nil, err
	}
	spec, err := vimLocationSpec(loc)
	if err != nil {
		return nil, err
	}
	mismatch := func(field, given, has string) error {
		return resource.InvalidField("locator."+field, "%q is not VIM connector %s's (%q)", given, l.VimID, has)
	}
	switch {
	case l.VimType != "" && l.VimType != vimType(spec):
		return nil, mismatch("vim_type", l.VimType, vimType(spec))
	case l.VimProject != "" && l.VimProject != loc.Labels[labelVIMProject]:
		return nil, mismatch("vim_project", l.VimProject, loc.Labels[labelVIMProject])
	case l.VimProjectID != "" && l.VimProjectID != loc.Labels[labelVIMProjectID]:
		return nil, mismatch("vim_project_id", l.VimProjectID, loc.Labels[labelVIMProjectID])
	case l.VimRegion != "" && l.VimRegion != spec.Region:
		return nil, mismatch("vim_region", l.VimRegion, spec.Region)
	case l.VimVDC != "":
		return nil, resource.InvalidField("locator.vim_vdc", "is not supported: orca has no vCloud Director connectors")
	}
	return &resource.Placement{Locations: []string{loc.ID}}, nil
}

// deleteNetwork deletes a network that has no subnets left; one with
// subnets is refused (409, naming them), before any transaction begins.
func (a *api) deleteNetwork(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	n, err := a.fetchMade(r, networkKind, r.PathValue("network"), ten.ID)
	if err != nil {
		return err
	}
	subs, err := a.subnetsByNetwork(r, ten.ID, n.ID)
	if err != nil {
		return err
	}
	if left := subs[n.ID]; len(left) > 0 {
		return resource.Errorf(resource.Conflict, "Network %s has subnets (%s): delete them first", n.ID, strings.Join(left, ", "))
	}
	return a.deleteMade(w, r, networkKind, n.ID, ten.ID)
}
