package httpapi_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// seed000 makes the seed 000 targets: every kind of the registry, at its
// path, with the verbs its scope allows.
type seed000 struct {
	s   *secServer
	reg *resource.Registry
	// samples are the base set, the owner's (t1): what copies refer to.
	samples map[resource.Kind]*resource.Resource
	n       atomic.Int64
}

// samplesFor returns a fresh set of samples of tenant t1 with prefix p,
// made creatable side by side: placed at loc-1 and loc-2, no fixed
// Contrail IDs, no protection, no volumes or addresses two copies would
// share.
func samplesFor(p string) []*resource.Resource {
	all := resourcetest.Samples(p, "t1")
	for _, r := range all {
		// At the two locations only: a location a test adds holds
		// nothing, so that it can be deleted.
		r.Placement = &resource.Placement{Locations: []string{"loc-1", "loc-2"}}
		r.Name = "private name of " + r.ID
		switch spec := r.Spec.(type) {
		case *resource.Network:
			spec.ContrailID = 0
		case *resource.SecurityGroup:
			spec.ContrailID = 0
		case *resource.Image:
			spec.Protected = false
			spec.URL = ""
		case *resource.Server:
			spec.VolumeIDs = nil
		case *resource.Deployment:
			for i := range spec.Groups {
				spec.Groups[i].Volumes = nil
				for j := range spec.Groups[i].NICs {
					spec.Groups[i].NICs[j].IPs = nil
				}
			}
		}
	}
	return all
}

// byKind is the first sample of every kind (of networks, the left one).
func byKind(all []*resource.Resource) map[resource.Kind]*resource.Resource {
	out := map[resource.Kind]*resource.Resource{}
	for _, r := range all {
		if _, ok := out[r.Kind]; !ok {
			out[r.Kind] = r
		}
	}
	return out
}

// copyOf is a new resource of kind k referring to the base set.
func (d *seed000) copyOf(k resource.Kind) *resource.Resource {
	n := d.n.Add(1)
	fresh := byKind(samplesFor("m"))[k]
	fresh.ID = fmt.Sprintf("%s-%d", fresh.ID, n)
	fresh.Name = "private name of " + fresh.ID
	if sub, ok := fresh.Spec.(*resource.Subnet); ok { // subnets of one network do not overlap
		sub.CIDR = fmt.Sprintf("10.%d.%d.0/24", 30+n/250, n%250)
		sub.GatewayIP, sub.AllocationPools = "", nil
	}
	return fresh
}

func (d *seed000) create(t *testing.T, r *resource.Resource) string {
	t.Helper()
	if info := d.info(r.Kind); info.Local == "" && !info.Composite {
		r.Placement = nil // not a placed kind
	}
	if _, err := d.s.O.Create(context.Background(), r); err != nil {
		t.Fatalf("creating %s: %v", r.Ref, err)
	}
	return r.ID
}

// info is k's registry entry.
func (d *seed000) info(k resource.Kind) resource.KindInfo {
	info, _ := d.reg.Info(k)
	return info
}

