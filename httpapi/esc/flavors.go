package esc

import (
	"encoding/xml"
	"math"
	"net/http"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// An ESC flavor is an orca flavor. Like images, flavors are not per tenant
// in ESC: only an administrator creates them, in their own tenant, and
// every tenant may use them (resource.Flavor.SharedWithAllTenants). ESC
// sizes disks in MB, orca (and Nova) in GB: root_disk_mb,
// ephemeral_disk_mb and swap_disk_mb are rounded up to whole GB (1 GB =
// 1024 MB, as Nova counts), so a flavor is never smaller than asked, and
// are answered back as orca holds them (1500 MB reads 2048).

const (
	opCreateFlavor = "create_flavor"
	opDeleteFlavor = "delete_flavor"
)

// flavorBody is a flavor on the wire, both ways, in the order of the
// seed's callback.
type flavorBody struct {
	XMLName          xml.Name `xml:"flavor" json:"-"`
	Xmlns            string   `xml:"xmlns,attr,omitempty" json:"-"`
	Description      string   `xml:"description,omitempty" json:"description,omitempty"`
	EphemeralDiskMB  *int64   `xml:"ephemeral_disk_mb" json:"ephemeral_disk_mb,omitempty"`
	EventType        string   `xml:"event_type,omitempty" json:"event_type,omitempty"`
	ExternalFlavorID string   `xml:"external_flavor_id,omitempty" json:"external_flavor_id,omitempty"`
	Name             string   `xml:"name,omitempty" json:"name,omitempty"`
	InternalFlavorID string   `xml:"internal_flavor_id,omitempty" json:"internal_flavor_id,omitempty"`
	MemoryMB         *int64   `xml:"memory_mb" json:"memory_mb,omitempty"`
	RootDiskMB       *int64   `xml:"root_disk_mb" json:"root_disk_mb,omitempty"`
	SwapDiskMB       *int64   `xml:"swap_disk_mb" json:"swap_disk_mb,omitempty"`
	VCPUs            *int64   `xml:"vcpus" json:"vcpus,omitempty"`
}

// flavorList is GET /v0/flavors in XML (JSON: a bare array).
type flavorList struct {
	XMLName xml.Name     `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 flavors"`
	Flavors []flavorBody `xml:"flavor"`
}

// flavorView renders a flavor.
func flavorView(r *resource.Resource, event string) flavorBody {
	b := flavorBody{Xmlns: netconfNS, EventType: event, Name: r.Name, InternalFlavorID: r.ID, ExternalFlavorID: externalIDOf(r)}
	if spec, ok := r.Spec.(*resource.Flavor); ok {
		n := func(v int64) *int64 { return &v }
		b.Description = spec.Description
		b.VCPUs, b.MemoryMB = n(spec.VCPUs), n(spec.RAM)
		b.RootDiskMB, b.EphemeralDiskMB, b.SwapDiskMB = n(spec.Disk*1024), n(spec.Ephemeral*1024), n(spec.Swap*1024)
	}
	return b
}

var flavorKind = made{kind: resource.KindFlavor, what: "Flavor",
	created: "Flavor creation completed successfully created", // the seed's words
	deleted: "Flavor successfully deleted", createEvent: "CREATE_FLAVOR", deleteEvent: "DELETE_FLAVOR",
	opCreate: opCreateFlavor, opDelete: opDeleteFlavor,
	view: func(r *resource.Resource, event string) any { return flavorView(r, event) },
	gone: func(id, event string) any {
		return flavorBody{Xmlns: netconfNS, InternalFlavorID: id, EventType: event}
	},
}

func (a *api) flavorArea() area {
	return area{
		routes: []route{
			{"GET", "/flavors", a.listFlavors},
			{"GET", "/flavors/{flavor}", a.getFlavor},
			{"POST", "/flavors/{flavor}", a.createFlavor},
			{"DELETE", "/flavors/{flavor}", a.deleteFlavor},
		},
		outcomes: map[string]outcome{opCreateFlavor: flavorKind.outcome, opDeleteFlavor: flavorKind.outcome},
	}
}

func (a *api) listFlavors(w http.ResponseWriter, r *http.Request) error {
	items, err := a.listMade(r, resource.KindFlavor, "")
	if err != nil {
		return err
	}
	views := make([]flavorBody, 0, len(items))
	for _, it := range items {
		views = append(views, flavorView(it, ""))
	}
	f, _ := responseFormat(r)
	if f == formatJSON {
		return write(w, http.StatusOK, f, views)
	}
	return write(w, http.StatusOK, f, flavorList{Flavors: views})
}

func (a *api) getFlavor(w http.ResponseWriter, r *http.Request) error {
	fl, err := a.fetchMade(r, flavorKind, r.PathValue("flavor"), "")
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, flavorView(fl, ""))
}

