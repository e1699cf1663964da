package osfake

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cinder v3, at its base microversion 3.0: volumes (create, show, list and
// detail, update, delete), the os-extend and os-reset_status actions, and
// volume types (by name or ID). Every path carries the project ID after
// the version, as Cinder's catalog URL does.

// DefaultVolumeType is the type Cinder gives a volume created without one
// (its built-in default type since Train).
const DefaultVolumeType = "__DEFAULT__"

type volumeType struct{ id, name string }

type volume struct {
	seq               int
	id, project, user string
	name, description *string
	size              int
	status            string
	vtype             *volumeType
	metadata          map[string]string
	image             map[string]any // volume_image_metadata; nil for a blank volume
	created           time.Time
	updated           *time.Time
	next              []string // the states Step moves it through
	newSize           int      // what an extend under way grows it to
	host              *string  // the back end, once scheduled
	// attachments are the servers holding it (nova_volumes.go).
	attachments []volumeAttachment
}

func (v *volume) order() int { return v.seq }

// deletable are the statuses Cinder deletes a volume in.
var deletable = []string{"available", "error", "error_restoring", "error_extending", "error_managing"}

// volumeStatuses are those os-reset_status accepts.
var volumeStatuses = []string{"available", "in-use", "error", "creating", "deleting", "error_deleting", "error_extending",
	"extending", "downloading", "maintenance", "reserved", "attaching", "detaching"}

func cinderErr(status int, format string, args ...any) *reply {
	return errorReply(svcVolume, status, fmt.Sprintf(format, args...), "")
}

func invalidInput(format string, args ...any) *reply {
	return cinderErr(http.StatusBadRequest, "Invalid input received: "+format, args...)
}

// cinderSchemaErr is Cinder's JSON-schema complaint about the value at
// field, worded as Nova's: the value as Python's str() prints it.
func cinderSchemaErr(field string, value any, reason string) *reply {
	shown, ok := value.(string)
	if !ok {
		shown = pyRepr(value)
	}
	return cinderErr(http.StatusBadRequest, "Invalid input for field/attribute %s. Value: %s. %s", field, shown, reason)
}

func (s *Server) seedVolumeTypes() {
	names := s.opts.VolumeTypes
	if len(names) == 0 {
		names = []string{DefaultVolumeType}
	}
	for _, n := range names {
		s.vtypes = append(s.vtypes, &volumeType{id: newUUID(), name: n})
	}
}

// volumeTypeOf finds a type by ID or name, as Cinder's get_by_name_or_id.
func (s *Server) volumeTypeOf(ref string) (*volumeType, *reply) {
	for _, t := range s.vtypes {
		if t.id == ref || t.name == ref {
			return t, nil
		}
	}
	if uuidLike.MatchString(ref) {
		return nil, cinderErr(http.StatusNotFound, "Volume type %s could not be found.", ref)
	}
	return nil, cinderErr(http.StatusNotFound, "Volume type with name %s could not be found.", ref)
}

var uuidLike = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)

