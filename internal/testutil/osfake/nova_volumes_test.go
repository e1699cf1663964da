package osfake

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// blankVolume makes an available 1 GiB volume and returns its ID.
func (c *client) blankVolume(name string) string {
	c.t.Helper()
	id := str2(c.cinder(http.StatusAccepted, http.MethodPost, "/volumes", map[string]any{"volume": map[string]any{"name": name, "size": 1}}), "volume", "id")
	c.srv.Step()
	return id
}

// rootDisk is the mapping of the image as the root disk.
func rootDisk(image string) map[string]any {
	return map[string]any{"source_type": "image", "destination_type": "local", "uuid": image, "boot_index": 0, "delete_on_termination": true}
}

func dataDisk(volume string, extra map[string]any) map[string]any {
	m := map[string]any{"source_type": "volume", "destination_type": "volume", "uuid": volume, "boot_index": -1, "delete_on_termination": false}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// attachments reads a volume's status and its attachments as
// "server device".
func (c *client) attachments(id string) (string, []string) {
	c.t.Helper()
	v := get(c.cinder(http.StatusOK, http.MethodGet, "/volumes/"+id, nil), "volume")
	var out []string
	for _, a := range get(v, "attachments").([]any) {
		out = append(out, str2(a, "server_id")+" "+str2(a, "device"))
		if str2(a, "volume_id") != id || str2(a, "attachment_id") == "" {
			c.t.Errorf("attachment of %s: %v", id, a)
		}
	}
	return str2(v, "status"), out
}

// TestServerVolumes: volumes mapped at boot are reserved at the create,
// in use with devices once built, listed by the server, refused deletion
// and extension meanwhile, and released (or deleted, as mapped) once the
// server is gone.
func TestServerVolumes(t *testing.T) {
	srv, c := newFake(t, nil)
	net := c.network("a", "10.1.0.0/24")
	data, logs := c.blankVolume("data"), c.blankVolume("logs")
	img := imageID(t, srv, "cirros")
	id := c.boot("vnf", net, map[string]any{"block_device_mapping_v2": []any{
		rootDisk(img), dataDisk(data, nil), dataDisk(logs, map[string]any{"disk_bus": "scsi", "delete_on_termination": true})}})

	status, got := c.attachments(data)
	if status != "reserved" || !cmp.Equal(got, []string{id + " /dev/vdb"}) {
		t.Errorf("a volume of a server being built: %s %v, want reserved for %s", status, got, id)
	}
	wantAttached := []any{map[string]any{"id": data, "delete_on_termination": false}, map[string]any{"id": logs, "delete_on_termination": true}}
	view := get(c.nova(http.StatusOK, http.MethodGet, "/servers/"+id, nil), "server")
	if diff := cmp.Diff(wantAttached, get(view, "os-extended-volumes:volumes_attached")); diff != "" {
		t.Errorf("volumes_attached (-want +got):\n%s", diff)
	}
	old := c.must(http.StatusOK, http.MethodGet, "/compute/v2.1/servers/"+id, nil, "OpenStack-API-Version", "compute 2.1")
	if diff := cmp.Diff([]any{map[string]any{"id": data}, map[string]any{"id": logs}}, get(old, "server", "os-extended-volumes:volumes_attached")); diff != "" {
		t.Errorf("volumes_attached at 2.1 (-want +got):\n%s", diff)
	}

	srv.Step()
	for vol, dev := range map[string]string{data: "/dev/vdb", logs: "/dev/sda"} {
		status, got := c.attachments(vol)
		if status != "in-use" || !cmp.Equal(got, []string{id + " " + dev}) {
			t.Errorf("volume %s of a built server: %s %v, want in-use on %s %s", vol, status, got, id, dev)
		}
	}
	a := get(c.cinder(http.StatusOK, http.MethodGet, "/volumes/"+data, nil), "volume", "attachments", 0)
	if get(a, "attached_at") == nil || get(a, "host_name") == nil {
		t.Errorf("an attachment of a built server lacks attached_at or host_name: %v", a)
	}
	if got := c.cinderError(http.MethodDelete, "/volumes/"+data, nil); !strings.HasPrefix(got, "400 badRequest Invalid volume") {
		t.Errorf("deleting an attached volume: %s", got)
	}
	if got := c.cinderError(http.MethodPost, "/volumes/"+data+"/action", map[string]any{"os-extend": map[string]any{"new_size": 2}}); !strings.Contains(got, "currently in-use") {
		t.Errorf("extending an attached volume: %s", got)
	}

	c.nova(http.StatusNoContent, http.MethodDelete, "/servers/"+id, nil)
	if status, _ := c.attachments(data); status != "in-use" {
		t.Errorf("a volume of a server being deleted: %s, want in-use until it is gone", status)
	}
	srv.Step()
	if status, got := c.attachments(data); status != "available" || len(got) != 0 {
		t.Errorf("a volume of a deleted server: %s %v, want available, unattached", status, got)
	}
	// Mapped with delete_on_termination: gone with the server.
	c.cinder(http.StatusNotFound, http.MethodGet, "/volumes/"+logs, nil)
}

// TestServerVolumeRefusals: Nova's answers to mappings it refuses, which
// reserve nothing.
func TestServerVolumeRefusals(t *testing.T) {
	srv, c := newFake(t, nil)
	net := c.network("a", "10.1.0.0/24")
	img := imageID(t, srv, "cirros")
	held, free := c.blankVolume("held"), c.blankVolume("free")
	holder := c.boot("holder", net, map[string]any{"block_device_mapping_v2": []any{rootDisk(img), dataDisk(held, nil)}})
	srv.Step()
	unknown := "5e1c0f5e-0000-4000-8000-000000000000"
	tests := map[string]struct {
		bdm     any
		wantMsg string
	}{
		"volume in use": {[]any{rootDisk(img), dataDisk(held, nil)},
			"Invalid volume: Invalid input received: Invalid volume: Volume " + held + " status must be available or downloading to reserve, but the current status is in-use."},
		"volume twice": {[]any{rootDisk(img), dataDisk(free, nil), dataDisk(free, nil)},
			"Volume " + free + " status must be available or downloading to reserve, but the current status is reserved."},
		"unknown volume":   {[]any{rootDisk(img), dataDisk(unknown, nil)}, "Block Device Mapping is Invalid: failed to get volume " + unknown + "."},
		"two boot devices": {[]any{rootDisk(img), dataDisk(free, map[string]any{"boot_index": 0})}, "Boot sequence for the instance and image/block device mapping combination is not valid."},
		"image not root":   {[]any{map[string]any{"source_type": "image", "destination_type": "local", "uuid": img, "boot_index": 1}}, "Mapping image to local is not supported."},
		"blank volume":     {[]any{rootDisk(img), map[string]any{"source_type": "blank", "destination_type": "volume", "volume_size": 1}}, "is not modelled by osfake"},
		"unknown source":   {[]any{map[string]any{"source_type": "disk"}}, "'disk' is not one of ['volume', 'image', 'snapshot', 'blank']"},
		"bad boot index":   {[]any{dataDisk(free, map[string]any{"boot_index": "first"})}, "Invalid input for field/attribute boot_index"},
		"unknown property": {[]any{dataDisk(free, map[string]any{"size": 1})}, "Additional properties are not allowed ('size' was unexpected)"},
		"not a list":       {map[string]any{}, "is not of type 'array'"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := len(srv.Objects(KindServer))
			s := map[string]any{"name": "s", "imageRef": img, "flavorRef": "1", "networks": []any{map[string]any{"uuid": net}},
				"block_device_mapping_v2": tc.bdm}
			r := c.do(http.MethodPost, "/compute/v2.1/servers", map[string]any{"server": s}, "OpenStack-API-Version", "compute 2.64")
			var msg string
			for _, v := range r.json(t) {
				msg, _ = get(v, "message").(string)
			}
			if r.status != http.StatusBadRequest || !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("= %d %q, want 400 with %q", r.status, msg, tc.wantMsg)
			}
			if n := len(srv.Objects(KindServer)); n != before {
				t.Errorf("%d servers after a refusal, want %d", n, before)
			}
			if status, got := c.attachments(free); status != "available" || len(got) != 0 {
				t.Errorf("the free volume after a refusal: %s %v", status, got)
			}
			if status, got := c.attachments(held); status != "in-use" || !cmp.Equal(got, []string{holder + " /dev/vdb"}) {
				t.Errorf("the held volume after a refusal: %s %v", status, got)
			}
		})
	}
}
