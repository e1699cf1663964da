package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
	"github.com/orca-nfv/orca/store"
)

func testRoundTripEveryKind(t *testing.T, f *fixture) {
	var lastRev int64
	for _, in := range resourcetest.Samples("rt", tenantA) {
		want := *in
		want.Generation = 1
		if want.Status.Phase == "" {
			want.Status.Phase = resource.PhasePending
		}
		created := f.create(t, in)
		if created.Revision <= lastRev {
			t.Errorf("%s: revision %d not above the previous %d", in.Ref, created.Revision, lastRev)
		}
		lastRev = created.Revision
		if created.CreatedAt.IsZero() || !created.CreatedAt.Equal(created.UpdatedAt) {
			t.Errorf("%s: CreatedAt %v, UpdatedAt %v", in.Ref, created.CreatedAt, created.UpdatedAt)
		}
		want.Revision, want.CreatedAt, want.UpdatedAt = created.Revision, created.CreatedAt, created.UpdatedAt
		if diff := cmp.Diff(&want, created); diff != "" {
			t.Errorf("Create(%s) returned (-want +got):\n%s", in.Ref, diff)
		}
		got := f.get(t, in.Ref)
		if diff := cmp.Diff(created, got); diff != "" {
			t.Errorf("Get(%s) differs from Create (-create +get):\n%s", in.Ref, diff)
		}
		page, err := f.s.List(t.Context(), store.Filter{Kind: in.Kind, Name: in.Name})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*resource.Resource{created}, page.Items); diff != "" {
			t.Errorf("List(%s) (-want +got):\n%s", in.Kind, diff)
		}
	}
}

func testCreateGeneratesID(t *testing.T, f *fixture) {
	r := network("", tenantA, "10.0.0.0/16")
	got := f.create(t, r)
	if err := resource.CheckID(got.ID); err != nil || len(got.ID) != 36 {
		t.Fatalf("generated ID %q: %v", got.ID, err)
	}
	if r.ID != "" {
		t.Errorf("Create wrote the generated ID into its argument: %q", r.ID)
	}
	f.get(t, got.Ref)
	if other := f.create(t, network("", tenantA, "10.1.0.0/16")); other.ID == got.ID {
		t.Errorf("two creates generated the same ID %q", got.ID)
	}
}

func testCreateDuplicateID(t *testing.T, f *fixture) {
	f.create(t, network("dup", tenantA, "10.0.0.0/16"))
	_, err := f.s.Create(t.Context(), network("dup", tenantA, "10.1.0.0/16"))
	wantCode(t, "Create of a duplicate network", err, resource.Conflict)
	_, err = f.s.Create(t.Context(), image("dup", tenantA, "public"))
	wantCode(t, "Create of an image with a network's ID", err, resource.Conflict)
	got := f.get(t, resource.Ref{Kind: resource.KindNetwork, ID: "dup"})
	if cidr := got.Spec.(*resource.Network).CIDR; cidr != "10.0.0.0/16" {
		t.Errorf("the failed create changed the stored network: cidr %s", cidr)
	}
	if _, err := f.s.Get(t.Context(), resource.Ref{Kind: resource.KindImage, ID: "dup"}); !errors.Is(err, resource.ErrNotFound) {
		t.Errorf("Get(image/dup) = %v, want NotFound", err)
	}
}

