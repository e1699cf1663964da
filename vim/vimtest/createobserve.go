package vimtest

import (
	"testing"

	"github.com/orca-nfv/orca/vim"
)

// testCreateObserve: a driver that answers a create with the object
// (vim.CreateObserver) reports what Observe reports, and adopts as Create
// does: a repeat answers with the same object, and the VIM holds one.
func testCreateObserve(t *testing.T, s *suite) {
	co, ok := s.d.(vim.CreateObserver)
	if !ok {
		t.Skip("the driver does not answer creates with the object")
	}
	for _, k := range s.kinds(t) {
		t.Run(string(k), func(t *testing.T) {
			o := s.object(t, k)
			obs, err := co.CreateObserve(t.Context(), o)
			if err != nil {
				t.Fatalf("CreateObserve: %v", err)
			}
			o.ExternalID = obs.ExternalID
			t.Cleanup(func() { s.cleanup(t, o) })
			if !obs.Exists || obs.ExternalID == "" {
				t.Fatalf("CreateObserve = %+v, want an existing object with an external ID", obs)
			}
			got, err := s.d.Observe(t.Context(), o)
			if err != nil || got.ExternalID != obs.ExternalID || got.State != obs.State && got.State != vim.StateReady {
				t.Errorf("Observe after CreateObserve = %+v, %v; CreateObserve said %+v", got, err, obs)
			}
			again, err := co.CreateObserve(t.Context(), o)
			if err != nil || again.ExternalID != obs.ExternalID {
				t.Errorf("CreateObserve again = %s, %v; want the adopted %s", again.ExternalID, err, obs.ExternalID)
			}
			if n, ok := s.count(t, o); ok && n != 1 {
				t.Errorf("%d VIM objects carry the tag, want 1", n)
			}
		})
	}
}