// blockStorage serves Cinder. Callers hold s.mu.
func (s *Server) blockStorage(r *req) *reply {
	p := r.path
	if len(p) < 2 {
		return cinderErr(http.StatusNotFound, "The resource could not be found.")
	}
	if p[0] != projectOf(r) {
		return cinderErr(http.StatusBadRequest, "Malformed request url")
	}
	m := r.Method
	switch {
	case p[1] == "types" && len(p) <= 3 && m == http.MethodGet:
		var out []any
		for _, t := range s.vtypes {
			if len(p) == 2 || p[2] == t.id {
				out = append(out, volumeTypeView(t))
			}
		}
		if len(p) == 2 {
			return jsonReply(http.StatusOK, map[string]any{"volume_types": out})
		}
		if len(out) == 0 {
			return cinderErr(http.StatusNotFound, "Volume type %s could not be found.", p[2])
		}
		return jsonReply(http.StatusOK, map[string]any{"volume_type": out[0]})
	case p[1] != "volumes" || len(p) > 4:
		return cinderErr(http.StatusNotFound, "The resource could not be found.")
	case len(p) == 2 && m == http.MethodGet:
		return s.listVolumes(r, false)
	case len(p) == 2 && m == http.MethodPost:
		return s.createVolume(r)
	case len(p) == 3 && p[2] == "detail" && m == http.MethodGet:
		return s.listVolumes(r, true)
	}
	if len(p) == 2 || len(p) == 4 && p[3] != "action" {
		return cinderErr(http.StatusNotFound, "The resource could not be found.")
	}
	v := s.volumes[p[2]]
	if v == nil || v.project != projectOf(r) {
		return cinderErr(http.StatusNotFound, "Volume %s could not be found.", p[2])
	}
	switch {
	case len(p) == 4 && m == http.MethodPost:
		return s.volumeAction(r, v)
	case len(p) == 3 && m == http.MethodGet:
		return jsonReply(http.StatusOK, map[string]any{"volume": s.volumeView(v, true)})
	case len(p) == 3 && m == http.MethodPut:
		return s.updateVolume(r, v)
	case len(p) == 3 && m == http.MethodDelete:
		if !slices.Contains(deletable, v.status) {
			return cinderErr(http.StatusBadRequest, "Invalid volume: Volume status must be available or error or error_restoring or "+
				"error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, "+
				"awaiting a transfer, or be disassociated from snapshots after volume transfer.")
		}
		v.status, v.next = "deleting", []string{"deleted"}
		s.touch(v)
		return emptyReply(http.StatusAccepted)
	}
	return cinderErr(http.StatusMethodNotAllowed, "The method is not allowed for this resource.")
}

func (s *Server) touch(v *volume) { now := s.now(); v.updated = &now }

func volumeTypeView(t *volumeType) map[string]any {
	return map[string]any{"id": t.id, "name": t.name, "description": nil, "is_public": true, "extra_specs": map[string]any{},
		"os-volume-type-access:is_public": true, "qos_specs_id": nil}
}

// cinderStamp formats a time as Cinder does: microseconds, no zone.
func cinderStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

// volumeView is Cinder's detailed view; admin adds the os-vol-* attributes
// that show and list carry (create's answer lacks them).
func (s *Server) volumeView(v *volume, admin bool) map[string]any {
	var updated any
	if v.updated != nil {
		updated = cinderStamp(*v.updated)
	}
	bootable := "false"
	if v.image != nil {
		bootable = "true"
	}
	view := map[string]any{
		"id": v.id, "name": v.name, "description": v.description, "status": v.status, "size": v.size,
		"availability_zone": "nova", "bootable": bootable, "encrypted": false, "multiattach": false,
		"attachments": s.attachmentsView(v), "metadata": maps.Clone(v.metadata), "volume_type": v.vtype.name,
		"snapshot_id": nil, "source_volid": nil, "consistencygroup_id": nil, "replication_status": nil,
		"migration_status": nil, "user_id": v.user, "created_at": cinderStamp(v.created), "updated_at": updated,
		"links": s.volumeLinks(v),
	}
	if v.image != nil {
		view["volume_image_metadata"] = maps.Clone(v.image)
	}
	if admin {
		view["os-vol-host-attr:host"] = v.host
		view["os-vol-tenant-attr:tenant_id"] = v.project
		view["os-vol-mig-status-attr:migstat"] = nil
		view["os-vol-mig-status-attr:name_id"] = nil
	}
	return view
}

func (s *Server) volumeLinks(v *volume) []any {
	return []any{
		map[string]any{"rel": "self", "href": s.url + prefixVolume + "/v3/" + v.project + "/volumes/" + v.id},
		map[string]any{"rel": "bookmark", "href": s.url + prefixVolume + "/" + v.project + "/volumes/" + v.id},
	}
}

