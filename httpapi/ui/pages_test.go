package ui_test

import (
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

func ref(kind resource.Kind, id string) resource.Ref { return resource.Ref{Kind: kind, ID: id} }

// copyAt is the copy of network id at a location, nil while there is none.
func (e *env) copyAt(id, location string) *resource.Resource {
	e.t.Helper()
	list, err := e.O.List(e.t.Context(), store.Filter{Kind: resource.KindLocalNetwork, Owner: &resource.Ref{Kind: resource.KindNetwork, ID: id}, Location: location})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(list.Items) == 0 {
		return nil
	}
	return list.Items[0]
}

// threeLocations adds loc-3, whose VIM refuses every call, and t1's
// network net-1, and waits until net-1 is Ready at loc-1 and loc-2 and
// its copy at loc-3 is stuck saying why.
func (e *env) threeLocations() {
	e.t.Helper()
	e.Factory.VIM("loc-3").Down(false)
	e.create(&resource.Resource{Ref: ref(resource.KindLocation, "loc-3"), Name: "loc-3", Spec: &resource.Location{KeystoneEndpoint: "fake://loc-3"}})
	e.create(&resource.Resource{Ref: ref(resource.KindNetwork, "net-1"), Tenant: "t1", Name: "net-1",
		Spec: &resource.Network{CIDR: "10.0.0.0/16", LocalPrefixLen: 24}})
	wait.Until(e.t, "net-1 Ready at loc-1 and loc-2, stuck at loc-3", func() bool {
		stuck := e.copyAt("net-1", "loc-3")
		return stuck != nil && stuck.Status.Phase != resource.PhaseReady && strings.Contains(stuck.Status.Message, "loc-3") &&
			e.copyAt("net-1", "loc-1").Status.Phase == resource.PhaseReady && e.copyAt("net-1", "loc-2").Status.Phase == resource.PhaseReady
	})
}

// cells reads the matrix: resource@location → the phase its cell shows
// ("" where the resource is not placed).
func cells(body string) map[string]string {
	out := map[string]string{}
	for _, m := range attrs(body, `data-cell="([^"]*)" data-phase="([^"]*)"`) {
		out[html.UnescapeString(m[1])] = m[2]
	}
	return out
}

// TestMatrixOneLocationFailing: with three locations of which one refuses
// every call, the matrix shows net-1 Ready at loc-1 and loc-2 and stuck
// at loc-3, a server placed at loc-1 only as absent elsewhere, the counts
// per phase, and on the overview loc-3 as not Ready.
func TestMatrixOneLocationFailing(t *testing.T) {
	e := newEnv(t, nil)
	e.threeLocations()
	e.create(&resource.Resource{Ref: ref(resource.KindFlavor, "small"), Tenant: "t1", Name: "small",
		Placement: &resource.Placement{Locations: []string{"loc-1"}}, Spec: &resource.Flavor{RAM: 64, VCPUs: 1}})
	wait.Until(t, "the flavor Ready at loc-1", func() bool {
		f, err := e.O.Get(t.Context(), ref(resource.KindFlavor, "small"))
		return err == nil && f.Status.Phase == resource.PhaseReady
	})
	b := e.browser().login("alice", "alice-pw")

	before := e.copyAt("net-1", "loc-3").Status.Phase
	matrix := b.get("/ui/tenants/t1").want(t, http.StatusOK, "t1's matrix")
	after := e.copyAt("net-1", "loc-3").Status.Phase
	got := cells(matrix.body)
	stuck := got["network/net-1@loc-3"]
	if stuck != string(before) && stuck != string(after) {
		t.Errorf("net-1's cell at loc-3 shows %q; its copy was %s, then %s", stuck, before, after)
	}
	want := map[string]string{
		"network/net-1@loc-1": "Ready", "network/net-1@loc-2": "Ready", "network/net-1@loc-3": stuck,
		"flavor/small@loc-1": "Ready", "flavor/small@loc-2": "", "flavor/small@loc-3": "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("matrix cells (-want +got):\n%s", diff)
	}
	if stuck == "Ready" || stuck == "" {
		t.Errorf("net-1 shows %q at the failing location", stuck)
	}
	counts := map[string]string{}
	for _, m := range attrs(matrix.body, `data-count="([^"]*)">[^<]* ([0-9]+)<`) {
		counts[m[1]] = m[2]
	}
	wantCounts := map[string]string{"Ready": "3", "Provisioning": "0", "Updating": "0", "Pending": "0", "Deleting": "0", "Failed": "0"}
	wantCounts[stuck] = "1"
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("counts per phase (-want +got):\n%s", diff)
	}
	columns := map[string]string{}
	for _, m := range attrs(matrix.body, `data-column="([^"]*)">([^<]*)<`) {
		columns[m[1]] = m[2]
	}
	if diff := cmp.Diff(map[string]string{"loc-1": "2 / 2", "loc-2": "1 / 1", "loc-3": "0 / 1"}, columns); diff != "" {
		t.Errorf("ready / copies per location (-want +got):\n%s", diff)
	}

	overview := b.get("/ui/").want(t, http.StatusOK, "the overview")
	phases := map[string]string{}
	for _, m := range attrs(overview.body, `data-location="([^"]*)" data-phase="([^"]*)"`) {
		phases[m[1]] = m[2]
	}
	if phases["loc-1"] != "Ready" || phases["loc-2"] != "Ready" || phases["loc-3"] == "Ready" || phases["loc-3"] == "" {
		t.Errorf("the overview's location phases: %v", phases)
	}
}

