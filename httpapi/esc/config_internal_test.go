package esc

import (
	"encoding/base64"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/resource"
)

// The helpers deployments use, over what the API stored.

func newInternal(t *testing.T) (*apitest.Server, *api) {
	s := apitest.New(t, apitest.Options{Mounts: []apitest.Mount{func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
		return New(b, kit, nil), Paths, nil
	}}})
	return s, &api{b: s.O}
}

func adminDo(t *testing.T, s *apitest.Server, method, path string, want int) {
	t.Helper()
	s.Do(method, path, "", nil, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("admin:admin-pw"))).Want(t, want, method+" "+path)
}

func TestConfigHelpers(t *testing.T) {
	s, a := newInternal(t)
	ctx := t.Context()
	type got struct {
		Retries              int
		Affinity, Anti, Open string
	}
	read := func() got {
		t.Helper()
		var g got
		var err error
		if g.Retries, err = a.recoveryRetriesMax(ctx); err != nil {
			t.Fatal(err)
		}
		if g.Affinity, g.Anti, err = a.affinityPolicies(ctx); err != nil {
			t.Fatal(err)
		}
		if g.Open, err = a.configValue(ctx, "openstack", "endpoint"); err != nil {
			t.Fatal(err)
		}
		return g
	}
	if diff := cmp.Diff(got{3, "soft-affinity", "soft-anti-affinity", "adminURL"}, read()); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	adminDo(t, s, "PUT", "/v0/config/default/vm_recovery_retries_max/0", 200)
	adminDo(t, s, "PUT", "/v0/config/affinity/filter/ServerGroupAffinity", 200)
	adminDo(t, s, "PUT", "/v0/config/openstack/endpoint/publicURL", 200)
	if diff := cmp.Diff(got{0, "affinity", "soft-anti-affinity", "publicURL"}, read()); diff != "" {
		t.Errorf("after changes (-want +got):\n%s", diff)
	}
	adminDo(t, s, "PUT", "/v0/config/anti-affinity/filter/ServerGroupAffinity", 200)
	aff, anti, err := a.affinityPolicies(ctx)
	if err != nil || aff != "affinity" || anti != "anti-affinity" {
		t.Errorf("both ServerGroupAffinity: %q, %q, %v", aff, anti, err)
	}
	for _, p := range []string{aff, anti, "soft-affinity", "soft-anti-affinity"} {
		if !slices.Contains(resource.ServerGroupPolicies, p) {
			t.Errorf("%q is not a server group policy", p)
		}
	}
	if _, err := a.configValue(ctx, "LOG", "NOPE"); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("an unknown key: %v", err)
	}

	// A value written past the API is not trusted.
	cur, err := s.O.Get(ctx, settingRef(settingConfig))
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.(*resource.Setting).Values["DEFAULT/VM_RECOVERY_RETRIES_MAX"] = "lots"
	if _, err := s.O.Update(ctx, cur); err != nil {
		t.Fatal(err)
	}
	if _, err := a.recoveryRetriesMax(ctx); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("a bad stored value: %v", err)
	}
}

func TestHostEnabled(t *testing.T) {
	s, a := newInternal(t)
	ctx := t.Context()
	enabled := func(h string) bool {
		ok, err := a.hostEnabled(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !enabled("h1") {
		t.Error("a host never named is disabled")
	}
	adminDo(t, s, "POST", "/v0/hosts/h1/disable", 200)
	if enabled("h1") || !enabled("h2") {
		t.Errorf("after disabling h1: h1 %v, h2 %v", enabled("h1"), enabled("h2"))
	}
	adminDo(t, s, "POST", "/v0/hosts/h1/enable", 200)
	if !enabled("h1") {
		t.Error("h1 still disabled")
	}
}

// statsBackend is a backend whose counters the test sets.
type statsBackend struct {
	dialect.Backend
	snap orca.StatsSnapshot
}

func (b *statsBackend) StatsSnapshot() orca.StatsSnapshot { return b.snap }

func TestReconcilerCountersSinceReset(t *testing.T) {
	b := &statsBackend{snap: orca.StatsSnapshot{Reconciles: 10, Errors: 2, VIMCalls: 7, QueueDepth: 3}}
	a := &api{b: b}
	counters := func() map[string]int64 {
		out := map[string]int64{}
		for _, c := range a.reconcilerState().Counters {
			out[c.Name] = c.Value
		}
		return out
	}
	if st := a.reconcilerState(); st.State != stateDegraded {
		t.Errorf("with errors: %s", st.State)
	}
	a.reconciler.stats = b.snap // as a reset records it
	b.snap = orca.StatsSnapshot{Reconciles: 15, Errors: 2, VIMCalls: 9, QueueDepth: 1}
	want := map[string]int64{"reconciles": 5, "reconcile_errors": 0, "resyncs": 0, "vim_calls": 2, "vim_errors": 0, "events": 0, "queue_depth": 1}
	if diff := cmp.Diff(want, counters()); diff != "" {
		t.Errorf("since the reset (-want +got):\n%s", diff)
	}
	if st := a.reconcilerState(); st.State != stateOK {
		t.Errorf("no errors since the reset: %s", st.State)
	}
}
