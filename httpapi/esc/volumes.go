package esc

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// An ESC volume is an orca volume of the tenant in the path; a member may
// make volumes in their own tenant. size and sizeunit are converted to
// orca's unit, GiB, rounded up (a volume is never smaller than asked) and
// answered back in GiB; sizeunit defaults to GiB. image names an orca
// image the tenant may use (its own, or a public one), which makes the
// volume bootable. volid, the volume's place among a VM's volumes, is
// kept as the label esc/volid. Volumes that exist in a VIM already
// (outOfBand, external_volume_id) are not adopted, and format,
// storageLocation and bootIndex, which orca's volumes do not have, are
// refused rather than ignored.

const (
	opCreateVolume = "create_volume"
	opDeleteVolume = "delete_volume"
)

// labelVolID keeps the volume's volid.
const labelVolID = "esc/volid"

// volumeUnits are the units of sizeunit, in bytes, in the order error
// messages list them.
var volumeUnits = []struct {
	name  string
	bytes int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}}

// volumeSize is the seed's size: a string in its model, which JSON
// clients may also send as a number.
type volumeSize string

func (s *volumeSize) UnmarshalJSON(data []byte) error {
	if bytes.HasPrefix(data, []byte(`"`)) {
		return json.Unmarshal(data, (*string)(s))
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return resource.InvalidField("size", "must be a number or a string of digits")
	}
	*s = volumeSize(n)
	return nil
}

// volumeBody is a volume on the wire, both ways, in the order of the
// seed's model.
type volumeBody struct {
	XMLName          xml.Name   `xml:"volume" json:"-"`
	Xmlns            string     `xml:"xmlns,attr,omitempty" json:"-"`
	ExternalVolumeID string     `xml:"external_volume_id,omitempty" json:"external_volume_id,omitempty"`
	Size             volumeSize `xml:"size,omitempty" json:"size,omitempty"`
	SizeUnit         string     `xml:"sizeunit,omitempty" json:"sizeunit,omitempty"`
	Bus              string     `xml:"bus,omitempty" json:"bus,omitempty"`
	Type             string     `xml:"type,omitempty" json:"type,omitempty"`
	OutOfBand        *bool      `xml:"outOfBand" json:"outOfBand,omitempty"`
	BootIndex        string     `xml:"bootIndex,omitempty" json:"bootIndex,omitempty"`
	Name             string     `xml:"name,omitempty" json:"name,omitempty"`
	Format           string     `xml:"format,omitempty" json:"format,omitempty"`
	StorageLocation  string     `xml:"storageLocation,omitempty" json:"storageLocation,omitempty"`
	ExternalTenantID string     `xml:"external_tenant_id,omitempty" json:"external_tenant_id,omitempty"`
	InternalTenantID string     `xml:"internal_tenant_id,omitempty" json:"internal_tenant_id,omitempty"`
	InternalVolumeID string     `xml:"internal_volume_id,omitempty" json:"internal_volume_id,omitempty"`
	VolID            *int64     `xml:"volid" json:"volid,omitempty"`
	EventType        string     `xml:"event_type,omitempty" json:"event_type,omitempty"`
	Image            string     `xml:"image,omitempty" json:"image,omitempty"`
}

// volumeList is GET /v0/{tenant}/volumes in XML (JSON: a bare array).
type volumeList struct {
	XMLName xml.Name     `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 volumes"`
	Volumes []volumeBody `xml:"volume"`
}

// volumeView renders a volume.
func volumeView(r *resource.Resource, event string) volumeBody {
	b := volumeBody{Xmlns: netconfNS, EventType: event, Name: r.Name, InternalVolumeID: r.ID,
		InternalTenantID: r.Tenant, ExternalTenantID: r.Tenant, ExternalVolumeID: externalIDOf(r)}
	if spec, ok := r.Spec.(*resource.Volume); ok {
		b.Size, b.SizeUnit = volumeSize(strconv.FormatInt(spec.SizeGB, 10)), "GiB"
		b.Bus, b.Type, b.Image = spec.Bus, spec.VolumeType, spec.ImageID
	}
	if v, err := strconv.ParseInt(r.Labels[labelVolID], 10, 64); err == nil {
		b.VolID = &v
	}
	return b
}

var volumeKind = made{kind: resource.KindVolume, what: "Volume", created: "Volume successfully created",
	deleted: "Volume successfully deleted", createEvent: "CREATE_VOLUME", deleteEvent: "DELETE_VOLUME",
	opCreate: opCreateVolume, opDelete: opDeleteVolume,
	view: func(r *resource.Resource, event string) any { return volumeView(r, event) },
	gone: func(id, event string) any {
		return volumeBody{Xmlns: netconfNS, InternalVolumeID: id, EventType: event}
	},
}

func (a *api) volumeArea() area {
	return area{
		routes: []route{
			{"GET", "/{tenant}/volumes", a.listVolumes},
			{"GET", "/{tenant}/volumes/{volume}", a.getVolume},
			{"POST", "/{tenant}/volumes/{volume}", a.createVolume},
			{"DELETE", "/{tenant}/volumes/{volume}", a.deleteVolume},
		},
		outcomes: map[string]outcome{opCreateVolume: volumeKind.outcome, opDeleteVolume: volumeKind.outcome},
	}
}

