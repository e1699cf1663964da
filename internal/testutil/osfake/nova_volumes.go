package osfake

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// Volumes a server boots with: block_device_mapping_v2 entries of Nova's
// two common forms, the image as the root disk (source image, destination
// local, boot_index 0, with imageRef) and an existing Cinder volume
// attached (source and destination volume). Other forms (blank, snapshot
// or image-to-volume sources, volumes as local disks) are refused with
// 400, worded by the fake. The create reserves the volumes in Cinder
// (status "reserved", with an attachment naming the server); the build
// attaches them ("in-use", with the device: vdb on, after the root disk
// vda, for virtio; sda for scsi; hda for ide) and the server's view lists
// them in os-extended-volumes:volumes_attached. Once the server is gone
// they are "available" again, or deleted with delete_on_termination.
//
// Nova's refusals: a volume the project cannot see is "failed to get
// volume" (400), one that is not available (or named twice) fails to be
// reserved (400 InvalidVolume, with Cinder's reason inside), and two boot
// devices are an invalid boot sequence (400).

// serverVolume is one volume a server holds.
type serverVolume struct {
	id, attachment, device string
	deleteOnTermination    bool
}

// volumeAttachment is a volume's attachment, as Cinder shows it.
type volumeAttachment struct {
	id, server, device string
	attachedAt         *string // once attached
}

// bdmKeys are the properties Nova's block_device_mapping_v2 schema has.
var bdmKeys = []string{"source_type", "uuid", "image_id", "destination_type", "guest_format", "device_type", "disk_bus",
	"boot_index", "delete_on_termination", "tag", "volume_type", "volume_size", "device_name", "no_device",
	"connection_info", "snapshot_id", "volume_id"}

// devicePrefix maps a disk bus to its device names' prefix and first
// letter (virtio's vda is the root disk).
var devicePrefix = map[string]struct {
	prefix string
	first  byte
}{"virtio": {"vd", 'b'}, "scsi": {"sd", 'a'}, "ide": {"hd", 'a'}}

func bdmInvalid(format string, args ...any) *reply {
	return novaErr(http.StatusBadRequest, "Block Device Mapping is Invalid: "+format, args...)
}

// blockDevices reads block_device_mapping_v2 and returns the volumes to
// attach, in order, without reserving them (nothing changes until the
// whole create is accepted). Callers hold s.mu.
func (s *Server) blockDevices(r *req, obj map[string]any, imageGiven bool, project string) ([]serverVolume, *reply) {
	raw, ok := obj["block_device_mapping_v2"]
	if !ok || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, r.schemaErr("block_device_mapping_v2", raw, fmt.Sprintf("%s is not of type 'array'", pyRepr(raw)))
	}
	var out []serverVolume
	next := map[string]byte{}
	roots := 0
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, r.schemaErr("block_device_mapping_v2", e, fmt.Sprintf("%s is not of type 'object'", pyRepr(e)))
		}
		for k := range m {
			if !slices.Contains(bdmKeys, k) {
				return nil, r.schemaErr("block_device_mapping_v2", m, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k))
			}
		}
		src, _ := m["source_type"].(string)
		if !slices.Contains([]string{"volume", "image", "snapshot", "blank"}, src) {
			return nil, r.schemaErr("source_type", m["source_type"], fmt.Sprintf("%s is not one of ['volume', 'image', 'snapshot', 'blank']", pyRepr(m["source_type"])))
		}
		dst, _ := m["destination_type"].(string)
		boot, bad := bootIndex(r, m["boot_index"])
		if bad != nil {
			return nil, bad
		}
		if boot == 0 {
			roots++
		}
		uuid, _ := m["uuid"].(string)
		switch {
		case src == "image" && dst == "local":
			if !imageGiven || boot != 0 {
				return nil, bdmInvalid("Mapping image to local is not supported.")
			}
			continue
		case src != "volume" || dst != "volume":
			return nil, bdmInvalid("source_type %s with destination_type %s is not modelled by osfake.", src, dst)
		}
		v := s.volumes[uuid]
		if v == nil || v.project != project {
			return nil, bdmInvalid("failed to get volume %s.", uuid)
		}
		status := v.status
		if slices.ContainsFunc(out, func(sv serverVolume) bool { return sv.id == v.id }) {
			status = "reserved" // by the first mapping of it
		}
		if status != "available" {
			return nil, novaErr(http.StatusBadRequest, "Invalid volume: Invalid input received: Invalid volume: Volume %s status must be "+
				"available or downloading to reserve, but the current status is %s.", v.id, status)
		}
		bus, _ := m["disk_bus"].(string)
		if bus == "" {
			bus = "virtio"
		}
		dp, ok := devicePrefix[bus]
		if !ok {
			return nil, bdmInvalid("disk_bus %q is not modelled by osfake.", bus)
		}
		if next[bus] == 0 {
			next[bus] = dp.first
		}
		del, _ := m["delete_on_termination"].(bool)
		out = append(out, serverVolume{id: v.id, device: fmt.Sprintf("/dev/%s%c", dp.prefix, next[bus]), deleteOnTermination: del})
		next[bus]++
	}
	if roots > 1 {
		return nil, bdmInvalid("Boot sequence for the instance and image/block device mapping combination is not valid.")
	}
	return out, nil
}