func testCreateInvalid(t *testing.T, f *fixture) {
	f.create(t, location("loc-1"))
	before := f.count(t)
	tests := map[string]struct {
		r         *resource.Resource
		wantField string
	}{
		"bad cidr":       {network("n1", tenantA, "10.0.0.0/33"), "cidr"},
		"no tenant":      {network("n1", "", "10.0.0.0/16"), "tenant_id"},
		"unknown kind":   {&resource.Resource{Ref: resource.Ref{Kind: "gizmo", ID: "g"}, Spec: &resource.Tenant{}}, "kind"},
		"bad id":         {network("n/1", tenantA, "10.0.0.0/16"), "id"},
		"nil spec":       {&resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: "n1"}, Tenant: tenantA}, "spec"},
		"local no owner": {&resource.Resource{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: "ln"}, Tenant: tenantA, Location: "loc-1", Spec: &resource.LocalNetwork{}}, "network_id"},
		"deleting": {func() *resource.Resource {
			r := network("n1", tenantA, "10.0.0.0/16")
			r.Deleting = true
			return r
		}(), "deleting"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := f.s.Create(t.Context(), tc.r)
			wantCode(t, "Create", err, resource.Invalid)
			if got := resource.FieldOf(err); got != tc.wantField {
				t.Errorf("error %q names field %q, want %q", err, got, tc.wantField)
			}
			if f.count(t) != before {
				t.Errorf("a failed Create stored something")
			}
		})
	}
	if _, err := f.s.Create(t.Context(), nil); !isCode(err, resource.Invalid) {
		t.Errorf("Create(nil) = %v, want Invalid", err)
	}
}

func testCreateMissingReference(t *testing.T, f *fixture) {
	f.create(t, location("loc-1"))
	f.create(t, network("net", tenantA, "10.0.0.0/16"))
	f.create(t, image("img", tenantA, "public"))
	f.create(t, flavor("fl", tenantA))
	before := f.count(t)
	tests := map[string]struct {
		r         *resource.Resource
		wantField string
	}{
		"missing network":     {server("s1", tenantA, "img", "nope", "fl"), "network_id"},
		"ref of wrong kind":   {server("s1", tenantA, "img", "fl", "fl"), "network_id"},
		"missing location":    {localNetwork("ln1", tenantA, "nowhere", "net"), "location_id"},
		"missing owner":       {localNetwork("ln1", tenantA, "loc-1", "nonet"), "network_id"},
		"owner of wrong kind": {localNetwork("ln1", tenantA, "loc-1", "img"), "network_id"},
		"missing rule owner": {&resource.Resource{
			Ref: resource.Ref{Kind: resource.KindSecurityGroupRule, ID: "r"}, Tenant: tenantA,
			Owner: &resource.Ref{Kind: resource.KindSecurityGroup, ID: "sg"},
			Spec:  &resource.SecurityGroupRule{Direction: "ingress"},
		}, "security_group_id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := f.s.Create(t.Context(), tc.r)
			wantCode(t, "Create", err, resource.Invalid)
			if got := resource.FieldOf(err); got != tc.wantField {
				t.Errorf("error %q names field %q, want %q", err, got, tc.wantField)
			}
			if !strings.Contains(err.Error(), "does not exist") {
				t.Errorf("error %q does not say what is missing", err)
			}
			if f.count(t) != before {
				t.Errorf("a failed Create stored something")
			}
		})
	}
}

func testCrossTenantReference(t *testing.T, f *fixture) {
	f.create(t, network("net-a", tenantA, "10.0.0.0/16"))
	f.create(t, network("net-b", tenantB, "10.1.0.0/16"))
	f.create(t, image("public-a", tenantA, "public"))
	f.create(t, image("private-a", tenantA, "private"))
	f.create(t, flavor("flavor-a", tenantA))

	// tenant-b may use tenant-a's public image and flavor, on its own network.
	f.create(t, server("ok", tenantB, "public-a", "net-b", "flavor-a"))

	for name, r := range map[string]*resource.Resource{
		"other tenant's network":       server("s1", tenantB, "public-a", "net-a", "flavor-a"),
		"other tenant's private image": server("s2", tenantB, "private-a", "net-b", "flavor-a"),
	} {
		_, err := f.s.Create(t.Context(), r)
		wantCode(t, name, err, resource.Invalid)
		if !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s: error %q should not reveal that the resource exists", name, err)
		}
	}
	// An administrative resource (no tenant) may name any tenant's network.
	f.create(t, &resource.Resource{Ref: resource.Ref{Kind: resource.KindRouteTargetAssociation, ID: "rt"},
		Spec: &resource.RouteTargetAssociation{NetworkID: "net-a", RouteTarget: 7}})
}