func (a *api) listVolumes(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	items, err := a.listMade(r, resource.KindVolume, ten.ID)
	if err != nil {
		return err
	}
	views := make([]volumeBody, 0, len(items))
	for _, it := range items {
		views = append(views, volumeView(it, ""))
	}
	f, _ := responseFormat(r)
	if f == formatJSON {
		return write(w, http.StatusOK, f, views)
	}
	return write(w, http.StatusOK, f, volumeList{Volumes: views})
}

func (a *api) getVolume(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	v, err := a.fetchMade(r, volumeKind, r.PathValue("volume"), ten.ID)
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, volumeView(v, ""))
}

func (a *api) createVolume(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r) // a member's own only
	if err != nil {
		return err
	}
	id := r.PathValue("volume")
	if err := checkInternalID("internal_volume_id", id); err != nil {
		return err
	}
	var in volumeBody
	if err := a.readBody(w, r, &in, "volume"); err != nil {
		return err
	}
	res, err := volumeResource(id, ten.ID, &in)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opCreateVolume)
	if err != nil {
		return err
	}
	out, err := a.createMade(r, res)
	if resource.FieldOf(err) == "image_id" {
		// The store names orca's field; say it in ESC's words.
		if resource.CodeOf(err) == resource.Conflict {
			return &resource.Error{Code: resource.Conflict, Field: "image", Err: fmt.Errorf("image: %q is being deleted", in.Image)}
		}
		return resource.InvalidField("image", "no image %q that tenant %s may use", in.Image, ten.ID)
	}
	if err != nil {
		return err
	}
	return a.accept(w, r, t, out.Tenant, out.Ref, volumeView(out, "CREATE_VOLUME"))
}

// volumeResource checks a volume body and makes the resource it asks for,
// in tenant.
func volumeResource(id, tenant string, in *volumeBody) (*resource.Resource, error) {
	if err := checkEcho(in.InternalVolumeID, id, "internal_volume_id", "the volume in the path"); err != nil {
		return nil, err
	}
	if err := checkOwner(in.InternalTenantID, in.ExternalTenantID, tenant); err != nil {
		return nil, err
	}
	switch {
	case in.ExternalVolumeID != "" || in.OutOfBand != nil && *in.OutOfBand:
		return nil, resource.InvalidField("outOfBand", "this server does not adopt volumes that exist in a VIM (outOfBand, external_volume_id)")
	case in.Format != "":
		return nil, resource.InvalidField("format", "is not supported: orca's volumes have no format")
	case in.StorageLocation != "":
		return nil, resource.InvalidField("storageLocation", "is not supported: a volume is made at every location of its tenant's VIMs")
	case in.BootIndex != "":
		return nil, resource.InvalidField("bootIndex", "is not supported on a volume alone; boot order belongs to a deployment's VM")
	case in.VolID != nil && *in.VolID < 0:
		return nil, resource.InvalidField("volid", "%d is negative", *in.VolID)
	case in.Type != strings.TrimSpace(in.Type) || len(in.Type) > resource.MaxIDLen:
		return nil, resource.InvalidField("type", "a volume type's name has at most %d characters and no leading or trailing spaces", resource.MaxIDLen)
	}
	gib, err := volumeGiB(in.Size, in.SizeUnit)
	if err != nil {
		return nil, err
	}
	if in.Image != "" && resource.CheckID(in.Image) != nil {
		return nil, resource.InvalidField("image", "%q is not an image ID", in.Image)
	}
	labels := map[string]string{labelCreated: "true"}
	if in.VolID != nil {
		labels[labelVolID] = strconv.FormatInt(*in.VolID, 10)
	}
	name := in.Name
	if name == "" {
		name = id
	}
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindVolume, ID: id}, Tenant: tenant, Name: name, Labels: labels,
		Spec: &resource.Volume{SizeGB: gib, VolumeType: in.Type, ImageID: in.Image, Bus: in.Bus}}, nil
}

// volumeGiB converts a size in a unit to whole GiB, rounded up.
func volumeGiB(size volumeSize, unit string) (int64, error) {
	if unit == "" {
		unit = "GiB"
	}
	var per int64
	names := make([]string, 0, len(volumeUnits))
	for _, u := range volumeUnits {
		names = append(names, u.name)
		if u.name == unit {
			per = u.bytes
		}
	}
	if per == 0 {
		return 0, resource.InvalidField("sizeunit", "%q is not one of %s", unit, strings.Join(names, ", "))
	}
	if size == "" {
		return 0, resource.InvalidField("size", "required")
	}
	n, err := strconv.ParseInt(string(size), 10, 64)
	if err != nil || n < 1 {
		return 0, resource.InvalidField("size", "%q is not a whole number of %s, 1 or more", size, unit)
	}
	const maxBytes = resource.MaxVolumeGB << 30
	if n > maxBytes/per {
		return 0, resource.InvalidField("size", "%d %s is more than %d GiB", n, unit, resource.MaxVolumeGB)
	}
	return (n*per + 1<<30 - 1) >> 30, nil
}

func (a *api) deleteVolume(w http.ResponseWriter, r *http.Request) error {
	ten, err := a.fetchTenant(r)
	if err != nil {
		return err
	}
	return a.deleteMade(w, r, volumeKind, r.PathValue("volume"), ten.ID)
}