// bootIndex reads a boot_index as Nova's schema: an integer, a string of
// one, or null (-1).
func bootIndex(r *req, v any) (int, *reply) {
	switch x := v.(type) {
	case nil:
		return -1, nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	case string:
		if n, err := strconv.Atoi(x); err == nil {
			return n, nil
		}
	}
	return 0, r.schemaErr("boot_index", v, fmt.Sprintf("%s is not valid under any of the given schemas", pyRepr(v)))
}

// reserveVolumes records sv's volumes in Cinder as reserved for it.
// Callers hold s.mu.
func (s *Server) reserveVolumes(sv *server, vols []serverVolume) {
	for i := range vols {
		v := s.volumes[vols[i].id]
		vols[i].attachment = newUUID()
		v.status, v.next = "reserved", nil
		v.attachments = append(v.attachments, volumeAttachment{id: vols[i].attachment, server: sv.id, device: vols[i].device})
		s.touch(v)
	}
	sv.volumes = vols
}

// attachVolumes completes the attachments of a server that was built.
// Callers hold s.mu.
func (s *Server) attachVolumes(sv *server) {
	for _, sva := range sv.volumes {
		v := s.volumes[sva.id]
		if v == nil {
			continue
		}
		for i := range v.attachments {
			if a := &v.attachments[i]; a.id == sva.attachment && a.attachedAt == nil {
				a.attachedAt = ptr(cinderStamp(s.now()))
				v.status = "in-use"
				s.touch(v)
			}
		}
	}
}

// releaseVolumes detaches a deleted server's volumes: available again, or
// deleted when the mapping said so. Callers hold s.mu.
func (s *Server) releaseVolumes(sv *server) {
	for _, sva := range sv.volumes {
		v := s.volumes[sva.id]
		if v == nil {
			continue
		}
		v.attachments = slices.DeleteFunc(v.attachments, func(a volumeAttachment) bool { return a.id == sva.attachment })
		if len(v.attachments) == 0 {
			v.status = "available"
			if sva.deleteOnTermination {
				v.status, v.next = "deleting", []string{"deleted"}
			}
		}
		s.touch(v)
	}
	sv.volumes = nil
}

// volumesAttached is a server view's os-extended-volumes:volumes_attached
// (delete_on_termination from 2.3).
func volumesAttached(sv *server, mv microversion) []any {
	out := []any{}
	for _, v := range sv.volumes {
		a := map[string]any{"id": v.id}
		if mv.atLeast(3) {
			a["delete_on_termination"] = v.deleteOnTermination
		}
		out = append(out, a)
	}
	return out
}

// attachmentsView is a volume view's attachments, as Cinder shows them.
func (s *Server) attachmentsView(v *volume) []any {
	out := []any{}
	for _, a := range v.attachments {
		var host any
		if sv := s.servers[a.server]; sv != nil && sv.host != "" {
			host = sv.host
		}
		var at any
		if a.attachedAt != nil {
			at = *a.attachedAt
		}
		out = append(out, map[string]any{"id": v.id, "attachment_id": a.id, "volume_id": v.id, "server_id": a.server,
			"host_name": host, "device": a.device, "attached_at": at})
	}
	return out
}