// listVolumes lists the project's volumes, newest first, filtered by name
// (exact) and status, paged by limit and marker with volumes_links.
// Unknown filters are dropped, as Cinder drops those it does not allow.
func (s *Server) listVolumes(r *req, detail bool) *reply {
	all := sortedBySeq(s.volumes)
	slices.Reverse(all)
	var matched []*volume
	for _, v := range all {
		if v.project != projectOf(r) {
			continue
		}
		if n, ok := r.query["name"]; ok && (v.name == nil || *v.name != n[0]) {
			continue
		}
		if st := r.q("status"); st != "" && st != v.status {
			continue
		}
		matched = append(matched, v)
	}
	if m := r.q("marker"); m != "" {
		i := slices.IndexFunc(matched, func(v *volume) bool { return v.id == m })
		if i < 0 {
			return cinderErr(http.StatusNotFound, "Marker %s could not be found.", m)
		}
		matched = matched[i+1:]
	}
	limit := len(matched)
	if l := r.q("limit"); l != "" {
		n, err := strconv.Atoi(l)
		switch {
		case err != nil:
			return cinderErr(http.StatusBadRequest, "limit param must be an integer")
		case n < 0:
			return cinderErr(http.StatusBadRequest, "limit param must be positive")
		}
		limit = min(n, limit)
	}
	out := []any{}
	for _, v := range matched[:limit] {
		if detail {
			out = append(out, s.volumeView(v, true))
		} else {
			out = append(out, map[string]any{"id": v.id, "name": v.name, "links": s.volumeLinks(v)})
		}
	}
	body := map[string]any{"volumes": out}
	if r.q("limit") != "" && limit > 0 && limit == len(out) && limit < len(matched) {
		q := url.Values{}
		for k, vs := range r.query {
			q[k] = slices.Clone(vs)
		}
		q.Set("marker", matched[limit-1].id)
		body["volumes_links"] = []any{map[string]any{"rel": "next", "href": s.url + r.URL.Path + "?" + q.Encode()}}
	}
	return jsonReply(http.StatusOK, body)
}

// textAttr reads an optional name or description: a string or null, at
// most 255 characters once stripped (Cinder stores it stripped).
func textAttr(obj map[string]any, key string) (*string, *reply) {
	raw, ok := obj[key]
	if !ok || raw == nil {
		return nil, nil
	}
	str, ok := raw.(string)
	if !ok {
		return nil, cinderSchemaErr(key, raw, pyRepr(raw)+" is not of type 'string', 'null'")
	}
	str = strings.TrimSpace(str)
	if len([]rune(str)) > 255 {
		return nil, invalidInput("%s has more than 255 characters.", key) // chosen: Cinder wraps it as an invalid name
	}
	return &str, nil
}

// metadataAttr reads volume metadata as Cinder's schema allows it.
func metadataAttr(obj map[string]any) (map[string]string, *reply) {
	out := map[string]string{}
	raw, ok := obj["metadata"]
	if !ok || raw == nil {
		return out, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, cinderSchemaErr("metadata", raw, pyRepr(raw)+" is not of type 'object', 'null'")
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		val, ok := m[k].(string)
		if !ok || len(k) == 0 || len(k) > 255 || len([]rune(val)) > 255 {
			return nil, cinderSchemaErr("metadata", raw, "Keys and values must be strings of 1 to 255 and at most 255 characters") // chosen
		}
		out[k] = val
	}
	return out, nil
}

// sizeAttr reads a size as Cinder's volume_size schema: an integer, or a
// string of digits, at least 1.
func sizeAttr(field string, raw any) (int, *reply) {
	bad := func(reason string) (int, *reply) { return 0, cinderSchemaErr(field, raw, reason) }
	var n int
	switch v := raw.(type) {
	case float64:
		if v != float64(int(v)) {
			return bad(pyRepr(raw) + " is not of type 'integer', 'string'")
		}
		n = int(v)
	case string:
		d, err := strconv.Atoi(v)
		if err != nil || strings.TrimLeft(v, "0123456789") != "" {
			return bad(pyRepr(raw) + " does not match '^[0-9]+$'")
		}
		n = d
	default:
		return bad(pyRepr(raw) + " is not of type 'integer', 'string'")
	}
	if n < 1 {
		return bad(fmt.Sprintf("%d is less than the minimum of 1", n))
	}
	return n, nil
}

