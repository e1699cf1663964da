package chaos

import (
	"math/rand/v2"
	"testing"
)

// TestPlan: a plan writes n resources in rounds waves, never names what is
// not written yet (in its own wave at a lower level, or earlier), and
// never deletes what a resource it keeps or writes later names.
func TestPlan(t *testing.T) {
	for name, tc := range map[string]struct{ n, rounds, creates, deletes int }{
		"short":     {60, 3, 2, 1},
		"long":      {1000, 20, 15, 5},
		"no kills":  {20, 0, 1, 0},
		"one round": {30, 1, 1, 0},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPlan(tc.n, tc.rounds, rand.New(rand.NewPCG(7, 8)))
			if len(p.items) != tc.n || p.creates != tc.creates || p.deletes != tc.deletes {
				t.Fatalf("%d items in %d+%d waves, want %d in %d+%d", len(p.items), p.creates, p.deletes, tc.n, tc.creates, tc.deletes)
			}
			byID := map[string]*item{}
			for _, it := range p.items {
				if byID[it.ref.ID] != nil {
					t.Fatalf("ID %s twice", it.ref.ID)
				}
				byID[it.ref.ID] = it
			}
			deleted := 0
			for _, it := range p.items {
				if !it.live() {
					deleted++
					if it.deleteWave < p.creates || it.deleteWave >= p.creates+p.deletes {
						t.Errorf("%s deleted in wave %d, not a deletion wave", it.ref, it.deleteWave)
					}
				}
				for _, f := range []string{"image_id", "flavor_id", "network_id", "security_group_id", "server_group_id"} {
					id, ok := it.body[f].(string)
					if !ok {
						continue
					}
					dep := byID[id]
					switch {
					case dep == nil:
						t.Errorf("%s names %s, which the plan does not write", it.ref, id)
					case dep.wave > it.wave || dep.wave == it.wave && dep.level >= it.level:
						t.Errorf("%s (wave %d) names %s, written later (wave %d)", it.ref, it.wave, id, dep.wave)
					case !dep.live():
						t.Errorf("%s names %s, which is deleted", it.ref, id)
					}
				}
			}
			if tc.deletes > 0 && deleted == 0 {
				t.Error("deletion waves delete nothing")
			}
		})
	}
}
