package osfake

import (
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Glance v2: images, their JSON-patch updates, data upload and the
// web-download import.

type image struct {
	seq                         int
	id, name, status, owner     string
	visibility                  string
	diskFormat, containerFormat *string
	minDisk, minRAM             int
	protected, hidden           bool
	size                        *int64
	checksum, hashValue         *string
	tags                        []string
	props                       map[string]string
	created, updated            time.Time
	next                        []string // the states Step moves it through
}

var (
	diskFormats      = []string{"ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"}
	containerFormats = []string{"ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"}
	visibilities     = []string{"community", "public", "private", "shared"}
	// readOnly image attributes: setting them is 403.
	readOnly = []string{"status", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "created_at",
		"updated_at", "file", "self", "schema", "direct_url", "locations", "stores"}
	// coreAttrs are image attributes that are not free-form properties.
	coreAttrs = []string{"id", "name", "visibility", "disk_format", "container_format", "min_disk", "min_ram", "protected",
		"os_hidden", "tags", "owner"}
	importMethods = []string{"glance-direct", "web-download", "copy-image"}
)

func glanceErr(status int, format string, args ...any) *reply {
	return errorReply(svcImage, status, fmt.Sprintf(format, args...), "")
}

func (s *Server) seedImage(si SeedImage) {
	if si.ID == "" {
		si.ID = newUUID()
	}
	if si.DiskFormat == "" {
		si.DiskFormat = "qcow2"
	}
	if si.Visibility == "" {
		si.Visibility = "public"
	}
	now := s.now()
	img := &image{seq: s.nextSeq(), id: si.ID, name: si.Name, status: "active", visibility: si.Visibility,
		diskFormat: ptr(si.DiskFormat), containerFormat: ptr("bare"), props: map[string]string{}, tags: []string{},
		created: now, updated: now}
	s.setData(img, []byte("osfake image "+si.ID))
	s.images[img.id] = img
}

// setData records an image's data as stored.
func (s *Server) setData(img *image, data []byte) {
	n := int64(len(data))
	sum := md5.Sum(data)
	h := sha512.Sum512(data)
	img.size, img.checksum, img.hashValue = &n, ptr(hex.EncodeToString(sum[:])), ptr(hex.EncodeToString(h[:]))
}

func (s *Server) imageView(img *image) map[string]any {
	v := map[string]any{}
	for k, p := range img.props {
		v[k] = p
	}
	var algo any
	if img.hashValue != nil {
		algo = "sha512"
	}
	var vsize any
	if img.size != nil {
		vsize = *img.size
	}
	for k, x := range map[string]any{
		"name": img.name, "disk_format": img.diskFormat, "container_format": img.containerFormat, "visibility": img.visibility,
		"size": img.size, "virtual_size": vsize, "status": img.status, "checksum": img.checksum, "protected": img.protected,
		"min_ram": img.minRAM, "min_disk": img.minDisk, "owner": img.owner, "os_hidden": img.hidden, "os_hash_algo": algo,
		"os_hash_value": img.hashValue, "id": img.id, "created_at": stamp(img.created), "updated_at": stamp(img.updated),
		"tags": img.tags, "self": "/v2/images/" + img.id, "file": "/v2/images/" + img.id + "/file", "schema": "/v2/schemas/image",
	} {
		v[k] = x
	}
	if img.name == "" {
		v["name"] = nil
	}
	if img.status == "active" {
		v["stores"] = "fs"
	}
	return v
}

// image serves Glance. Callers hold s.mu.
func (s *Server) image(r *req) *reply {
	p := r.path
	if len(p) == 0 || p[0] != "images" {
		return glanceErr(http.StatusNotFound, "The resource could not be found.")
	}
	if len(p) == 1 {
		switch r.Method {
		case http.MethodGet:
			return s.listImages(r)
		case http.MethodPost:
			return s.createImage(r)
		}
		return glanceErr(http.StatusMethodNotAllowed, "The method is not allowed for this resource.")
	}
	img := s.images[p[1]]
	if len(p) == 2 {
		switch r.Method {
		case http.MethodGet:
			if img == nil {
				return glanceErr(http.StatusNotFound, "No image found with ID %s", p[1])
			}
			return jsonReply(http.StatusOK, s.imageView(img))
		case http.MethodPatch:
			if img == nil {
				return glanceErr(http.StatusNotFound, "No image found with ID %s", p[1])
			}
			return s.patchImage(r, img)
		case http.MethodDelete:
			if img == nil {
				return glanceErr(http.StatusNotFound, "Failed to find image %s to delete", p[1])
			}
			if img.protected {
				return glanceErr(http.StatusForbidden, "Image %s is protected and cannot be deleted.", img.id)
			}
			delete(s.images, img.id)
			return emptyReply(http.StatusNoContent)
		}
		return glanceErr(http.StatusMethodNotAllowed, "The method is not allowed for this resource.")
	}
	if len(p) == 3 && img == nil {
		return glanceErr(http.StatusNotFound, "No image found with ID %s", p[1])
	}
	switch {
	case len(p) == 3 && p[2] == "import" && r.Method == http.MethodPost:
		return s.importImage(r, img)
	case len(p) == 3 && p[2] == "file" && r.Method == http.MethodPut:
		if img.status != "queued" {
			return glanceErr(http.StatusConflict, "Image status transition from %s to saving is not allowed", img.status)
		}
		s.setData(img, r.body)
		img.status, img.updated = "active", s.now()
		return emptyReply(http.StatusNoContent)
	}
	return glanceErr(http.StatusNotFound, "The resource could not be found.")
}

// schemaRefusal is Glance's answer to a body its schema refuses.
func schemaRefusal(format string, args ...any) *reply {
	return glanceErr(http.StatusBadRequest, "Provided object does not match schema 'image': "+format, args...)
}

func enumRefusal(attr string, v any, allowed []string) *reply {
	return schemaRefusal("%s is not one of [None, '%s']\n\nFailed validating 'enum' in schema['properties']['%s']", pyRepr(v), strings.Join(allowed, "', '"), attr)
}

// setAttr sets a core attribute or a property from a decoded value.
func setAttr(img *image, k string, v any) *reply {
	str := func(allowed []string) (*string, *reply) {
		if v == nil {
			return nil, nil
		}
		sv, ok := v.(string)
		if !ok || allowed != nil && !slices.Contains(allowed, sv) {
			return nil, enumRefusal(k, v, allowed)
		}
		return &sv, nil
	}
	num := func() (int, *reply) {
		f, ok := v.(float64)
		if !ok || f != float64(int(f)) {
			return 0, schemaRefusal("%s is not of type 'integer'", pyRepr(v))
		}
		if f < 0 {
			return 0, schemaRefusal("%s is less than the minimum of 0", pyRepr(v))
		}
		return int(f), nil
	}
	boolean := func() (bool, *reply) {
		b, ok := v.(bool)
		if !ok {
			return false, schemaRefusal("%s is not of type 'boolean'", pyRepr(v))
		}
		return b, nil
	}
	var bad *reply
	switch k {
	case "name":
		var n *string
		if n, bad = str(nil); n != nil {
			img.name = *n
		} else if bad == nil {
			img.name = ""
		}
	case "visibility":
		var n *string
		if n, bad = str(visibilities); n != nil {
			img.visibility = *n
		} else if bad == nil {
			bad = enumRefusal(k, v, visibilities)
		}
	case "disk_format":
		img.diskFormat, bad = str(diskFormats)
	case "container_format":
		img.containerFormat, bad = str(containerFormats)
	case "min_disk":
		img.minDisk, bad = num()
	case "min_ram":
		img.minRAM, bad = num()
	case "protected":
		img.protected, bad = boolean()
	case "os_hidden":
		img.hidden, bad = boolean()
	case "owner":
		var n *string
		if n, bad = str(nil); n != nil {
			img.owner = *n
		}
	case "tags":
		list, ok := v.([]any)
		if !ok {
			return schemaRefusal("%s is not of type 'array'", pyRepr(v))
		}
		img.tags = []string{}
		for _, t := range list {
			ts, ok := t.(string)
			if !ok {
				return schemaRefusal("%s is not of type 'string'", pyRepr(t))
			}
			if !slices.Contains(img.tags, ts) {
				img.tags = append(img.tags, ts)
			}
		}
	default:
		sv, ok := v.(string)
		if !ok {
			return schemaRefusal("%s is not of type 'string'\n\nFailed validating 'type' in schema['additionalProperties']", pyRepr(v))
		}
		img.props[k] = sv
	}
	return bad
}

func (s *Server) createImage(r *req) *reply {
	var body map[string]any
	if err := r.decode(&body); err != nil {
		return glanceErr(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	now := s.now()
	img := &image{id: newUUID(), status: "queued", visibility: "shared", owner: projectOf(r), props: map[string]string{},
		tags: []string{}, created: now, updated: now}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if slices.Contains(readOnly, k) {
			return glanceErr(http.StatusForbidden, "Attribute '%s' is read-only.", k)
		}
	}
	for _, k := range keys {
		if k == "id" {
			id, _ := body[k].(string)
			if _, err := netipParseUUID(id); err != nil {
				return schemaRefusal("%s is not a 'uuid'", pyRepr(body[k]))
			}
			if s.images[id] != nil {
				return glanceErr(http.StatusConflict, "Image with identifier %s already exists!", id)
			}
			img.id = id
			continue
		}
		if bad := setAttr(img, k, body[k]); bad != nil {
			return bad
		}
	}
	img.seq = s.nextSeq()
	s.images[img.id] = img
	return jsonReply(http.StatusCreated, s.imageView(img)).
		set("Location", s.url+prefixImage+"/v2/images/"+img.id).
		set("OpenStack-image-import-methods", strings.Join(importMethods, ",")).
		set("OpenStack-image-store-ids", "fs,os_glance_staging_store,os_glance_tasks_store")
}

// listImages lists images, newest first, 25 a page by default with a
// "next" link while pages are full, as Glance does.
func (s *Server) listImages(r *req) *reply {
	limit := 25
	if v := r.q("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return glanceErr(http.StatusBadRequest, "limit param must be an integer")
		}
		limit = min(n, 1000)
	}
	all := sortedBySeq(s.images)
	slices.Reverse(all)
	var matched []*image
	for _, img := range all {
		if imageMatches(img, r.query) {
			matched = append(matched, img)
		}
	}
	if m := r.q("marker"); m != "" {
		i := slices.IndexFunc(matched, func(img *image) bool { return img.id == m })
		if i < 0 {
			return glanceErr(http.StatusBadRequest, "marker not found")
		}
		matched = matched[i+1:]
	}
	out := []any{}
	for i, img := range matched {
		if i == limit {
			break
		}
		out = append(out, s.imageView(img))
	}
	first := url.Values{}
	for k, vs := range r.query {
		if k != "marker" {
			first[k] = vs
		}
	}
	body := map[string]any{"images": out, "first": "/v2/images" + encodeQuery(first), "schema": "/v2/schemas/images"}
	if len(out) == limit && limit > 0 {
		next := url.Values{}
		for k, vs := range first {
			next[k] = vs
		}
		next.Set("marker", matched[limit-1].id)
		body["next"] = "/v2/images" + encodeQuery(next)
	}
	return jsonReply(http.StatusOK, body)
}

func encodeQuery(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func imageMatches(img *image, q map[string][]string) bool {
	v := map[string]string{"name": img.name, "status": img.status, "visibility": img.visibility, "owner": img.owner,
		"id": img.id, "disk_format": deref(img.diskFormat), "container_format": deref(img.containerFormat),
		"protected": strconv.FormatBool(img.protected), "os_hidden": strconv.FormatBool(img.hidden)}
	for k, p := range img.props {
		v[k] = p
	}
	for k, want := range q {
		switch k {
		case "limit", "marker", "sort_key", "sort_dir", "sort", "member_status", "tag", "size_min", "size_max", "created_at", "updated_at":
			continue
		}
		got, ok := v[k]
		if !ok || !slices.Contains(want, got) {
			return false
		}
	}
	if _, ok := q["visibility"]; !ok && img.visibility == "community" {
		return false
	}
	if _, ok := q["os_hidden"]; !ok && img.hidden {
		return false
	}
	return true
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// patchImage applies a JSON patch (openstack-images-v2.1-json-patch).
func (s *Server) patchImage(r *req, img *image) *reply {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/openstack-images-v2.1-json-patch" && ct != "application/openstack-images-v2.0-json-patch" {
		return htmlReply(http.StatusUnsupportedMediaType, "The request media type "+pyEscape(ct)+" is not supported by this server.\n")
	}
	var ops []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(r.body, &ops); err != nil {
		return glanceErr(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	work := *img
	work.props = map[string]string{}
	for k, v := range img.props {
		work.props[k] = v
	}
	work.tags = slices.Clone(img.tags)
	for _, op := range ops {
		attr := strings.TrimPrefix(op.Path, "/")
		if !strings.HasPrefix(op.Path, "/") || attr == "" || strings.Contains(attr, "/") {
			return glanceErr(http.StatusBadRequest, "Invalid JSON pointer for this resource: '%s'", op.Path)
		}
		if slices.Contains(readOnly, attr) || attr == "id" {
			return glanceErr(http.StatusForbidden, "Attribute '%s' is read-only.", attr)
		}
		if (attr == "disk_format" || attr == "container_format") && work.status != "queued" {
			return glanceErr(http.StatusForbidden, "Attribute %s can be only replaced for a queued image.", attr)
		}
		var val any
		if op.Op != "remove" {
			if err := json.Unmarshal(op.Value, &val); err != nil || op.Value == nil {
				return glanceErr(http.StatusBadRequest, "Operation objects must contain exactly one member named \"value\".")
			}
		}
		core := slices.Contains(coreAttrs, attr)
		_, exists := work.props[attr]
		switch op.Op {
		case "add":
		case "replace":
			if !core && !exists {
				return glanceErr(http.StatusConflict, "Property %s does not exist.", attr)
			}
		case "remove":
			if core {
				return glanceErr(http.StatusForbidden, "Attribute '%s' is reserved.", attr)
			}
			if !exists {
				return glanceErr(http.StatusConflict, "Property %s does not exist.", attr)
			}
			delete(work.props, attr)
			continue
		default:
			return glanceErr(http.StatusBadRequest, "Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.")
		}
		if bad := setAttr(&work, attr, val); bad != nil {
			return bad
		}
	}
	work.updated = s.now()
	*img = work
	return jsonReply(http.StatusOK, s.imageView(img))
}

// importImage starts an import. Only web-download is modelled: the image
// goes importing, then active on the next Step.
func (s *Server) importImage(r *req, img *image) *reply {
	var b struct {
		Method *struct {
			Name string  `json:"name"`
			URI  *string `json:"uri"`
		} `json:"method"`
	}
	if err := r.decode(&b); err != nil || b.Method == nil {
		return glanceErr(http.StatusBadRequest, "Import request requires a 'method' field.")
	}
	if !slices.Contains(importMethods, b.Method.Name) {
		return glanceErr(http.StatusBadRequest, "Unknown import method name '%s'.", b.Method.Name)
	}
	switch b.Method.Name {
	case "web-download":
		uri := "None"
		if b.Method.URI != nil {
			uri = *b.Method.URI
		}
		u, err := url.Parse(uri)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return glanceErr(http.StatusBadRequest, "URI for web-download does not pass filtering: %s", uri)
		}
		if img.status != "queued" {
			return glanceErr(http.StatusConflict, "Image with status %s cannot be target for import", img.status)
		}
	case "glance-direct":
		if img.status != "uploading" {
			return glanceErr(http.StatusConflict, "Image with status %s cannot be target for import", img.status)
		}
	case "copy-image":
		if img.status != "active" {
			return glanceErr(http.StatusConflict, "Image with status %s cannot be target for import", img.status)
		}
		return emptyReply(http.StatusAccepted)
	}
	img.status, img.next, img.updated = "importing", []string{"active"}, s.now()
	return emptyReply(http.StatusAccepted)
}

// snapshotImage is the image Nova's createImage makes: queued, then saving,
// then active, a Step each.
func (s *Server) snapshotImage(sv *server, name string, props map[string]string) *image {
	now := s.now()
	img := &image{seq: s.nextSeq(), id: newUUID(), name: name, status: "queued", visibility: "private", owner: sv.project,
		diskFormat: ptr("qcow2"), containerFormat: ptr("bare"), minDisk: sv.flv.disk, props: props, tags: []string{},
		created: now, updated: now, next: []string{"saving", "active"}}
	if base := s.images[sv.imageID]; base != nil {
		img.diskFormat, img.minRAM = base.diskFormat, base.minRAM
	}
	s.images[img.id] = img
	return img
}

// stepImages moves images on one state. Callers hold s.mu.
func (s *Server) stepImages() {
	for _, img := range s.images {
		if len(img.next) == 0 {
			continue
		}
		img.status, img.next, img.updated = img.next[0], img.next[1:], s.now()
		if img.status == "active" {
			s.setData(img, []byte("osfake data of "+img.id))
		}
	}
}
