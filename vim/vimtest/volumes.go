package vimtest

import (
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Servers boot with volumes attached (a VNF's disks): the server reports
// Output["volumes"] ({volume_id (orca's), ...}, in order), the volume
// Cinder's "in-use" status word and Output["attachments"] ({server_id (the
// server's external ID), device}); once the server is gone the volume is
// "available" again with no attachment.

// testServerVolume: a server booted with one volume is ready without
// drift and reports it; the volume shows the attachment; deleting the
// server frees the volume.
func testServerVolume(t *testing.T, s *suite) {
	if !vim.Serves(s.d, resource.KindServer) || !vim.Serves(s.d, resource.KindVolume) {
		// An OpenStack without Cinder (the loopback test cloud) serves
		// no volumes.
		t.Skip("the driver does not serve servers and volumes")
	}
	vol := s.object(t, resource.KindVolume)
	s.realize(t, vol)
	o := s.object(t, resource.KindServer)
	o.Spec.(*resource.Server).VolumeIDs = []string{vol.Global.ID}
	o.Deps[vol.Global] = vim.Dep{ExternalID: vol.ExternalID, Name: vol.Name, Spec: vol.Spec}

	s.create(t, o)
	obs := s.waitFor(t, o, "ready with its volume", func(obs vim.Observation) bool {
		list, _ := obs.Output["volumes"].([]any)
		return obs.Exists && obs.State == vim.StateReady && len(list) == 1
	})
	if len(obs.Drift) != 0 {
		t.Errorf("a fresh server with a volume drifts: %v", obs.Drift)
	}
	if got, _ := obs.Output["volumes"].([]any)[0].(map[string]any); got["volume_id"] != vol.Global.ID {
		t.Errorf("Output[volumes] = %v, want volume_id %s", obs.Output["volumes"], vol.Global.ID)
	}
	s.waitFor(t, vol, "in-use by the server", func(obs vim.Observation) bool {
		return obs.TaskStatus == "in-use" && obs.State == vim.StateReady && attachedTo(obs) == o.ExternalID
	})

	if err := s.d.Delete(t.Context(), o); err != nil {
		t.Fatalf("Delete(%s): %v", o, err)
	}
	s.waitFor(t, o, "gone", func(obs vim.Observation) bool { return !obs.Exists })
	s.waitFor(t, vol, "available again", func(obs vim.Observation) bool {
		list, ok := obs.Output["attachments"].([]any)
		return obs.TaskStatus == "available" && ok && len(list) == 0
	})
}

// attachedTo is the server_id of a volume's only attachment, or "".
func attachedTo(obs vim.Observation) string {
	list, _ := obs.Output["attachments"].([]any)
	if len(list) != 1 {
		return ""
	}
	a, _ := list[0].(map[string]any)
	id, _ := a["server_id"].(string)
	return id
}
