package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/fake"
)

// locHolders reads the lease records through srv (as admin) and returns
// each location's lease holder ("" when released), by location ID.
func locHolders(ctx context.Context, srv *server) (map[string]string, error) {
	a, err := srv.call(ctx, "GET", "/v1.0/admin/leases", nil)
	if err != nil {
		return nil, err
	}
	if a.status != 200 {
		return nil, fmt.Errorf("GET /v1.0/admin/leases: HTTP %d %.200s", a.status, a.body)
	}
	var body struct {
		Leases []struct {
			ID     string `json:"id"`
			Holder string `json:"holder"`
		} `json:"leases"`
	}
	if err := json.Unmarshal(a.body, &body); err != nil {
		return nil, fmt.Errorf("GET /v1.0/admin/leases: %v", err)
	}
	out := map[string]string{}
	for _, l := range body.Leases {
		if loc, ok := strings.CutPrefix(l.ID, "loc."); ok {
			out[loc] = l.Holder
		}
	}
	return out, nil
}

// overlaps lists the calls at one location that ran at the same time as a
// call of another caller: what a location's lease rules out.
func overlaps(log []fake.Call) []string {
	var out []string
	for _, p := range fake.Overlaps(log) {
		c, d := p[0], p[1]
		out = append(out, fmt.Sprintf("%s %s [%s, %s] overlaps %s %s [%s, %s]", c.Caller, c.Op, stamp(c.Start), stamp(c.End),
			d.Caller, d.Op, stamp(d.Start), stamp(d.End)))
	}
	return out
}

// handovers counts the times a location's calls passed from one caller to
// another, and the shortest quiet time between the last call of one and
// the first of the next: how close the leases came to overlapping.
func handovers(log []fake.Call) (n int, closest time.Duration) {
	log = slices.Clone(log)
	slices.SortStableFunc(log, func(a, b fake.Call) int { return a.Start.Compare(b.Start) })
	var last time.Time // the latest end so far
	for i, c := range log {
		if i > 0 && c.Caller != log[i-1].Caller {
			if gap := c.Start.Sub(last); n == 0 || gap < closest {
				closest = gap
			}
			n++
		}
		if c.End.After(last) {
			last = c.End
		}
	}
	return n, closest
}

func stamp(t time.Time) string { return t.Format("15:04:05.000000") }

// TestHandovers: handovers are counted, with the shortest gap.
func TestHandovers(t *testing.T) {
	at := func(ms int) time.Time {
		return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	}
	call := func(caller string, start, end int) fake.Call {
		return fake.Call{Op: fake.OpObserve, Caller: caller, Start: at(start), End: at(end)}
	}
	log := []fake.Call{call("r1", 300, 310), call("r0", 0, 100), call("r0", 10, 20), call("r1", 130, 140), call("r2", 400, 410)}
	if n, closest := handovers(log); n != 2 || closest != 30*time.Millisecond {
		t.Errorf("handovers = %d, %v; want 2, 30ms", n, closest)
	}
	if n, _ := handovers(log[1:3]); n != 0 {
		t.Errorf("handovers of one caller's calls = %d, want 0", n)
	}
}

// TestOverlaps: the check finds calls of two callers that overlap, however
// slightly, and only those.
func TestOverlaps(t *testing.T) {
	at := func(ms int) time.Time {
		return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	}
	call := func(caller string, start, end int) fake.Call {
		return fake.Call{Op: fake.OpObserve, Caller: caller, Start: at(start), End: at(end)}
	}
	tests := map[string]struct {
		log  []fake.Call
		want int
	}{
		"none":                {nil, 0},
		"one caller":          {[]fake.Call{call("r0", 0, 10), call("r0", 5, 15), call("r0", 1, 2)}, 0},
		"in turn":             {[]fake.Call{call("r1", 10, 20), call("r0", 0, 10), call("r2", 20, 30)}, 0},
		"crafted overlap":     {[]fake.Call{call("r0", 0, 10), call("r1", 9, 12)}, 1},
		"inside a long call":  {[]fake.Call{call("r0", 0, 100), call("r0", 1, 2), call("r1", 50, 51), call("r0", 60, 61)}, 1},
		"same start":          {[]fake.Call{call("r1", 5, 6), call("r0", 5, 6)}, 1},
		"past a shorter call": {[]fake.Call{call("r0", 0, 50), call("r0", 1, 2), call("r1", 40, 60), call("r2", 55, 70)}, 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := overlaps(tc.log); len(got) != tc.want {
				t.Errorf("overlaps = %d %q, want %d", len(got), got, tc.want)
			}
		})
	}
}