// TestStuckResourcePage: the page of a resource stuck at one location
// shows each copy's phase and message, the failing location's state, and
// the event history of the resource and its copies, as stored.
func TestStuckResourcePage(t *testing.T) {
	e := newEnv(t, nil)
	e.threeLocations()
	b := e.browser().login("alice", "alice-pw")

	subjects := []string{"net-1"}
	for _, loc := range []string{"loc-1", "loc-2", "loc-3"} {
		subjects = append(subjects, e.copyAt("net-1", loc).ID)
	}
	events := func() []string {
		var ids []string
		for _, s := range subjects {
			list, err := e.O.List(t.Context(), store.Filter{Kind: resource.KindEvent, Fields: map[string]string{"subject_id": s}})
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range list.Items {
				ids = append(ids, ev.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	before := events()
	// The copy keeps retrying while the page is made: its message
	// before the page or after it is the one shown.
	stuckBefore := e.copyAt("net-1", "loc-3")
	p := b.get("/ui/resources/network/net-1").want(t, http.StatusOK, "net-1's page")
	after := events()
	stuck := e.copyAt("net-1", "loc-3")

	var shown []string
	for _, m := range attrs(p.body, `data-event="([^"]*)"`) {
		shown = append(shown, m[1])
	}
	slices.Sort(shown)
	if len(before) == 0 {
		t.Fatal("no events were recorded for net-1 or its copies")
	}
	for _, id := range before {
		if !slices.Contains(shown, id) {
			t.Errorf("event %s, recorded before the page, is not on it", id)
		}
	}
	for _, id := range shown {
		if !slices.Contains(after, id) {
			t.Errorf("the page shows event %s, which is not net-1's or its copies'", id)
		}
	}
	copies := map[string]string{}
	for _, m := range attrs(p.body, `data-copy="([^"]*)" data-phase="([^"]*)"`) {
		copies[m[1]] = m[2]
	}
	if copies["loc-1"] != "Ready" || copies["loc-2"] != "Ready" || copies["loc-3"] == "Ready" || copies["loc-3"] == "" {
		t.Errorf("copies' phases on the page: %v", copies)
	}
	if !strings.Contains(p.body, html.EscapeString(stuckBefore.Status.Message)) && !strings.Contains(p.body, html.EscapeString(stuck.Status.Message)) {
		t.Errorf("the page does not show why the loc-3 copy is stuck (%q, then %q):\n%s", stuckBefore.Status.Message, stuck.Status.Message, p.body)
	}
	if !strings.Contains(p.body, `location <span class="badge phase-failed">Failed</span>`) {
		t.Errorf("the page does not show loc-3 as failed next to its copy")
	}

	// The copy's own page: its message, its parent, its history.
	cp := b.get("/ui/resources/local_network/"+stuck.ID).want(t, http.StatusOK, "the stuck copy's page")
	stuckAfter := e.copyAt("net-1", "loc-3")
	if !strings.Contains(cp.body, html.EscapeString(stuck.Status.Message)) && !strings.Contains(cp.body, html.EscapeString(stuckAfter.Status.Message)) {
		t.Errorf("the copy's page lacks its message (%q, then %q)", stuck.Status.Message, stuckAfter.Status.Message)
	}
	if !strings.Contains(cp.body, `href="/ui/resources/network/net-1"`) {
		t.Error("the copy's page lacks its parent's link")
	}
}