// items returns the objects of a seed 000 list answer.
func items(r apitest.Response, plural string) []map[string]any {
	var out []map[string]any
	list, _ := r.Object()[plural].([]any)
	for _, e := range list {
		if o, ok := e.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

func listedBy(plural, field string) func(r apitest.Response, id string) bool {
	return func(r apitest.Response, id string) bool {
		for _, o := range items(r, plural) {
			if o[field] == id {
				return true
			}
		}
		return false
	}
}

// newSeed000 makes the base set, and waits for its copies at the
// locations and for its first events.
func newSeed000(t *testing.T, s *secServer) *seed000 {
	base := samplesFor("m")
	d := &seed000{s: s, reg: s.O.Registry(), samples: byKind(base)}
	ctx := context.Background()
	if _, err := s.O.SetCredentials(ctx, "m-cred", vim.Credentials{Username: "u", Password: "base-set-password"}); err != nil {
		t.Fatal(err)
	}
	// A pool of Contrail network IDs, so that networks hold allocations.
	pool := d.samples[resource.KindIDPool]
	pool.Tenant, pool.Name = "", orca.PoolContrailNetworkID
	d.create(t, pool)
	for _, r := range base {
		info := d.info(r.Kind)
		if info.Scope != resource.ScopeTenant || info.Located {
			continue
		}
		d.create(t, r)
	}
	for _, k := range d.reg.Kinds() {
		info := d.info(k)
		if !info.Located {
			continue
		}
		parent := d.samples[info.Parent]
		wait.Until(t, "a copy of "+parent.ID, func() bool {
			page, err := s.O.List(ctx, store.Filter{Kind: k, Owner: &parent.Ref})
			return err == nil && len(page.Items) > 0
		})
	}
	return d
}

// targets are every kind's.
func (d *seed000) targets(t *testing.T) []target {
	var out []target
	for _, k := range d.reg.Kinds() {
		info := d.info(k)
		tg := target{surface: "seed 000", kind: string(k), ref: func(id string) resource.Ref { return resource.Ref{Kind: k, ID: id} },
			hidden: func(id string) string { return "private name of " + id }}
		item := func(id string) string { return info.Path + "/" + id }
		read := verb{name: "read", send: func(s *secServer, a actor, id string) apitest.Response {
			return s.send(a, byToken, "GET", item(id), nil)
		}}
		list := verb{name: "list", listed: listedBy(info.Plural, "id"), send: func(s *secServer, a actor, id string) apitest.Response {
			return s.send(a, byToken, "GET", info.Path, nil)
		}}
		// A change each actor's own: a name or description, or (a route
		// target association has neither) the route target.
		change := func(a actor) map[string]any {
			switch _, described := d.reg.Field(k, "description"); {
			case k == resource.KindRouteTargetAssociation:
				return map[string]any{"route_target": 8100000 + int(a)}
			case described || info.NoName:
				return map[string]any{"description": "changed by " + a.String()}
			}
			return map[string]any{"name": "changed by " + a.String()}
		}
		update := verb{name: "update", write: true, send: func(s *secServer, a actor, id string) apitest.Response {
			return s.send(a, byToken, "PUT", item(id), map[string]any{info.Singular: change(a)})
		}}
		del := verb{name: "delete", write: true, consumes: true, send: func(s *secServer, a actor, id string) apitest.Response {
			return s.send(a, byToken, "DELETE", item(id), nil)
		}}
		act := verb{name: "action pull", write: true, send: func(s *secServer, a actor, id string) apitest.Response {
			return s.send(a, byToken, "POST", "/v1.0/actions", map[string]any{"action": map[string]any{
				"target_kind": string(k), "target_id": id, "verb": resource.VerbPull}})
		}}
		events := verb{name: "events", listed: listedBy("events", "subject_id"), send: func(s *secServer, a actor, id string) apitest.Response {
			waitForEvent(t, s, id)
			return s.send(a, byToken, "GET", "/v1.0/events?subject_id="+id, nil)
		}}
		placed := info.Local != ""
		switch {
		case k == resource.KindLocation:
			// Shared: every user reads; administrators write.
			tg.make = func(t *testing.T, s *secServer) string {
				r := &resource.Resource{Ref: resource.Ref{Kind: k, ID: fmt.Sprintf("mloc-%d", d.n.Add(1))},
					Spec: &resource.Location{KeystoneEndpoint: "fake://mloc"}}
				r.Name = "a site " + r.ID
				return d.create(t, r)
			}
			tg.hidden = nil
			read.want, list.want = expect{200, 200, 200, 401}, expect{200, 200, 200, 401}
			list.listed = nil // everyone sees it
			update.want, del.want = expect{200, 403, 403, 401}, expect{204, 403, 403, 401}
			tg.verbs = []verb{read, list, update, del}
		case info.Scope == resource.ScopeAdmin && !dialect.SubjectTenanted(k):
			tg.make = d.adminMaker(k)
			tg.hidden = nil // members are refused the kind, whatever the ID
			read.want, list.want = expect{200, 403, 403, 401}, expect{200, 403, 403, 401}
			list.listed = nil
			update.want, del.want = expect{200, 403, 403, 401}, expect{204, 403, 403, 401}
			if k == resource.KindCredential {
				update.send = func(s *secServer, a actor, id string) apitest.Response {
					return s.send(a, byToken, "PUT", item(id), map[string]any{"credential": map[string]any{"username": "by-" + a.String(), "password": "x"}})
				}
			}
			tg.verbs = []verb{read, list, update, del}
			if info.ReadOnly {
				tg.verbs = []verb{read, list} // orca's own records
			}
		case dialect.SubjectTenanted(k):
			// Records of the owner's resources: read-only, the subject's
			// tenant's to see.
			tg.make = d.recordMaker(k)
			read.want, list.want = expect{200, 200, 404, 401}, expect{200, 200, 200, 401}
			tg.verbs = []verb{read, list}
		case info.Located:
			// Copies at the locations, which orca alone writes.
			tg.make = d.localOf(k)
			read.want, list.want = expect{200, 200, 404, 401}, expect{200, 200, 200, 401}
			update.want, del.want = expect{403, 403, 403, 401}, expect{403, 403, 403, 401}
			del.consumes = false
			act.want = expect{202, 202, 404, 401}
			tg.verbs = []verb{read, list, update, del, act}
		default:
			tg.make = func(t *testing.T, _ *secServer) string { return d.create(t, d.copyOf(k)) }
			read.want, list.want = expect{200, 200, 404, 401}, expect{200, 200, 200, 401}
			update.want, del.want = expect{200, 200, 404, 401}, expect{204, 204, 404, 401}
			tg.verbs = []verb{read, list, update, del}
			if placed {
				act.want, events.want = expect{202, 202, 404, 401}, expect{200, 200, 200, 401}
				tg.verbs = append(tg.verbs, act, events)
			}
		}
		out = append(out, tg)
	}
	return out
}

// waitForEvent waits until orca has recorded an event of id.
func waitForEvent(t *testing.T, s *secServer, id string) {
	wait.Until(t, "an event of "+id, func() bool {
		page, err := s.O.List(context.Background(), store.Filter{Kind: resource.KindEvent, Fields: map[string]string{"subject_id": id}})
		return err == nil && len(page.Items) > 0
	})
}

// adminMaker makes resources of an administrators' kind.
func (d *seed000) adminMaker(k resource.Kind) func(*testing.T, *secServer) string {
	return func(t *testing.T, s *secServer) string {
		ctx := context.Background()
		n := d.n.Add(1)
		switch k {
		case resource.KindCredential:
			id := fmt.Sprintf("m-cred-%d", n)
			if _, err := s.O.SetCredentials(ctx, id, vim.Credentials{Username: "u", Password: "p"}); err != nil {
				t.Fatal(err)
			}
			return id
		case resource.KindIDAllocation:
			page, err := s.O.List(ctx, store.Filter{Kind: k})
			if err != nil || len(page.Items) == 0 {
				t.Fatalf("no id allocation to read: %v", err)
			}
			return page.Items[0].ID
		}
		r := d.copyOf(k)
		r.Tenant = ""
		if k == resource.KindLease {
			// Replicas write leases; the API only shows them.
			r.ID, r.Name, r.Placement = fmt.Sprintf("loc.m-%d", n), "", nil
			out, err := s.O.Store().Create(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			return out.ID
		}
		switch spec := r.Spec.(type) {
		case *resource.IDPool:
			start, end := 1000*n, 1000*n+99
			spec.Start, spec.End = &start, &end
		case *resource.RouteTargetAssociation:
			spec.RouteTarget = 8000100 + n
		case *resource.Setting:
			spec.CredentialID = ""
		}
		return d.create(t, r)
	}
}

// recordMaker makes a record of the owner's resources: an event, an
// action, a webhook, a watch.
func (d *seed000) recordMaker(k resource.Kind) func(*testing.T, *secServer) string {
	return func(t *testing.T, s *secServer) string {
		ctx := context.Background()
		net := d.samples[resource.KindNetwork].Ref
		var r *resource.Resource
		var err error
		switch k {
		case resource.KindEvent:
			waitForEvent(t, s, net.ID)
			page, err := s.O.List(ctx, store.Filter{Kind: k, Fields: map[string]string{"subject_id": net.ID}})
			if err != nil {
				t.Fatal(err)
			}
			return page.Items[0].ID
		case resource.KindAction:
			r, err = s.O.Act(ctx, net, resource.VerbPull, nil)
		case resource.KindWebhook:
			// To a closed port: it stays, retried.
			r, err = s.O.Notify(ctx, "t1", resource.Webhook{URL: "http://127.0.0.1:9/hook", ContentType: "text/plain", Body: "private name of a webhook"})
		case resource.KindWatch:
			r, err = s.O.Watch(ctx, "t1", net, "no watcher", map[string]string{"note": "private name of a watch"})
		default:
			t.Fatalf("no record maker for %s", k)
		}
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
}

// localOf returns the owner's copy of a base resource, for a local kind.
func (d *seed000) localOf(k resource.Kind) func(*testing.T, *secServer) string {
	return func(t *testing.T, s *secServer) string {
		parent := d.samples[d.info(k).Parent]
		page, err := s.O.List(context.Background(), store.Filter{Kind: k, Owner: &parent.Ref})
		if err != nil || len(page.Items) == 0 {
			t.Fatalf("no copy of %s: %v", parent.Ref, err)
		}
		return page.Items[0].ID
	}
}

// TestIsolationMatrix runs every surface's targets, as the demo serves
// them on one orchestrator: every kind, every verb, every actor.
func TestIsolationMatrix(t *testing.T) {
	s := newSecServer(t, nil)
	// t1 and t2 are ESC's tenants too (made through ESC, as ESC sees only
	// what it made).
	for _, id := range []string{"t1", "t2"} {
		s.send(admin, byBasic, "POST", "/v0/tenants/"+id, `<tenant><name>`+id+`</name><description>private description of `+id+`</description></tenant>`).
			Want(t, 200, "ESC tenant "+id)
	}
	d := newSeed000(t, s)
	m := &matrix{s: s}
	surfaces := map[string][]target{
		"seed 000": d.targets(t), "trema": tremaTargets(), "waldur": waldurTargets(d), "mogan": moganTargets(d),
		"esc": newESCEnv(t, s).targets(),
	}
	covered := map[string]bool{}
	for _, name := range []string{"seed 000", "trema", "waldur", "mogan", "esc"} {
		before := m.cells
		for _, tg := range surfaces[name] {
			t.Run(name+"/"+tg.kind, func(t *testing.T) { m.check(t, tg) })
			if name == "seed 000" {
				covered[tg.kind] = true
			}
		}
		t.Logf("%s: %d cells", name, m.cells-before)
	}
	for _, k := range d.reg.Kinds() {
		if !covered[string(k)] {
			t.Errorf("seed 000 kind %s is not in the matrix", k)
		}
	}
	t.Logf("%d isolation cells checked (%d seed 000 kinds); %d bytes logged", m.cells, len(covered), len(s.logs.String()))
}