func (a *api) createFlavor(w http.ResponseWriter, r *http.Request) error {
	p := dialect.Caller(r)
	if !p.IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators create flavors (ESC's flavors serve every tenant)")
	}
	id := r.PathValue("flavor")
	if err := checkInternalID("internal_flavor_id", id); err != nil {
		return err
	}
	var in flavorBody
	if err := a.readBody(w, r, &in, "flavor"); err != nil {
		return err
	}
	res, err := flavorResource(id, p.TenantID, &in)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opCreateFlavor)
	if err != nil {
		return err
	}
	out, err := a.createMade(r, res)
	if err != nil {
		return err
	}
	return a.accept(w, r, t, out.Tenant, out.Ref, flavorView(out, "CREATE_FLAVOR"))
}

// flavorResource checks a flavor body and makes the resource it asks for,
// owned by tenant.
func flavorResource(id, tenant string, in *flavorBody) (*resource.Resource, error) {
	if err := checkEcho(in.InternalFlavorID, id, "internal_flavor_id", "the flavor in the path"); err != nil {
		return nil, err
	}
	if in.ExternalFlavorID != "" {
		return nil, resource.InvalidField("external_flavor_id", "is the VIM's ID of the flavor; this server does not adopt flavors that exist in a VIM")
	}
	spec := &resource.Flavor{Description: in.Description}
	var err error
	if spec.VCPUs, err = flavorNumber("vcpus", in.VCPUs, 1); err != nil {
		return nil, err
	}
	if spec.RAM, err = flavorNumber("memory_mb", in.MemoryMB, 1); err != nil {
		return nil, err
	}
	for _, d := range []struct {
		field string
		mb    *int64
		gb    *int64
	}{{"root_disk_mb", in.RootDiskMB, &spec.Disk}, {"ephemeral_disk_mb", in.EphemeralDiskMB, &spec.Ephemeral}, {"swap_disk_mb", in.SwapDiskMB, &spec.Swap}} {
		if d.mb == nil {
			continue
		}
		if _, err := flavorNumber(d.field, d.mb, 0); err != nil {
			return nil, err
		}
		*d.gb = (*d.mb + 1023) / 1024 // rounded up: never smaller than asked
	}
	name := in.Name
	if name == "" {
		name = id
	}
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindFlavor, ID: id}, Tenant: tenant, Name: name,
		Labels: map[string]string{labelCreated: "true"}, Spec: spec}, nil
}

// flavorNumber checks a required number of at least lo, within what Nova holds
// (a 32-bit integer).
func flavorNumber(field string, v *int64, lo int64) (int64, error) {
	switch {
	case v == nil && lo > 0:
		return 0, resource.InvalidField(field, "required")
	case v == nil:
		return 0, nil
	case *v < lo || *v > math.MaxInt32:
		return 0, resource.InvalidField(field, "%d is not in %d..%d", *v, lo, math.MaxInt32)
	}
	return *v, nil
}

func (a *api) deleteFlavor(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators delete flavors")
	}
	return a.deleteMade(w, r, flavorKind, r.PathValue("flavor"), "")
}