func testUpdateRevisionAndGeneration(t *testing.T, f *fixture) {
	c := f.create(t, network("n1", tenantA, "10.0.0.0/16"))

	st := *c
	st.Status = resource.Status{Phase: resource.PhaseProvisioning, Message: "creating", Output: map[string]any{"k": "v"}}
	u1, err := f.s.Update(t.Context(), &st)
	if err != nil {
		t.Fatal(err)
	}
	if u1.Revision <= c.Revision || u1.Generation != c.Generation {
		t.Errorf("status update: revision %d→%d, generation %d→%d; want revision up, generation kept", c.Revision, u1.Revision, c.Generation, u1.Generation)
	}
	if !u1.CreatedAt.Equal(c.CreatedAt) || !u1.UpdatedAt.After(c.UpdatedAt) {
		t.Errorf("timestamps: created %v→%v, updated %v→%v", c.CreatedAt, u1.CreatedAt, c.UpdatedAt, u1.UpdatedAt)
	}
	if diff := cmp.Diff(st.Status, u1.Status); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}

	sp := *u1
	sp.Spec = &resource.Network{CIDR: "10.0.0.0/16", Description: "changed"}
	sp.Labels = map[string]string{"a": "b"}
	sp.Name = "renamed"
	u2, err := f.s.Update(t.Context(), &sp)
	if err != nil {
		t.Fatal(err)
	}
	if u2.Generation != u1.Generation+1 || u2.Revision <= u1.Revision {
		t.Errorf("spec update: generation %d→%d, revision %d→%d", u1.Generation, u2.Generation, u1.Revision, u2.Revision)
	}
	got := f.get(t, c.Ref)
	if diff := cmp.Diff(u2, got); diff != "" {
		t.Errorf("Get after Update (-update +get):\n%s", diff)
	}
	if got.Name != "renamed" || got.Labels["a"] != "b" || got.Spec.(*resource.Network).Description != "changed" {
		t.Errorf("update not stored: %+v", got)
	}

	// Placement is desired state too: changing it is a new generation.
	pl := *got
	pl.Placement = &resource.Placement{Locations: []string{"loc-9"}}
	upl, err := f.s.Update(t.Context(), &pl)
	if err != nil {
		t.Fatal(err)
	}
	if upl.Generation != got.Generation+1 || upl.Placement == nil || upl.Placement.Locations[0] != "loc-9" {
		t.Errorf("placement update: generation %d→%d, placement %+v", got.Generation, upl.Generation, upl.Placement)
	}
	got = upl

	// An update that changes nothing still gets a new revision, not a new
	// generation.
	same := *got
	u3, err := f.s.Update(t.Context(), &same)
	if err != nil {
		t.Fatal(err)
	}
	if u3.Generation != got.Generation || u3.Revision <= got.Revision {
		t.Errorf("no-op update: generation %d→%d, revision %d→%d", got.Generation, u3.Generation, got.Revision, u3.Revision)
	}
}

func testUpdateErrors(t *testing.T, f *fixture) {
	f.create(t, location("loc-1"))
	f.create(t, location("loc-2"))
	net := f.create(t, network("n1", tenantA, "10.0.0.0/16"))
	f.create(t, network("n2", tenantA, "10.1.0.0/16"))
	ln := f.create(t, localNetwork("ln1", tenantA, "loc-1", "n1"))

	tests := map[string]struct {
		edit func() *resource.Resource
		code resource.ErrorCode
	}{
		"stale revision": {func() *resource.Resource { r := *net; r.Revision--; return &r }, resource.Conflict},
		"zero revision":  {func() *resource.Resource { r := *net; r.Revision = 0; return &r }, resource.Conflict},
		"missing":        {func() *resource.Resource { r := *net; r.ID = "nope"; return &r }, resource.NotFound},
		"wrong kind": {func() *resource.Resource {
			r := *net
			r.Kind = resource.KindImage
			r.Spec = image("x", tenantA, "").Spec
			return &r
		}, resource.NotFound},
		"invalid spec":  {func() *resource.Resource { r := *net; r.Spec = &resource.Network{CIDR: "x"}; return &r }, resource.Invalid},
		"tenant change": {func() *resource.Resource { r := *net; r.Tenant = tenantB; return &r }, resource.Invalid},
		"location change": {func() *resource.Resource {
			r := *ln
			r.Location = "loc-2"
			return &r
		}, resource.Invalid},
		"owner change": {func() *resource.Resource {
			r := *ln
			r.Owner = &resource.Ref{Kind: resource.KindNetwork, ID: "n2"}
			return &r
		}, resource.Invalid},
		"owner removed": {func() *resource.Resource { r := *ln; r.Owner = nil; return &r }, resource.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := f.s.Update(t.Context(), tc.edit())
			wantCode(t, "Update", err, tc.code)
			if stale := strings.HasSuffix(name, "revision"); errors.Is(err, store.ErrStale) != stale {
				t.Errorf("errors.Is(%v, ErrStale) = %v, want %v", err, !stale, stale)
			}
			if got := f.get(t, net.Ref); got.Revision != net.Revision {
				t.Errorf("failed Update changed the network: revision %d→%d", net.Revision, got.Revision)
			}
			if got := f.get(t, ln.Ref); got.Revision != ln.Revision {
				t.Errorf("failed Update changed the local network: revision %d→%d", ln.Revision, got.Revision)
			}
		})
	}
}

