package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/testutil/pgtest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/secret"
)

// TestDemoOnPostgres: two demos on one PostgreSQL database both serve the
// APIs over the same data, with the same tokens, and split the locations
// between them by leases; when one stops, the other takes its share at
// once. Neither prints the database password; both refuse to start without
// the shared key and admin password.
func TestDemoOnPostgres(t *testing.T) {
	dsn := pgtest.Start(t)
	env := map[string]string{"ORCA_SECRET_KEY": secret.GenerateKey(), "ORCA_ADMIN_PASSWORD": "pg-admin-pw"}
	args := []string{"-db", dsn, "-fake-locations", "4", "-fake-build-time", "10ms", "-poll-interval", "20ms", "-lease-ttl", "2s"}

	for name, missing := range map[string]string{"no key": "ORCA_SECRET_KEY", "no admin password": "ORCA_ADMIN_PASSWORD"} {
		e := map[string]string{}
		for k, v := range env {
			if k != missing {
				e[k] = v
			}
		}
		err := run(t.Context(), append([]string{"-addr", "127.0.0.1:0"}, args...), func(k string) string { return e[k] }, &strings.Builder{}, &strings.Builder{})
		if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), "every replica") {
			t.Errorf("%s: %v, want a usage error saying why", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "@") && strings.Contains(dsn, "@") {
			u, _ := url.Parse(dsn)
			if pw, ok := u.User.Password(); ok && strings.Contains(err.Error(), pw) {
				t.Errorf("%s: the error shows the database password", name)
			}
		}
	}

	a := start(t, append(args, "-replica-name", "replica-a"), env)
	b := start(t, append(args, "-replica-name", "replica-b"), env)
	token := login(t, b, "pg-admin-pw")
	if u, _ := url.Parse(dsn); strings.Contains(a.stderr.String()+b.stderr.String(), func() string { pw, _ := u.User.Password(); return pw }()) {
		t.Error("a demo logged the database password")
	}
	// holders are the location leases' holders, as an admin reads them.
	holders := func(d *demo) map[string]string {
		t.Helper()
		code, _, body := call(t, "GET", d.url+"/v1.0/admin/leases", token, "")
		if code != 200 {
			t.Fatalf("GET /v1.0/admin/leases: %d %v", code, body)
		}
		out := map[string]string{}
		items, _ := body["leases"].([]any)
		for _, it := range items {
			l, _ := it.(map[string]any)
			if id, _ := l["id"].(string); strings.HasPrefix(id, "loc.") {
				out[id], _ = l["holder"].(string)
			}
		}
		return out
	}
	spread := func(d *demo, want ...string) func() bool {
		return func() bool {
			h := holders(d)
			got := map[string]bool{}
			for _, holder := range h {
				got[holder] = true
			}
			if len(h) != 4 || len(got) != len(want) {
				return false
			}
			for _, w := range want {
				if !got[w] {
					return false
				}
			}
			return true
		}
	}
	wait.UntilWith(t, &wait.Options{Every: 50 * time.Millisecond, Bound: time.Minute}, "the locations split between both", spread(a, "replica-a", "replica-b"))
	if code, _, _ := call(t, "POST", a.url+"/v1.0/admin/leases", token, `{"lease":{"id":"loc.x","holder":"me"}}`); code < 400 || code >= 500 {
		t.Errorf("writing a lease through the API: %d, want it refused", code)
	}

	converged := func(d *demo, id string) {
		t.Helper()
		if code, _, body := call(t, "POST", d.url+"/v1.0/tenant/networks", token,
			`{"network":{"id":"`+id+`","name":"`+id+`","cidr":"10.0.0.0/24"}}`); code != 201 {
			t.Fatalf("create %s: %d %v", id, code, body)
		}
		wait.UntilWith(t, &wait.Options{Every: 20 * time.Millisecond, Bound: time.Minute}, id+" Ready", func() bool {
			_, _, body := call(t, "GET", d.url+"/v1.0/tenant/networks/"+id, token, "")
			net, _ := body["network"].(map[string]any)
			meta, _ := net["orca"].(map[string]any)
			st, _ := meta["status"].(map[string]any)
			return st["phase"] == "Ready"
		})
	}
	// Written through one replica, realized by both (each at its own
	// locations), read back through either.
	converged(b, "net-1")
	// A token one replica issued works at the other.
	if code, _, _ := call(t, "GET", a.url+"/v1.0/tenant/networks/net-1", token, ""); code != 200 {
		t.Errorf("the other replica does not see net-1: %d", code)
	}

	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	// a released its leases as it stopped: b holds every location well
	// within the lease TTL's bound.
	wait.UntilWith(t, &wait.Options{Every: 50 * time.Millisecond, Bound: time.Minute}, "every location held by the survivor", spread(b, "replica-b"))
	converged(b, "net-2")
}
