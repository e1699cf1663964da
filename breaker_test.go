package orca_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
)

// TestBreakerStopsCallsToADeadLocation: when a location's VIM hangs, the
// orchestrator stops calling it after a few timeouts instead of tying up
// its workers there: the healthy location converges meanwhile; the dead
// one shows Failed, and each copy there says it is unreachable; only the
// location's ping still reaches it. When it answers again every copy goes
// at once, not after its backoff.
func TestBreakerStopsCallsToADeadLocation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 2, orca: orca.Options{Workers: 2, CallTimeout: 10 * time.Second,
			RetryMax: time.Hour}})
		dead := e.f.VIM("loc-2")
		dead.Down(true)
		var refs []resource.Ref
		for i := range 20 {
			refs = append(refs, e.apply(network(fmt.Sprintf("n%d", i), fmt.Sprintf("10.%d.0.0/24", i), 0)).Ref)
		}
		e.waitFor("loc-1 converged while loc-2 hangs", 30*time.Minute, func() bool {
			for _, r := range refs {
				if l := e.locals(r)["loc-1"]; l == nil || l.Status.Phase != resource.PhaseReady {
					return false
				}
			}
			return true
		})
		e.waitFor("loc-2 marked unreachable", 10*time.Minute, func() bool {
			loc := e.get(ref(resource.KindLocation, "loc-2"))
			return loc.Status.Phase == resource.PhaseFailed && strings.Contains(loc.Status.Message, "unreachable")
		})
		settle(10 * time.Minute) // every copy has had its retries by now
		for _, r := range refs {
			if msg := e.locals(r)["loc-2"].Status.Message; !strings.Contains(msg, "location loc-2 is unreachable") {
				t.Errorf("%s at loc-2 says %q, want that the location is unreachable", r.ID, msg)
			}
		}
		// Over 10 minutes, 20 copies retrying: with the breaker open only
		// pings (one per poll interval, each hanging 10s) reach the VIM.
		before, pingsBefore := dead.Calls(fake.OpAny), dead.Calls(fake.OpPing)
		settle(10 * time.Minute)
		if calls, pings := dead.Calls(fake.OpAny)-before, dead.Calls(fake.OpPing)-pingsBefore; calls > pings {
			t.Errorf("%d calls reached the dead VIM in 10 minutes, %d of them pings: copies still call it", calls, pings)
		}

		dead.Up()
		e.waitFor("loc-2 back", 5*time.Minute, func() bool {
			for _, r := range refs {
				if l := e.locals(r)["loc-2"]; l.Status.Phase != resource.PhaseReady || l.Status.Message != "" {
					return false
				}
			}
			return e.get(ref(resource.KindLocation, "loc-2")).Status.Phase == resource.PhaseReady
		})
		if n := len(e.vimObjects("loc-2", resource.KindNetwork)); n != len(refs) {
			t.Errorf("%d networks at loc-2, want %d", n, len(refs))
		}
	})
}