func testConcurrentCAS(t *testing.T, f *fixture) {
	base := f.create(t, network("n1", tenantA, "10.0.0.0/16"))
	const writers = 12
	var wg sync.WaitGroup
	results := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := *base
			r.Status.Message = "writer"
			r.Labels = map[string]string{"writer": string(rune('a' + i))}
			_, results[i] = f.s.Update(t.Context(), &r)
		}()
	}
	wg.Wait()
	wins := 0
	for i, err := range results {
		switch {
		case err == nil:
			wins++
		case !isCode(err, resource.Conflict):
			t.Errorf("writer %d: %v, want nil or Conflict", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d writers won the compare-and-swap, want exactly 1", wins)
	}
	got := f.get(t, base.Ref)
	if got.Revision == base.Revision || len(got.Labels) != 1 {
		t.Errorf("stored state after the race: revision %d, labels %v", got.Revision, got.Labels)
	}
}

func testDelete(t *testing.T, f *fixture) {
	n := f.create(t, network("n1", tenantA, "10.0.0.0/16"))
	ref := n.Ref
	err := f.s.Delete(t.Context(), ref, n.Revision+100)
	wantCode(t, "Delete with a stale revision", err, resource.Conflict)
	if !errors.Is(err, store.ErrStale) {
		t.Errorf("stale Delete error %v does not wrap ErrStale", err)
	}
	wantCode(t, "Delete of the wrong kind", f.s.Delete(t.Context(), resource.Ref{Kind: resource.KindImage, ID: "n1"}, 0), resource.NotFound)
	f.get(t, ref)
	if err := f.s.Delete(t.Context(), ref, n.Revision); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := f.s.Get(t.Context(), ref); !errors.Is(err, resource.ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want NotFound", err)
	}
	wantCode(t, "Delete twice", f.s.Delete(t.Context(), ref, 0), resource.NotFound)

	// The ID is free again, and revision 0 deletes unconditionally.
	again := f.create(t, network("n1", tenantA, "10.5.0.0/16"))
	if again.Revision <= n.Revision {
		t.Errorf("revision went backwards after delete: %d then %d", n.Revision, again.Revision)
	}
	if err := f.s.Delete(t.Context(), ref, 0); err != nil {
		t.Fatalf("Delete(rev 0): %v", err)
	}
}

func testDeleteReferenced(t *testing.T, f *fixture) {
	f.create(t, location("loc-1"))
	f.create(t, network("net", tenantA, "10.0.0.0/16"))
	f.create(t, image("img", tenantA, "private"))
	f.create(t, flavor("fl", tenantA))
	f.create(t, server("srv", tenantA, "img", "net", "fl"))
	f.create(t, localNetwork("lnet", tenantA, "loc-1", "net"))

	tests := map[string]struct {
		ref       resource.Ref
		referrers []string
	}{
		"network named by a server and owning a local": {resource.Ref{Kind: resource.KindNetwork, ID: "net"}, []string{`local_network "lnet"`, `server "srv"`}},
		"location of a local":                          {resource.Ref{Kind: resource.KindLocation, ID: "loc-1"}, []string{`local_network "lnet"`}},
		"image named by a server":                      {resource.Ref{Kind: resource.KindImage, ID: "img"}, []string{`server "srv"`}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := f.s.Delete(t.Context(), tc.ref, 0)
			wantCode(t, "Delete", err, resource.Conflict)
			for _, r := range tc.referrers {
				if !strings.Contains(err.Error(), r) {
					t.Errorf("error %q does not name %s", err, r)
				}
			}
			f.get(t, tc.ref)
		})
	}
	// Removing the referrers frees the targets.
	for _, ref := range []resource.Ref{
		{Kind: resource.KindServer, ID: "srv"}, {Kind: resource.KindLocalNetwork, ID: "lnet"},
		{Kind: resource.KindNetwork, ID: "net"}, {Kind: resource.KindLocation, ID: "loc-1"},
		{Kind: resource.KindImage, ID: "img"}, {Kind: resource.KindFlavor, ID: "fl"},
	} {
		if err := f.s.Delete(t.Context(), ref, 0); err != nil {
			t.Fatalf("Delete(%s) after its referrers went: %v", ref, err)
		}
	}
	if n := f.count(t); n != 0 {
		t.Errorf("%d resources left", n)
	}
}

