package esc

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// An ESC image is an orca image. ESC's images are not per tenant: only an
// administrator creates them, in their own tenant, and a public one (the
// default) serves every tenant (resource.Image.SharedWithAllTenants). src
// is the image's URL, judged by Options.Fetches before anything is
// stored. Formats default to ESC's own, qcow2 in bare. What orca's Image
// has no field for is kept as labels and answered back, but not passed to
// the VIM: disk_bus, e1000_net, virtio_net (esc/...) and each property
// (esc/prop/<name>; Glance would hold them as image metadata).

const (
	opCreateImage = "create_image"
	opDeleteImage = "delete_image"
)

// Labels of the image attributes orca has no field for.
const (
	labelDiskBus    = "esc/disk_bus"
	labelE1000Net   = "esc/e1000_net"
	labelVirtioNet  = "esc/virtio_net"
	labelPropPrefix = "esc/prop/"
)

// imageDiskBuses are the seed's disk buses.
var imageDiskBuses = []string{"ide", "scsi", "virtio"}

// maxImageProperties leaves room under resource.MaxLabels for the others.
const maxImageProperties = resource.MaxLabels - 8

// maxPropertyName fits a property's name in a label key.
const maxPropertyName = 63 - len(labelPropPrefix)

type imageProperty struct {
	Name  string `xml:"name" json:"name"`
	Value string `xml:"value" json:"value"`
}

type imageProperties struct {
	Property []imageProperty `xml:"property" json:"property"`
}

// imageBody is an image on the wire, both ways, in the order of the seed's
// callback.
type imageBody struct {
	XMLName          xml.Name         `xml:"image" json:"-"`
	Xmlns            string           `xml:"xmlns,attr,omitempty" json:"-"`
	ContainerFormat  string           `xml:"container_format,omitempty" json:"container_format,omitempty"`
	DiskBus          string           `xml:"disk_bus,omitempty" json:"disk_bus,omitempty"`
	DiskFormat       string           `xml:"disk_format,omitempty" json:"disk_format,omitempty"`
	E1000Net         *bool            `xml:"e1000_net" json:"e1000_net,omitempty"`
	EventType        string           `xml:"event_type,omitempty" json:"event_type,omitempty"`
	ExternalImageID  string           `xml:"external_image_id,omitempty" json:"external_image_id,omitempty"`
	ExternalTenantID string           `xml:"external_tenant_id,omitempty" json:"external_tenant_id,omitempty"`
	ImageIsEnabled   *bool            `xml:"imageisenabled" json:"imageisenabled,omitempty"`
	Name             string           `xml:"name,omitempty" json:"name,omitempty"`
	InternalImageID  string           `xml:"internal_image_id,omitempty" json:"internal_image_id,omitempty"`
	InternalTenantID string           `xml:"internal_tenant_id,omitempty" json:"internal_tenant_id,omitempty"`
	Visibility       string           `xml:"visibility,omitempty" json:"visibility,omitempty"`
	Src              string           `xml:"src,omitempty" json:"src,omitempty"`
	VirtioNet        *bool            `xml:"virtio_net" json:"virtio_net,omitempty"`
	Properties       *imageProperties `xml:"properties" json:"properties,omitempty"`
}

// imageList is GET /v0/images in XML (JSON: a bare array).
type imageList struct {
	XMLName xml.Name    `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 images"`
	Images  []imageBody `xml:"image"`
}

// imageView renders an image.
func imageView(r *resource.Resource, event string) imageBody {
	enabled := true
	b := imageBody{
		Xmlns: netconfNS, EventType: event, Name: r.Name, InternalImageID: r.ID,
		InternalTenantID: r.Tenant, ExternalTenantID: r.Tenant, ExternalImageID: externalIDOf(r),
		DiskBus: r.Labels[labelDiskBus], ImageIsEnabled: &enabled,
		E1000Net:  boolLabel(r.Labels, labelE1000Net, false),
		VirtioNet: boolLabel(r.Labels, labelVirtioNet, false),
	}
	if spec, ok := r.Spec.(*resource.Image); ok {
		b.Src, b.Visibility, b.DiskFormat, b.ContainerFormat = spec.URL, spec.Visibility, spec.DiskFormat, spec.ContainerFormat
	}
	var props []imageProperty
	for k, v := range r.Labels {
		if name, ok := strings.CutPrefix(k, labelPropPrefix); ok {
			props = append(props, imageProperty{name, v})
		}
	}
	if len(props) > 0 {
		slices.SortFunc(props, func(x, y imageProperty) int { return strings.Compare(x.Name, y.Name) })
		b.Properties = &imageProperties{props}
	}
	return b
}

var imageKind = made{kind: resource.KindImage, what: "Image", created: "Image successfully created",
	deleted: "Image successfully deleted", createEvent: "CREATE_IMAGE", deleteEvent: "DELETE_IMAGE",
	opCreate: opCreateImage, opDelete: opDeleteImage,
	view: func(r *resource.Resource, event string) any { return imageView(r, event) },
	gone: func(id, event string) any { return imageBody{Xmlns: netconfNS, InternalImageID: id, EventType: event} },
}

func (a *api) imageArea() area {
	return area{
		routes: []route{
			{"GET", "/images", a.listImages},
			{"GET", "/images/{image}", a.getImage},
			{"POST", "/images/{image}", a.createImage},
			{"DELETE", "/images/{image}", a.deleteImage},
		},
		outcomes: map[string]outcome{opCreateImage: imageKind.outcome, opDeleteImage: imageKind.outcome},
	}
}

