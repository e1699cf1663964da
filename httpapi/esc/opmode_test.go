package esc_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type xmlOpMode struct {
	XMLName xml.Name `xml:"operationmode"`
	Mode    string   `xml:"mode"`
	Message string   `xml:"message"`
}

func TestOperationMode(t *testing.T) {
	s := newServer(t)
	rc := newReceiver(t)
	cb := []string{"Callback", rc.srv.URL}
	mode := func() string {
		var m xmlOpMode
		r := as(s, "alice", "GET", "/v0/operationmode", "").Want(t, 200, "get mode")
		if err := xml.Unmarshal([]byte(r.Raw), &m); err != nil {
			t.Fatalf("%s: %v", r.Raw, err)
		}
		return m.Mode
	}
	if got := mode(); got != "OPERATION" {
		t.Fatalf("mode at start %q", got)
	}
	as(s, "admin", "POST", "/v0/tenants/before", `<tenant><name>b</name></tenant>`, cb...).Want(t, 200, "a tenant before")
	rc.wait(t, 1)

	r := as(s, "admin", "POST", "/v0/operationmode/maintenance", "", "Accept", "application/json").Want(t, 200, "maintenance")
	if diff := cmp.Diff(map[string]any{"mode": "MAINTENANCE", "message": "Operation mode set to MAINTENANCE"}, r.Object()); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if got := mode(); got != "MAINTENANCE" {
		t.Fatalf("mode %q", got)
	}

	// Every write is refused, saying why; nothing is written and no
	// callback is sent.
	for name, req := range map[string][3]string{
		"create a tenant":      {"POST", "/v0/tenants/during", `<tenant><name>d</name></tenant>`},
		"change a tenant":      {"PUT", "/v0/tenants/before", `<tenant><name>renamed</name></tenant>`},
		"delete a tenant":      {"DELETE", "/v0/tenants/before", ""},
		"change a parameter":   {"PUT", "/v0/config/log/level/debug", ""},
		"create a parameter":   {"POST", "/v0/config/default/k", `<escconfigparameter><value>v</value></escconfigparameter>`},
		"disable a host":       {"POST", "/v0/hosts/h1/disable", ""},
		"create a file server": {"POST", "/v0/fileserver/fs1", `<file_server><base_url>https://files.example.com/</base_url></file_server>`},
	} {
		t.Run(name, func(t *testing.T) {
			r := as(s, "admin", req[0], req[1], req[2], cb...)
			if r.Code != 503 || !strings.Contains(r.Raw, "ESC is in maintenance mode") || r.Header.Get("ESC-Status-Code") != "503" {
				t.Errorf("%d %s", r.Code, r.Raw)
			}
		})
	}
	// Reads go on.
	for _, path := range []string{"/v0/tenants/before", "/v0/config/log/level", "/v0/hosts/h1/status", "/v0/fileserver"} {
		as(s, "admin", "GET", path, "").Want(t, 200, "GET "+path+" in maintenance")
	}
	if r := as(s, "admin", "GET", "/v0/tenants/before", ""); !strings.Contains(r.Raw, "<name>b</name>") {
		t.Errorf("a refused update changed the tenant: %s", r.Raw)
	}
	as(s, "admin", "GET", "/v0/tenants/during", "").Want(t, 404, "a refused create")
	as(s, "admin", "GET", "/v0/config/log/level", "").Want(t, 200, "level")
	if r := as(s, "admin", "GET", "/v0/config/log/level", ""); !strings.Contains(r.Raw, "<value>INFO</value>") {
		t.Errorf("a refused write changed the level: %s", r.Raw)
	}

	// Switching back is allowed, and writes work again.
	as(s, "admin", "POST", "/v0/operationmode/OPERATION", "").Want(t, 200, "operation")
	as(s, "admin", "POST", "/v0/tenants/after", `<tenant><name>a</name></tenant>`, cb...).Want(t, 200, "a tenant after")
	if got := rc.wait(t, 2); len(got) != 2 || got[1].Message != "Tenant successfully created" {
		t.Errorf("callbacks %+v: want the two creations only", got)
	}
}

func TestOperationModeErrors(t *testing.T) {
	s := newServer(t)
	for name, tc := range map[string]struct {
		user, method, path string
		status             int
		says               string
	}{
		"a member sets it":  {"alice", "POST", "/v0/operationmode/MAINTENANCE", 403, "administrators"},
		"an unknown mode":   {"admin", "POST", "/v0/operationmode/HOLIDAY", 400, "OPERATION, MAINTENANCE"},
		"PUT is not served": {"admin", "PUT", "/v0/operationmode/MAINTENANCE", 405, "not allowed"},
	} {
		t.Run(name, func(t *testing.T) {
			r := as(s, tc.user, tc.method, tc.path, "")
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) {
				t.Errorf("%d %s, want %d saying %q", r.Code, r.Raw, tc.status, tc.says)
			}
		})
	}
	if r := as(s, "alice", "GET", "/v0/operationmode", ""); !strings.Contains(r.Raw, "<mode>OPERATION</mode>") {
		t.Errorf("refused requests changed the mode: %s", r.Raw)
	}
}