func testDeletingFlag(t *testing.T, f *fixture) {
	f.create(t, image("img", tenantA, "public"))
	f.create(t, flavor("fl", tenantA))
	net := f.create(t, network("net", tenantA, "10.0.0.0/16"))
	srv := f.create(t, server("srv", tenantA, "img", "net", "fl"))

	mark := *net
	mark.Deleting = true
	_, err := f.s.Update(t.Context(), &mark)
	wantCode(t, "marking a referenced network deleting", err, resource.Conflict)
	if errors.Is(err, store.ErrStale) {
		t.Errorf("a referenced-resource conflict claims to be stale: %v", err)
	}
	if !strings.Contains(err.Error(), `server "srv"`) {
		t.Errorf("error %q does not name the server", err)
	}

	srvMark := *srv
	srvMark.Deleting = true
	markedSrv, err := f.s.Update(t.Context(), &srvMark)
	if err != nil {
		t.Fatalf("marking an unreferenced server deleting: %v", err)
	}
	if !markedSrv.Deleting || !f.get(t, srv.Ref).Deleting {
		t.Fatal("Deleting flag not stored")
	}
	// Status writes continue while deleting.
	st := *markedSrv
	st.Status.Phase = resource.PhaseDeleting
	markedSrv, err = f.s.Update(t.Context(), &st)
	if err != nil {
		t.Fatalf("status update of a deleting server: %v", err)
	}
	undo := *markedSrv
	undo.Deleting = false
	_, err = f.s.Update(t.Context(), &undo)
	wantCode(t, "unsetting Deleting", err, resource.Conflict)

	// A deleting resource cannot gain referrers.
	f.create(t, network("net2", tenantA, "10.1.0.0/16"))
	n2 := f.get(t, resource.Ref{Kind: resource.KindNetwork, ID: "net2"})
	n2.Deleting = true
	if _, err := f.s.Update(t.Context(), n2); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Create(t.Context(), server("srv2", tenantA, "img", "net2", "fl"))
	wantCode(t, "Create naming a deleting network", err, resource.Conflict)
	if resource.FieldOf(err) != "network_id" {
		t.Errorf("error %q should name network_id", err)
	}
}

