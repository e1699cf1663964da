package resource

import "strings"

// Volume bounds. Cinder keeps names and descriptions to 255 characters;
// 64 TiB is orca's own ceiling, larger than any sane per-volume quota.
const (
	MaxVolumeGB             = 65536
	MaxVolumeDescriptionLen = 255
)

// VolumeBuses are the disk buses a machine can attach a volume on.
var VolumeBuses = []string{"virtio", "ide", "scsi"}

// Volume is a block-storage volume at every target location (Cinder on
// OpenStack), blank or made from an image.
type Volume struct {
	Description string `json:"description" orca:"mutable"`
	// SizeGB is the size in GiB (ESC's size and sizeunit are converted by
	// its API), 1 to MaxVolumeGB. Cinder extends a volume in place but
	// never shrinks it, so an update may only grow it (ValidateUpdate).
	SizeGB int64 `json:"size_gb" orca:"mutable"`
	// VolumeType is the name of a Cinder volume type ("" = the cloud's
	// default). Cinder shows a volume's type by name, so a type given by
	// ID would never match what it reports.
	VolumeType string `json:"volume_type"`
	// ImageID, when set, makes a bootable volume from an orca image.
	ImageID string `json:"image_id" orca:"ref=image"`
	// Bus is the disk bus a machine attaches the volume on: virtio (the
	// default), ide or scsi.
	Bus string `json:"bus"`
}

func (s *Volume) Default() {
	if s.Bus == "" {
		s.Bus = "virtio"
	}
}

func (s *Volume) Validate() error {
	var p problems
	p.text("description", s.Description, MaxVolumeDescriptionLen)
	p.between("size_gb", s.SizeGB, 1, MaxVolumeGB)
	p.text("volume_type", s.VolumeType, MaxIDLen)
	if s.VolumeType != strings.TrimSpace(s.VolumeType) {
		p.add("volume_type", "%q has leading or trailing spaces", s.VolumeType)
	}
	p.ref("image_id", s.ImageID, false)
	p.oneOf("bus", s.Bus, VolumeBuses...)
	return p.err()
}

func (s *Volume) Dependencies() []Ref { return refs(Ref{KindImage, s.ImageID}) }

// ValidateUpdate refuses to shrink the volume: Cinder cannot, and a
// replacement would lose its data. Refused here, the change never reaches
// a location, where it could only fail.
func (s *Volume) ValidateUpdate(old Spec) error {
	prev, ok := old.(*Volume)
	if !ok || s.SizeGB >= prev.SizeGB {
		return nil
	}
	return InvalidField("size_gb", "%d GiB is smaller than the volume's %d GiB: a volume can grow, never shrink; make a new volume instead",
		s.SizeGB, prev.SizeGB)
}

var _ UpdateValidator = (*Volume)(nil)
