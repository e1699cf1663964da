package orca_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
)

// TestWorkersFollowLocations: without Options.Workers the pool grows to two
// workers per VIM call slot as locations open, never below 8; with it, the
// pool is what was set whatever opens. Stopped, it runs none.
func TestWorkersFollowLocations(t *testing.T) {
	tests := map[string]struct {
		workers int
		want    []int // after 1, 3 and 5 locations are Ready
	}{
		"sized by the locations": {want: []int{8, 18, 30}},
		"set":                    {workers: 5, want: []int{5, 5, 5}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, envOptions{orca: orca.Options{Workers: tc.workers, LocationConcurrency: 3}})
				n := 0
				for i, count := range []int{1, 3, 5} {
					for ; n < count; n++ {
						e.addLocation(fmt.Sprintf("loc-%d", n+1), nil)
					}
					for j := 1; j <= n; j++ {
						e.waitPhase(ref(resource.KindLocation, fmt.Sprintf("loc-%d", j)), resource.PhaseReady)
					}
					h, err := e.o.Health(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if h.Workers != tc.want[i] {
						t.Errorf("%d locations: %d workers, want %d", n, h.Workers, tc.want[i])
					}
				}
				e.stop()
				h, err := e.o.Health(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if h.Workers != 0 {
					t.Errorf("stopped: %d workers, want 0", h.Workers)
				}
			})
		})
	}
}