func (a *api) listImages(w http.ResponseWriter, r *http.Request) error {
	items, err := a.listMade(r, resource.KindImage, "")
	if err != nil {
		return err
	}
	views := make([]imageBody, 0, len(items))
	for _, it := range items {
		views = append(views, imageView(it, ""))
	}
	f, _ := responseFormat(r)
	if f == formatJSON {
		return write(w, http.StatusOK, f, views)
	}
	return write(w, http.StatusOK, f, imageList{Images: views})
}

func (a *api) getImage(w http.ResponseWriter, r *http.Request) error {
	img, err := a.fetchMade(r, imageKind, r.PathValue("image"), "")
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, imageView(img, ""))
}

func (a *api) createImage(w http.ResponseWriter, r *http.Request) error {
	p := dialect.Caller(r)
	if !p.IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators create images (ESC's images serve every tenant)")
	}
	id := r.PathValue("image")
	if err := checkInternalID("internal_image_id", id); err != nil {
		return err
	}
	var in imageBody
	if err := a.readBody(w, r, &in, "image"); err != nil {
		return err
	}
	res, err := a.imageResource(id, p.TenantID, &in)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opCreateImage)
	if err != nil {
		return err
	}
	out, err := a.createMade(r, res)
	if err != nil {
		return err
	}
	return a.accept(w, r, t, out.Tenant, out.Ref, imageView(out, "CREATE_IMAGE"))
}

// imageResource checks an image body and makes the resource it asks for,
// owned by tenant.
func (a *api) imageResource(id, tenant string, in *imageBody) (*resource.Resource, error) {
	if err := checkEcho(in.InternalImageID, id, "internal_image_id", "the image in the path"); err != nil {
		return nil, err
	}
	if err := checkOwner(in.InternalTenantID, in.ExternalTenantID, tenant); err != nil {
		return nil, err
	}
	switch {
	case in.ExternalImageID != "":
		return nil, resource.InvalidField("external_image_id", "is the VIM's ID of the image; this server does not adopt images that exist in a VIM")
	case in.ImageIsEnabled != nil && !*in.ImageIsEnabled:
		return nil, resource.InvalidField("imageisenabled", "an image is enabled once created; disabled images are not supported")
	case in.Src == "":
		return nil, resource.InvalidField("src", "an image needs the URL of its file")
	case in.DiskBus != "" && !slices.Contains(imageDiskBuses, in.DiskBus):
		return nil, resource.InvalidField("disk_bus", "%q is not one of %s", in.DiskBus, strings.Join(imageDiskBuses, ", "))
	}
	if _, err := a.opts.Fetches.CheckURL(in.Src); err != nil {
		// A refused destination is the request's fault, as for callbacks.
		return nil, &resource.Error{Code: resource.Invalid, Field: "src", Err: fmt.Errorf("src: %w", err)}
	}
	labels := map[string]string{labelCreated: "true"}
	if in.DiskBus != "" {
		labels[labelDiskBus] = in.DiskBus
	}
	for key, v := range map[string]*bool{labelE1000Net: in.E1000Net, labelVirtioNet: in.VirtioNet} {
		if v != nil {
			labels[key] = strconv.FormatBool(*v)
		}
	}
	if err := propertyLabels(labels, in.Properties); err != nil {
		return nil, err
	}
	spec := &resource.Image{URL: in.Src, Visibility: in.Visibility, DiskFormat: in.DiskFormat, ContainerFormat: in.ContainerFormat}
	if spec.DiskFormat == "" {
		spec.DiskFormat = "qcow2"
	}
	if spec.ContainerFormat == "" {
		spec.ContainerFormat = "bare"
	}
	name := in.Name
	if name == "" {
		name = id
	}
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindImage, ID: id}, Tenant: tenant, Name: name,
		Labels: labels, Spec: spec}, nil
}

// propertyLabels adds the properties to labels, one label each; their
// names must fit a label key.
func propertyLabels(labels map[string]string, props *imageProperties) error {
	if props == nil {
		return nil
	}
	if len(props.Property) > maxImageProperties {
		return resource.InvalidField("properties", "%d properties, more than the %d this server keeps", len(props.Property), maxImageProperties)
	}
	for _, pr := range props.Property {
		key := labelPropPrefix + pr.Name
		switch {
		case !propertyName(pr.Name):
			return resource.InvalidField("properties", "property name %q: properties are kept as labels, so a name has 1 to %d letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
				pr.Name, maxPropertyName)
		case labels[key] != "":
			return resource.InvalidField("properties", "property %q is given twice", pr.Name)
		case pr.Value == "" || len(pr.Value) > resource.MaxIDLen || !utf8.ValidString(pr.Value) || strings.ContainsFunc(pr.Value, isControl):
			return resource.InvalidField("properties", "the value of property %q must have 1 to %d bytes of text without control characters", pr.Name, resource.MaxIDLen)
		}
		labels[key] = pr.Value
	}
	return nil
}

func propertyName(s string) bool {
	if s == "" || len(s) > maxPropertyName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || i == len(s)-1 || (c != '.' && c != '_' && c != '-')) {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func (a *api) deleteImage(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators delete images")
	}
	return a.deleteMade(w, r, imageKind, r.PathValue("image"), "")
}
