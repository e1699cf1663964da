package contrail_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// policyRefs lists the policies (by name) a network refers to.
func (e *env) policyRefs(network string) []string {
	var out []string
	for _, r := range asList(e.get("virtual-network", network)["network_policy_refs"]) {
		to := asList(r.(map[string]any)["to"])
		out = append(out, to[len(to)-1].(string))
	}
	slices.Sort(out)
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

// calls summarises requests as "METHOD path [operation]".
func calls(reqs []sent) []string {
	var out []string
	for _, r := range reqs {
		s := r.Method + " " + r.Path
		if body, ok := r.Body.(map[string]any); ok && body["operation"] != nil {
			s += fmt.Sprintf(" %v %v", body["operation"], body["uuid"])
		}
		out = append(out, s)
	}
	return out
}

func TestPolicyAttachAndDetachOrder(t *testing.T) {
	e := newEnv(t, nil)
	a, b, c := network("net-a", "10.1.0.0/24"), network("net-b", "10.2.0.0/24"), network("net-c", "10.3.0.0/24")
	e.create(a)
	e.create(b)
	e.create(c)
	p := policyBetween("pol-1", a, b, resource.PolicyEntry{Protocol: "tcp"})
	e.rec.take()
	id := e.create(p)
	want := []string{
		"GET /virtual-networks?obj_uuids=" + a.ExternalID + "%2C" + b.ExternalID,
		"POST /network-policys",
		"POST /ref-update ADD " + a.ExternalID,
		"POST /ref-update ADD " + b.ExternalID,
	}
	if diff := cmp.Diff(want, calls(e.rec.take())); diff != "" {
		t.Errorf("Create's requests (-want +got):\n%s", diff)
	}
	for _, n := range []string{"net-a", "net-b"} {
		if diff := cmp.Diff([]string{"pol-1"}, e.policyRefs(n)); diff != "" {
			t.Errorf("%s's policies (-want +got):\n%s", n, diff)
		}
	}

	// Someone attaches it to a third network too; Delete takes it off
	// every network before deleting it (Contrail refuses otherwise).
	e.put("virtual-network", c.ExternalID, `{"virtual-network": {"network_policy_refs": [
	  {"to": ["default-domain","admin","pol-1"], "attr": null}]}}`)
	if err := e.d.Delete(context.Background(), p); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	want = []string{
		"GET /network-policy/" + id,
		"POST /ref-update DELETE " + a.ExternalID,
		"POST /ref-update DELETE " + b.ExternalID,
		"POST /ref-update DELETE " + c.ExternalID,
		"DELETE /network-policy/" + id,
	}
	got := calls(e.rec.take())
	slices.Sort(got[1:4]) // back-refs come in the server's order
	wantSorted := slices.Clone(want)
	slices.Sort(wantSorted[1:4])
	if diff := cmp.Diff(wantSorted, got); diff != "" {
		t.Errorf("Delete's requests (-want +got):\n%s", diff)
	}
	for _, n := range []string{"net-a", "net-b", "net-c"} {
		if refs := e.policyRefs(n); len(refs) != 0 {
			t.Errorf("%s still refers to %v", n, refs)
		}
	}
	if obs := e.observe(p); obs.Exists {
		t.Errorf("the policy survived Delete: %+v", obs)
	}
}

// linkedPair creates two networks and a policy between them.
func (e *env) linkedPair() (a, b, p *vim.Object) {
	e.t.Helper()
	a, b = network("net-a", "10.1.0.0/24"), network("net-b", "10.2.0.0/24")
	e.create(a)
	e.create(b)
	p = policyBetween("pol-1", a, b)
	e.create(p)
	return a, b, p
}

func TestPolicyLostAttachmentIsRepaired(t *testing.T) {
	e := newEnv(t, nil)
	a, _, p := e.linkedPair()
	e.put("virtual-network", a.ExternalID, `{"virtual-network": {"network_policy_refs": []}}`)
	if diff := cmp.Diff([]string{vim.LinksField}, e.observe(p).Drift); diff != "" {
		t.Errorf("drift after the source network dropped the policy (-want +got):\n%s", diff)
	}
	e.rec.take()
	if err := e.d.Update(context.Background(), p); err != nil {
		t.Fatalf("Update: %v", err)
	}
	// The detached network is no back-ref of the policy: its name is
	// looked up.
	want := []string{"GET /network-policy/" + p.ExternalID, "GET /virtual-networks?obj_uuids=" + a.ExternalID,
		"POST /ref-update ADD " + a.ExternalID}
	if diff := cmp.Diff(want, calls(e.rec.take())); diff != "" {
		t.Errorf("Update's requests (-want +got):\n%s", diff)
	}
	if obs := e.observe(p); len(obs.Drift) != 0 {
		t.Errorf("drift after Update: %v", obs.Drift)
	}
}

// TestPolicyWaitsForARemadeNetwork: a network deleted out of band leaves
// its policy unlinked, not wrong: Update answers NotFound without writing
// until the network is remade, then links the same policy to it.
func TestPolicyWaitsForARemadeNetwork(t *testing.T) {
	e := newEnv(t, nil)
	a, _, p := e.linkedPair()
	req, _ := http.NewRequest("DELETE", e.srv.URL()+"/virtual-network/"+a.ExternalID, nil)
	req.Header.Set("X-Auth-Token", e.srv.IssueToken())
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("deleting net-a out of band: %v, %v", res, err)
	}
	if diff := cmp.Diff([]string{vim.LinksField}, e.observe(p).Drift); diff != "" {
		t.Errorf("drift with the source network gone (-want +got):\n%s", diff)
	}
	e.rec.take()
	if err := e.d.Update(context.Background(), p); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("Update with the source network gone = %v, want NotFound", err)
	}
	for _, r := range e.rec.take() {
		if r.Method != "GET" {
			t.Errorf("Update wrote while the network was gone: %s %s", r.Method, r.Path)
		}
	}

	a.ExternalID = ""
	e.create(a)
	p.Deps[resource.Ref{Kind: resource.KindNetwork, ID: "global-" + a.Ref.ID}] = vim.Dep{ExternalID: a.ExternalID, Name: a.Name, Spec: a.Spec}
	if err := e.d.Update(context.Background(), p); err != nil {
		t.Fatalf("Update after the network was remade: %v", err)
	}
	if obs := e.observe(p); len(obs.Drift) != 0 || obs.ExternalID != p.ExternalID {
		t.Errorf("after Update: %+v, want the same policy without drift", obs)
	}
}

