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
// APIs over the same data, with the same tokens; one reconciles, the other
// stands by, and takes over when the first stops. Neither prints the database password; both
// refuse to start without the shared key and admin password.
func TestDemoOnPostgres(t *testing.T) {
	dsn := pgtest.Start(t)
	env := map[string]string{"ORCA_SECRET_KEY": secret.GenerateKey(), "ORCA_ADMIN_PASSWORD": "pg-admin-pw"}
	args := []string{"-db", dsn, "-fake-locations", "1", "-fake-build-time", "10ms", "-poll-interval", "20ms"}

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

	a := start(t, args, env)
	wait.Until(t, "the first demo leading", func() bool { return strings.Contains(a.stderr.String(), "leading: this replica reconciles") })
	b := start(t, args, env)
	token := login(t, b, "pg-admin-pw")
	if u, _ := url.Parse(dsn); strings.Contains(a.stderr.String()+b.stderr.String(), func() string { pw, _ := u.User.Password(); return pw }()) {
		t.Error("a demo logged the database password")
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
	// Written through the standby, reconciled by the leader, read back
	// through either.
	converged(b, "net-1")
	// A token one replica issued works at the other.
	if code, _, _ := call(t, "GET", a.url+"/v1.0/tenant/networks/net-1", token, ""); code != 200 {
		t.Errorf("the other replica does not see net-1: %d", code)
	}
	if strings.Contains(b.stderr.String(), "leading: this replica reconciles") {
		t.Fatal("both replicas lead")
	}

	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the second demo leading", func() bool { return strings.Contains(b.stderr.String(), "leading: this replica reconciles") })
	converged(b, "net-2")
}