// testDeletingCascades: a parent or a location may be marked Deleting while
// its own children and locals still point at it (they are removed as part of
// the deletion and may still be updated meanwhile), but nothing new may be
// created under it, and its row goes only after them.
func testDeletingCascades(t *testing.T, f *fixture) {
	f.create(t, location("loc-1"))
	f.create(t, location("loc-2"))
	net := f.create(t, network("net", tenantA, "10.0.0.0/16"))
	ln := f.create(t, localNetwork("ln-1", tenantA, "loc-1", "net"))

	net.Deleting = true
	if _, err := f.s.Update(t.Context(), net); err != nil {
		t.Fatalf("marking a network with a local deleting: %v", err)
	}
	ln.Spec = &resource.LocalNetwork{CIDR: "10.0.1.0/24"}
	ln.Status.Phase = resource.PhaseDeleting
	if ln, _ = f.s.Update(t.Context(), ln); ln == nil || ln.Generation != 2 {
		t.Fatalf("updating the local of a deleting network failed or kept its generation: %+v", ln)
	}
	_, err := f.s.Create(t.Context(), localNetwork("ln-2", tenantA, "loc-2", "net"))
	wantCode(t, "Create of a new local under a deleting network", err, resource.Conflict)
	wantCode(t, "Delete of the network row before its local", f.s.Delete(t.Context(), net.Ref, 0), resource.Conflict)

	loc := f.get(t, resource.Ref{Kind: resource.KindLocation, ID: "loc-1"})
	loc.Deleting = true
	if _, err := f.s.Update(t.Context(), loc); err != nil {
		t.Fatalf("marking a location with locals deleting: %v", err)
	}
	f.create(t, network("net2", tenantA, "10.1.0.0/16"))
	_, err = f.s.Create(t.Context(), localNetwork("ln-3", tenantA, "loc-1", "net2"))
	wantCode(t, "Create of a local at a deleting location", err, resource.Conflict)

	for _, ref := range []resource.Ref{ln.Ref, net.Ref, loc.Ref} {
		if err := f.s.Delete(t.Context(), ref, 0); err != nil {
			t.Fatalf("Delete(%s) in order: %v", ref, err)
		}
	}
}

func testReferrers(t *testing.T, f *fixture) {
	f.create(t, location("loc-1"))
	f.create(t, location("loc-2"))
	f.create(t, network("net", tenantA, "10.0.0.0/16"))
	f.create(t, image("img", tenantA, "public"))
	f.create(t, flavor("fl", tenantA))
	f.create(t, server("s2", tenantA, "img", "net", "fl"))
	f.create(t, server("s1", tenantA, "img", "net", "fl"))
	f.create(t, localNetwork("ln-2", tenantA, "loc-2", "net"))
	f.create(t, localNetwork("ln-1", tenantA, "loc-1", "net"))

	got, err := f.s.Referrers(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "net"})
	if err != nil {
		t.Fatal(err)
	}
	want := []resource.Ref{
		{Kind: resource.KindLocalNetwork, ID: "ln-1"}, {Kind: resource.KindLocalNetwork, ID: "ln-2"},
		{Kind: resource.KindServer, ID: "s1"}, {Kind: resource.KindServer, ID: "s2"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Referrers(net) (-want +got):\n%s", diff)
	}
	got, err = f.s.Referrers(t.Context(), resource.Ref{Kind: resource.KindServer, ID: "s1"})
	if err != nil || len(got) != 0 {
		t.Errorf("Referrers(s1) = %v, %v; want none", got, err)
	}
	_, err = f.s.Referrers(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "nope"})
	wantCode(t, "Referrers of a missing resource", err, resource.NotFound)

	// A spec change that drops a reference drops it from Referrers.
	s1 := f.get(t, resource.Ref{Kind: resource.KindServer, ID: "s1"})
	f.create(t, network("net2", tenantA, "10.1.0.0/16"))
	s1.Spec.(*resource.Server).NetworkID = "net2"
	if _, err := f.s.Update(t.Context(), s1); err != nil {
		t.Fatal(err)
	}
	got, _ = f.s.Referrers(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "net"})
	if diff := cmp.Diff([]resource.Ref{want[0], want[1], want[3]}, got); diff != "" {
		t.Errorf("Referrers(net) after moving s1 away (-want +got):\n%s", diff)
	}
	got, _ = f.s.Referrers(t.Context(), resource.Ref{Kind: resource.KindNetwork, ID: "net2"})
	if diff := cmp.Diff([]resource.Ref{{Kind: resource.KindServer, ID: "s1"}}, got); diff != "" {
		t.Errorf("Referrers(net2) (-want +got):\n%s", diff)
	}
}