func TestPolicyChangesInPlaceOrNot(t *testing.T) {
	e := newEnv(t, nil)
	a, b, c := network("net-a", "10.1.0.0/24"), network("net-b", "10.2.0.0/24"), network("net-c", "10.3.0.0/24")
	for _, n := range []*vim.Object{a, b, c} {
		e.create(n)
	}
	p := policyBetween("pol-1", a, b, resource.PolicyEntry{Protocol: "udp"})
	e.create(p)

	// Entries change in place.
	p.Spec.(*resource.NetworkPolicy).Entries = []resource.PolicyEntry{{Action: "deny", Direction: ">", Protocol: "icmp"}}
	if diff := cmp.Diff([]string{"entries"}, e.observe(p).Drift); diff != "" {
		t.Errorf("drift after changing the entries (-want +got):\n%s", diff)
	}
	if err := e.d.Update(context.Background(), p); err != nil {
		t.Fatalf("Update of the entries: %v", err)
	}
	if obs := e.observe(p); len(obs.Drift) != 0 {
		t.Errorf("drift after Update: %v", obs.Drift)
	}

	// The networks do not: the policy must be replaced.
	tests := map[string]struct {
		change func(o *vim.Object)
		field  string
	}{
		"source network": {func(o *vim.Object) { *o = *policyBetween("pol-1", c, b, o.Spec.(*resource.NetworkPolicy).Entries...) }, "source_network_id"},
		"dest network":   {func(o *vim.Object) { *o = *policyBetween("pol-1", a, c, o.Spec.(*resource.NetworkPolicy).Entries...) }, "dest_network_id"},
		"unresolved dest": {func(o *vim.Object) {
			o.Spec.(*resource.NetworkPolicy).DestNetworkID = "elsewhere"
		}, "dest_network_id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			spec := *p.Spec.(*resource.NetworkPolicy)
			changed := *p
			changed.Spec = &spec
			tc.change(&changed)
			changed.ExternalID = p.ExternalID
			if obs := e.observe(&changed); !slices.Contains(obs.Drift, tc.field) {
				t.Errorf("drift = %v, want %s", obs.Drift, tc.field)
			}
			e.rec.take()
			err := e.d.Update(context.Background(), &changed)
			if resource.CodeOf(err) != resource.Invalid || resource.FieldOf(err) != tc.field {
				t.Fatalf("Update = %v, want Invalid %s", err, tc.field)
			}
			for _, r := range e.rec.take() {
				if r.Method != "GET" {
					t.Errorf("a refused Update wrote: %s %s", r.Method, r.Path)
				}
			}
			if obs := e.observe(p); len(obs.Drift) != 0 {
				t.Errorf("the original drifts after the refused update: %v", obs.Drift)
			}
		})
	}
}

// TestPoliciesAttachConcurrently checks that policies attached to the same
// networks at once all stay attached (no lost update of the refs list).
func TestPoliciesAttachConcurrently(t *testing.T) {
	e := newEnv(t, nil)
	a, b := network("net-a", "10.1.0.0/24"), network("net-b", "10.2.0.0/24")
	e.create(a)
	e.create(b)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	var want []string
	for i := range n {
		name := fmt.Sprintf("pol-%d", i)
		want = append(want, name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.d.Create(context.Background(), policyBetween(name, a, b, resource.PolicyEntry{Protocol: "any"}))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for _, net := range []string{"net-a", "net-b"} {
		if diff := cmp.Diff(want, e.policyRefs(net)); diff != "" {
			t.Errorf("%s's policies (-want +got):\n%s", net, diff)
		}
	}
}