func (s *Server) createVolume(r *req) *reply {
	var body map[string]any
	if err := r.decode(&body); err != nil {
		return cinderErr(http.StatusBadRequest, "Malformed request body")
	}
	obj, ok := body["volume"].(map[string]any)
	if !ok {
		return cinderErr(http.StatusBadRequest, "'volume' is a required property")
	}
	name, bad := textAttr(obj, "name")
	if bad != nil {
		return bad
	}
	descr, bad := textAttr(obj, "description")
	if bad != nil {
		return bad
	}
	meta, bad := metadataAttr(obj)
	if bad != nil {
		return bad
	}
	if obj["size"] == nil {
		return invalidInput("Volume size 'None' must be an integer and greater than 0")
	}
	size, bad := sizeAttr("size", obj["size"])
	if bad != nil {
		return bad
	}
	vt := s.vtypes[0]
	if ref, _ := obj["volume_type"].(string); ref != "" {
		if vt, bad = s.volumeTypeOf(ref); bad != nil {
			return bad
		}
	}
	imageRef, _ := obj["imageRef"].(string)
	if imageRef == "" {
		imageRef, _ = obj["image_id"].(string)
	}
	var imgMeta map[string]any
	if imageRef != "" {
		img := s.images[lastSegment(imageRef)]
		if img == nil {
			return cinderErr(http.StatusNotFound, "Image %s could not be found.", lastSegment(imageRef))
		}
		if img.status != "active" {
			return invalidInput("Image %s is not active.", img.id)
		}
		if img.size != nil {
			if gb := int((*img.size + 1<<30 - 1) >> 30); gb > size {
				return invalidInput("Size of specified image %dGB is larger than volume size %dGB.", gb, size)
			}
		}
		if size < img.minDisk {
			return invalidInput("Volume size %dGB cannot be smaller than the image minDisk size %dGB.", size, img.minDisk)
		}
		imgMeta = map[string]any{"image_id": img.id, "image_name": img.name, "min_disk": strconv.Itoa(img.minDisk),
			"min_ram": strconv.Itoa(img.minRAM)}
		for k, p := range map[string]*string{"disk_format": img.diskFormat, "container_format": img.containerFormat, "checksum": img.checksum} {
			if p != nil {
				imgMeta[k] = *p
			}
		}
		if img.size != nil {
			imgMeta["size"] = strconv.FormatInt(*img.size, 10)
		}
	}
	if over := s.checkVolumeQuota(projectOf(r), 1, size); over != nil {
		return over
	}
	v := &volume{seq: s.nextSeq(), id: newUUID(), project: projectOf(r), user: r.tok.user.ID, name: name, description: descr,
		size: size, status: "creating", vtype: vt, metadata: meta, image: imgMeta, created: s.now(),
		next: []string{"available"}}
	if imgMeta != nil {
		v.next = []string{"downloading", "available"}
	}
	s.volumes[v.id] = v
	return jsonReply(http.StatusAccepted, map[string]any{"volume": s.volumeView(v, false)})
}

// checkVolumeQuota is Cinder's volumes and gigabytes check (413), for
// adding volumes volumes of gigabytes GiB in all.
func (s *Server) checkVolumeQuota(project string, volumes, gigabytes int) *reply {
	q := s.opts.Quota
	n, gb := 0, 0
	for _, v := range s.volumes {
		if v.project == project {
			n, gb = n+1, gb+max(v.size, v.newSize)
		}
	}
	if q.Volumes > 0 && n+volumes > q.Volumes {
		return cinderErr(http.StatusRequestEntityTooLarge, "VolumeLimitExceeded: Maximum number of volumes allowed (%d) exceeded for quota 'volumes'.", q.Volumes)
	}
	if q.Gigabytes > 0 && gb+gigabytes > q.Gigabytes {
		return cinderErr(http.StatusRequestEntityTooLarge, "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. "+
			"Requested %dG, quota is %dG and %dG has been consumed.", gigabytes, q.Gigabytes, gb)
	}
	return nil
}

