package fake

import (
	"fmt"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Volume attachments. A machine attaches the volumes its Boot names at
// Create, in order, and holds them until it is gone (Nova detaches a
// server's volumes as it tears the server down), so a volume is attached
// exactly while a machine object naming it exists. A volume attached to
// another machine refuses a second attachment, as Cinder refuses to
// reserve an in-use volume (Nova's 400): retryable (Unavailable), as the
// OpenStack driver makes Nova's, since the holder may be a machine on its
// way out (a replacement, a redeployment, a volume moved between two
// servers in one change). An attached volume reports Cinder's "in-use"
// and refuses deletion (Conflict, as the OpenStack driver answers).
//
// Device names are the libvirt driver's: by bus, vdX (virtio, after the
// root disk vda), sdX (scsi) or hdX (ide), each bus's letters in order.

// attachment is one volume a machine holds.
type attachment struct {
	volume  string // the volume's external ID
	orcaVol string // the orca ID it was asked for by
	device  string
}

// devicePrefix maps a volume's bus to its device names' prefix and first
// letter (virtio's a is the root disk).
var devicePrefix = map[string]struct {
	prefix string
	first  byte
}{"virtio": {"vd", 'b'}, "scsi": {"sd", 'a'}, "ide": {"hd", 'a'}}

// attach gives obj the volumes of b, resolved through deps, or refuses
// them all. Callers hold v.mu.
func (v *VIM) attach(obj *object, b resource.Boot, deps map[resource.Ref]vim.Dep) error {
	next := map[string]byte{}
	for i, id := range b.VolumeIDs {
		dep := deps[resource.Ref{Kind: resource.KindVolume, ID: id}]
		vol := v.byExternal(resource.KindVolume, dep.ExternalID)
		field := fmt.Sprintf("volume_ids[%d]", i)
		switch {
		case vol == nil:
			return &resource.Error{Code: resource.NotFound, Field: field, Err: fmt.Errorf(
				"fake %s: volume %s not found (external ID %q)", v.opts.Name, id, dep.ExternalID)}
		case vol.state == vim.StateError:
			return resource.InvalidField(field, "fake %s: volume %s is in error; only an available volume can be attached", v.opts.Name, id)
		case vol.state != vim.StateReady:
			return &resource.Error{Code: resource.Unavailable, Field: field, Err: fmt.Errorf(
				"fake %s: volume %s is %s; only an available volume can be attached", v.opts.Name, id, taskStatus(vol))}
		}
		if h := v.holder(vol.externalID); h != nil {
			return &resource.Error{Code: resource.Unavailable, Field: field, Err: fmt.Errorf(
				"fake %s: volume %s is in-use: attached to %s %s", v.opts.Name, id, h.kind, h.orcaID)}
		}
		bus := "virtio"
		if spec, ok := dep.Spec.(*resource.Volume); ok && spec.Bus != "" {
			bus = spec.Bus
		}
		dp, ok := devicePrefix[bus]
		if !ok {
			return resource.InvalidField(field, "fake %s: volume %s has bus %q, which no machine has", v.opts.Name, id, bus)
		}
		if next[bus] == 0 {
			next[bus] = dp.first
		}
		obj.volumes = append(obj.volumes, attachment{volume: vol.externalID, orcaVol: id,
			device: fmt.Sprintf("/dev/%s%c", dp.prefix, next[bus])})
		next[bus]++
	}
	return nil
}

// holder is the machine that holds the volume with external ID ext, or
// nil. Callers hold v.mu.
func (v *VIM) holder(ext string) *object {
	for _, o := range v.objects {
		for _, a := range o.volumes {
			if a.volume == ext {
				return o
			}
		}
	}
	return nil
}

// checkDetached refuses to delete an attached volume. Callers hold v.mu.
func (v *VIM) checkDetached(obj *object) error {
	if obj.kind != resource.KindVolume {
		return nil
	}
	if h := v.holder(obj.externalID); h != nil {
		return resource.Errorf(resource.Conflict, "fake %s: volume %s is in-use: attached to %s %s; it can be deleted once detached",
			v.opts.Name, obj.orcaID, h.kind, h.orcaID)
	}
	return nil
}

// attachmentOutput adds to obs what the VIM reports of attachments: a
// machine's "volumes" ({volume_id (orca's), device}, in order); a volume's
// "attachments" ({server_id (the machine's external ID), device}, as
// Cinder's), and "in-use" while it has one. Callers hold v.mu.
func (v *VIM) attachmentOutput(o *object, obs *vim.Observation) {
	if o.machine {
		vols := make([]any, 0, len(o.volumes))
		for _, a := range o.volumes {
			vols = append(vols, map[string]any{"volume_id": a.orcaVol, "device": a.device})
		}
		obs.Output["volumes"] = vols
	}
	if o.kind != resource.KindVolume {
		return
	}
	list := []any{}
	if h := v.holder(o.externalID); h != nil {
		for _, a := range h.volumes {
			if a.volume == o.externalID {
				list = append(list, map[string]any{"server_id": h.externalID, "device": a.device})
			}
		}
		if o.state == vim.StateReady {
			obs.TaskStatus = "in-use"
		}
	}
	obs.Output["attachments"] = list
}

// attachmentInfo describes the attachments of o for Objects: a machine's
// volumes, or the machine a volume is attached to. Callers hold v.mu.
func (v *VIM) attachmentInfo(o *object) []AttachmentInfo {
	var out []AttachmentInfo
	for _, a := range o.volumes {
		out = append(out, AttachmentInfo{ServerID: o.orcaID, Server: o.externalID, VolumeID: a.orcaVol, Volume: a.volume, Device: a.device})
	}
	if o.kind == resource.KindVolume {
		if h := v.holder(o.externalID); h != nil {
			for _, a := range h.volumes {
				if a.volume == o.externalID {
					out = append(out, AttachmentInfo{ServerID: h.orcaID, Server: h.externalID, VolumeID: a.orcaVol, Volume: a.volume, Device: a.device})
				}
			}
		}
	}
	return out
}

// AttachmentInfo is one volume attached to a machine.
type AttachmentInfo struct {
	ServerID, VolumeID string // orca IDs (the machine's tag; the volume asked for)
	Server, Volume     string // external IDs
	Device             string // "/dev/vdb"
}
