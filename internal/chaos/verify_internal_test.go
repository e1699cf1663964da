package chaos

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake/fakewire"
	"github.com/orca-nfv/orca/resource"
)

// world is what check reads: the API's resources by collection, and each
// location's VIM objects.
type world struct {
	api  map[string][]map[string]any // by path
	vims map[string][]fakewire.Object
}

// converged builds the world a plan should end in: every live resource
// Ready at every location with one VIM object there, groups holding
// their live rules.
func converged(p *plan, locations []string) *world {
	w := &world{api: map[string][]map[string]any{}, vims: map[string][]fakewire.Object{}}
	rules := map[string][]string{}
	for _, it := range p.items {
		if it.live() && it.owner != "" {
			rules[it.owner] = append(rules[it.owner], it.ref.ID)
		}
	}
	for _, it := range p.items {
		if !it.live() {
			continue
		}
		at := map[string]any{}
		for _, loc := range locations {
			ext := loc + "-" + it.ref.ID
			at[loc] = map[string]any{"external_id": ext, "status": "Ready"}
			if it.realized {
				w.vims[loc] = append(w.vims[loc], fakewire.Object{Kind: it.ref.Kind, OrcaID: "tag-" + ext, ExternalID: ext,
					State: "Ready", Global: it.ref, Parts: rules[it.ref.ID]})
			}
		}
		st := map[string]any{"phase": "Ready", "observed_generation": 1}
		if it.realized {
			st["output"] = map[string]any{"locations": at}
		}
		w.api[it.path] = append(w.api[it.path], map[string]any{"id": it.ref.ID, "orca": map[string]any{"generation": 1, "status": st}})
	}
	return w
}

// serve answers check's requests from the world: lists of the API, and
// the inspection endpoint of the fake VIMs.
func (w *world) serve(t *testing.T, p *plan) (*server, *fakewire.Client) {
	plural := map[string]string{}
	for _, it := range p.items {
		plural[it.path] = it.key + "s"
	}
	h := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if loc, ok := strings.CutPrefix(r.URL.Path, "/v1/vims/"); ok {
			loc = strings.TrimSuffix(loc, "/objects")
			json.NewEncoder(rw).Encode(map[string]any{"objects": w.vims[loc]})
			return
		}
		if r.URL.Query().Get("offset") != "0" {
			json.NewEncoder(rw).Encode(map[string]any{plural[r.URL.Path]: []any{}})
			return
		}
		json.NewEncoder(rw).Encode(map[string]any{plural[r.URL.Path]: w.api[r.URL.Path]})
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	up := make(chan struct{})
	close(up)
	srv := &server{url: ts.URL, token: "token", up: up, hc: ts.Client()}
	vims, err := fakewire.NewClient(ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, vims
}

// TestCheckFinds: the final check sees each way the end state can be
// wrong, and counts it where the report says.
func TestCheckFinds(t *testing.T) {
	locations := []string{"loc-1", "loc-2", "loc-3"}
	p := newPlan(40, 4, rand.New(rand.NewPCG(1, 2)))
	first := func(kind resource.Kind, live bool) *item {
		for _, it := range p.items {
			if it.ref.Kind == kind && it.live() == live {
				return it
			}
		}
		panic(fmt.Sprintf("the plan has no %s (live %v)", kind, live))
	}
	vm, net := first(resource.KindServer, true), first(resource.KindNetwork, true)
	sg := &item{ref: resource.Ref{Kind: resource.KindSecurityGroup, ID: first(resource.KindSecurityGroupRule, true).owner}}
	gone := first(resource.KindServer, false)
	type counts struct{ Duplicates, Missing, Orphans, Unconverged int }
	status := func(w *world, it *item) map[string]any {
		for _, r := range w.api[it.path] {
			if r["id"] == it.ref.ID {
				return r["orca"].(map[string]any)["status"].(map[string]any)
			}
		}
		panic("not in the API: " + it.ref.String())
	}
	tests := map[string]struct {
		change func(w *world)
		want   counts
	}{
		"converged": {func(*world) {}, counts{}},
		"a second VIM object of a server": {func(w *world) {
			o := w.vims["loc-2"][0]
			for _, x := range w.vims["loc-2"] {
				if x.Global == vm.ref {
					o = x
				}
			}
			o.OrcaID, o.ExternalID = "another-tag", "another"
			w.vims["loc-2"] = append(w.vims["loc-2"], o)
		}, counts{Duplicates: 1}},
		"an acknowledged network not in the API": {func(w *world) {
			w.api[net.path] = w.api[net.path][1:]
		}, counts{Missing: 1}},
		"no VIM object at a location": {func(w *world) {
			w.vims["loc-3"] = w.vims["loc-3"][1:]
		}, counts{Missing: 1}},
		"an object of no resource": {func(w *world) {
			w.vims["loc-1"] = append(w.vims["loc-1"], fakewire.Object{Kind: resource.KindImage, OrcaID: "x", State: "Ready",
				Global: resource.Ref{Kind: resource.KindImage, ID: "stray"}})
		}, counts{Orphans: 1}},
		"a deleted server still in a VIM": {func(w *world) {
			w.vims["loc-1"] = append(w.vims["loc-1"], fakewire.Object{Kind: resource.KindServer, OrcaID: "y", State: "Ready", Global: gone.ref})
		}, counts{Unconverged: 1}},
		"a deleted server still in the API": {func(w *world) {
			w.api[gone.path] = append(w.api[gone.path], map[string]any{"id": gone.ref.ID, "orca": map[string]any{"deleting": true}})
		}, counts{Unconverged: 1}},
		"a server still building": {func(w *world) {
			status(w, vm)["phase"] = "Provisioning"
		}, counts{Unconverged: 1}},
		"a change not yet realized": {func(w *world) {
			status(w, vm)["observed_generation"] = 0
		}, counts{Unconverged: 1}},
		"the API naming another VIM object": {func(w *world) {
			for i, o := range w.vims["loc-1"] {
				if o.Global == net.ref {
					w.vims["loc-1"][i].ExternalID = "replaced"
				}
			}
		}, counts{Unconverged: 1}},
		"a group without its rules": {func(w *world) {
			for i, o := range w.vims["loc-2"] {
				if o.Global == sg.ref {
					w.vims["loc-2"][i].Parts = nil
				}
			}
		}, counts{Unconverged: 1}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			w := converged(p, locations)
			tc.change(w)
			srv, vims := w.serve(t, p)
			f, err := check(t.Context(), srv, vims, p, locations)
			if err != nil {
				t.Fatal(err)
			}
			got := counts{f.duplicates, f.missing, f.orphans, f.unconverged}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s\nproblems: %q", diff, f.problems)
			}
			if f.clean() != (tc.want == counts{}) {
				t.Errorf("clean = %v with problems %q", f.clean(), f.problems)
			}
		})
	}
}
