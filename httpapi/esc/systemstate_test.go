package esc_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
)

type xmlState struct {
	XMLName  xml.Name `xml:"systemstate"`
	Name     string   `xml:"name"`
	State    string   `xml:"state"`
	Since    string   `xml:"since"`
	Counters []struct {
		Name  string `xml:"name"`
		Value int64  `xml:"value"`
	} `xml:"counters>counter"`
}

func (s xmlState) counter(name string) int64 {
	for _, c := range s.Counters {
		if c.Name == name {
			return c.Value
		}
	}
	return -1
}

// TestCallbackState: callbacks that wait count as pending; those given up
// count as failed until a reset acknowledges them.
func TestCallbackState(t *testing.T) {
	policy := &netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	deliver := policy.Deliverer(nil)
	s := apitest.New(t, apitest.Options{
		// A destination refused at delivery (as a name that came to
		// resolve to a refused address is) fails its callback at once.
		Deliver: func(ctx context.Context, w *resource.Webhook) error {
			if strings.HasSuffix(w.URL, "/refused") {
				return resource.Errorf(resource.Forbidden, "refused destination")
			}
			return deliver(ctx, w)
		},
		Mounts: []apitest.Mount{func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			return esc.New(b, kit, &esc.Options{Callbacks: policy}), esc.Paths, nil
		}},
	})
	rc := newReceiver(t)
	state := func() xmlState {
		var st xmlState
		r := as(s, "admin", "GET", "/v0/systemstate/callbacks", "").Want(t, 200, "callbacks state")
		if err := xml.Unmarshal([]byte(r.Raw), &st); err != nil {
			t.Fatalf("%s: %v", r.Raw, err)
		}
		return st
	}
	if st := state(); st.State != "OK" || st.counter("pending") != 0 || st.counter("failed") != 0 || st.Since != "" {
		t.Errorf("at start: %+v", st)
	}

	as(s, "admin", "POST", "/v0/tenants/t-fail", `<tenant/>`, "Callback", rc.srv.URL+"/refused").Want(t, 200, "create")
	wait.Until(t, "a failed callback", func() bool { return state().counter("failed") == 1 })
	if st := state(); st.State != "DEGRADED" {
		t.Errorf("with a failure: %+v", st)
	}

	// A reset acknowledges it.
	var st xmlState
	r := as(s, "admin", "POST", "/v0/systemstate/callbacks/reset", "").Want(t, 200, "reset")
	if err := xml.Unmarshal([]byte(r.Raw), &st); err != nil || st.State != "OK" || st.counter("failed") != 0 || st.Since == "" {
		t.Errorf("reset answer %s: %v", r.Raw, err)
	}
	if st := state(); st.State != "OK" || st.counter("failed") != 0 {
		t.Errorf("after the reset: %+v", st)
	}

	// A callback that keeps failing is pending; a later failure counts.
	rc.mu.Lock()
	rc.fail = 1 << 30
	rc.mu.Unlock()
	as(s, "admin", "POST", "/v0/tenants/t-wait", `<tenant/>`, "Callback", rc.srv.URL).Want(t, 200, "create")
	as(s, "admin", "POST", "/v0/tenants/t-fail2", `<tenant/>`, "Callback", rc.srv.URL+"/refused").Want(t, 200, "create")
	wait.Until(t, "one pending, one failed", func() bool {
		st := state()
		return st.counter("pending") == 1 && st.counter("failed") == 1
	})
	rc.mu.Lock()
	rc.fail = 0
	rc.mu.Unlock()
	wait.Until(t, "delivered", func() bool { return state().counter("pending") == 0 })

	// JSON too.
	r = as(s, "admin", "GET", "/v0/systemstate/callbacks", "", "Accept", "application/json").Want(t, 200, "JSON")
	if r.Object()["name"] != "callbacks" || r.Object()["state"] != "DEGRADED" {
		t.Errorf("JSON state %s", r.Raw)
	}
}

func TestReconcilerState(t *testing.T) {
	s := newServer(t)
	var st xmlState
	r := as(s, "admin", "GET", "/v0/systemstate/reconciler", "").Want(t, 200, "reconciler")
	if err := xml.Unmarshal([]byte(r.Raw), &st); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range st.Counters {
		names = append(names, c.Name)
	}
	want := []string{"reconciles", "reconcile_errors", "resyncs", "vim_calls", "vim_errors", "events", "queue_depth"}
	if diff := cmp.Diff(want, names); diff != "" || st.Since != "" {
		t.Errorf("counters (-want +got):\n%s; since %q", diff, st.Since)
	}
	r = as(s, "admin", "POST", "/v0/systemstate/reconciler/reset", "", "Accept", "application/json").Want(t, 200, "reset")
	if r.Object()["since"] == nil || r.Object()["name"] != "reconciler" {
		t.Errorf("reset answer %s", r.Raw)
	}
}

func TestSystemStateErrors(t *testing.T) {
	s := newServer(t)
	for name, tc := range map[string]struct {
		user, method, path string
		status             int
		says               string
	}{
		"an unknown name":    {"admin", "GET", "/v0/systemstate/disk", 404, "not found"},
		"reset an unknown":   {"admin", "POST", "/v0/systemstate/disk/reset", 404, "not found"},
		"a member reads":     {"alice", "GET", "/v0/systemstate/callbacks", 403, "administrators"},
		"a member resets":    {"alice", "POST", "/v0/systemstate/callbacks/reset", 403, "administrators"},
		"GET a reset":        {"admin", "GET", "/v0/systemstate/callbacks/reset", 405, "not allowed"},
		"an unknown in JSON": {"admin", "GET", "/v0/systemstate/disk", 404, `"status_code":404`},
	} {
		t.Run(name, func(t *testing.T) {
			var h []string
			if strings.Contains(name, "JSON") {
				h = []string{"Accept", "application/json"}
			}
			r := as(s, tc.user, tc.method, tc.path, "", h...)
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) {
				t.Errorf("%d %s, want %d saying %q", r.Code, r.Raw, tc.status, tc.says)
			}
		})
	}
}