// updateVolume changes a volume's name, description and metadata (which
// it replaces), in any status.
func (s *Server) updateVolume(r *req, v *volume) *reply {
	var body map[string]any
	if err := r.decode(&body); err != nil {
		return cinderErr(http.StatusBadRequest, "Malformed request body")
	}
	obj, ok := body["volume"].(map[string]any)
	if !ok {
		return cinderErr(http.StatusBadRequest, "'volume' is a required property")
	}
	for k := range obj {
		if !slices.Contains([]string{"name", "description", "display_name", "display_description", "metadata"}, k) {
			return cinderErr(http.StatusBadRequest, "Additional properties are not allowed ('%s' was unexpected)", k)
		}
	}
	if _, ok := obj["name"]; ok {
		name, bad := textAttr(obj, "name")
		if bad != nil {
			return bad
		}
		v.name = name
	}
	if _, ok := obj["description"]; ok {
		descr, bad := textAttr(obj, "description")
		if bad != nil {
			return bad
		}
		v.description = descr
	}
	if _, ok := obj["metadata"]; ok {
		meta, bad := metadataAttr(obj)
		if bad != nil {
			return bad
		}
		v.metadata = meta
	}
	s.touch(v)
	return jsonReply(http.StatusOK, map[string]any{"volume": s.volumeView(v, false)})
}

func (s *Server) volumeAction(r *req, v *volume) *reply {
	var body map[string]any
	if err := r.decode(&body); err != nil || len(body) != 1 {
		return cinderErr(http.StatusBadRequest, "Malformed request body")
	}
	for action, arg := range body {
		args, _ := arg.(map[string]any)
		switch action {
		case "os-extend":
			if _, ok := args["new_size"]; !ok {
				return cinderErr(http.StatusBadRequest, "'new_size' is a required property")
			}
			size, bad := sizeAttr("new_size", args["new_size"])
			if bad != nil {
				return bad
			}
			if size <= v.size {
				return invalidInput("New size for extend must be greater than current size. (current: %d, extended: %d).", v.size, size)
			}
			if v.status != "available" {
				return cinderErr(http.StatusBadRequest, "Invalid volume: Volume %s status must be '{'status': 'available'}' to extend, currently %s.",
					v.id, v.status)
			}
			if over := s.checkVolumeQuota(v.project, 0, size-v.size); over != nil {
				return over
			}
			v.status, v.newSize, v.next = "extending", size, []string{"available"}
		case "os-reset_status":
			st, _ := args["status"].(string)
			if !slices.Contains(volumeStatuses, st) {
				return cinderSchemaErr("status", args["status"], "not a volume status") // chosen
			}
			v.status, v.next, v.newSize = st, nil, 0
		default:
			return cinderErr(http.StatusBadRequest, "There is no such action: %s", action)
		}
	}
	s.touch(v)
	return emptyReply(http.StatusAccepted)
}

// stepVolumes moves volumes on one state. Callers hold s.mu.
func (s *Server) stepVolumes() {
	for _, v := range sortedBySeq(s.volumes) {
		if len(v.next) == 0 {
			continue
		}
		next := v.next[0]
		v.next = v.next[1:]
		switch next {
		case "deleted":
			delete(s.volumes, v.id)
			continue
		case "available":
			if v.newSize > 0 {
				v.size, v.newSize = v.newSize, 0
			}
			if v.host == nil {
				v.host = ptr("osfake@lvmdriver-1#lvmdriver-1")
			}
		}
		v.status = next
		s.touch(v)
	}
}

// BreakVolume fails the volume's work under way, as a broken back end
// does: a create or a download ends in "error", an extend in
// "error_extending" with the old size.
func (s *Server) BreakVolume(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.volumes[id]
	if v == nil {
		return fmt.Errorf("osfake: no volume %s", id)
	}
	v.status = "error"
	if v.newSize > 0 {
		v.status = "error_extending"
	}
	v.next, v.newSize = nil, 0
	s.touch(v)
	return nil
}
