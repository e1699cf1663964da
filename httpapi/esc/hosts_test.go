package esc_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type xmlHost struct {
	XMLName   xml.Name `xml:"host"`
	HostName  string   `xml:"host_name"`
	Status    string   `xml:"status"`
	EventType string   `xml:"event_type"`
}

func TestHostActions(t *testing.T) {
	s := newServer(t)
	events, outcomes := newReceiver(t), newReceiver(t)
	status := func(host string) string {
		var h xmlHost
		r := as(s, "alice", "GET", "/v0/hosts/"+host+"/status", "").Want(t, 200, "status")
		if err := xml.Unmarshal([]byte(r.Raw), &h); err != nil || h.HostName != host {
			t.Fatalf("%s: %+v, %v", r.Raw, h, err)
		}
		return h.Status
	}
	if got := status("10.85.103.13"); got != "ENABLED" {
		t.Errorf("a host never named: %s", got)
	}

	// Disabled: the notification goes to Callback-ESC-Events, the
	// seed's header for host actions, rather than to Callback.
	r := as(s, "admin", "POST", "/v0/hosts/my-ucs-3/disable", "",
		"Callback-ESC-Events", events.srv.URL, "Callback", outcomes.srv.URL).Want(t, 200, "disable")
	tx := r.Header.Get("ESC_TRANSACTION_ID")
	got := events.wait(t, 1)[0]
	var h xmlHost
	if err := xml.Unmarshal([]byte(got.Body), &h); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(xmlHost{XMLName: h.XMLName, HostName: "my-ucs-3", Status: "DISABLED", EventType: "HOST_DISABLED"}, h); diff != "" ||
		got.Transaction != tx || got.Code != "200" || got.Message != "Host my-ucs-3 disabled" {
		t.Errorf("notification %+v (-want +got):\n%s", got, diff)
	}
	if got := status("my-ucs-3"); got != "DISABLED" {
		t.Errorf("after disable: %s", got)
	}
	if got := status("my-ucs-4"); got != "ENABLED" {
		t.Errorf("another host: %s", got)
	}

	// Enabled again, in JSON, with Callback only.
	as(s, "admin", "POST", "/ESCManager/v0/hosts/my-ucs-3/enable", "", "Callback", outcomes.srv.URL, "Accept", "application/json").Want(t, 200, "enable")
	got = outcomes.wait(t, 1)[0]
	var body map[string]any
	if err := json.Unmarshal([]byte(got.Body), &body); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"host_name": "my-ucs-3", "status": "ENABLED", "event_type": "HOST_ENABLED"}, body); diff != "" {
		t.Errorf("JSON notification (-want +got):\n%s", diff)
	}
	if got := status("my-ucs-3"); got != "ENABLED" {
		t.Errorf("after enable: %s", got)
	}
	r = as(s, "alice", "GET", "/v0/hosts/my-ucs-3/status", "", "Accept", "application/json").Want(t, 200, "JSON status")
	if r.Object()["status"] != "ENABLED" {
		t.Errorf("JSON status %s", r.Raw)
	}
	if n := len(events.callbacks()); n != 1 {
		t.Errorf("%d notifications to the events URL, want 1", n)
	}
}

func TestHostErrors(t *testing.T) {
	s := newServer(t)
	for name, tc := range map[string]struct {
		user, method, path string
		headers            []string
		status             int
		says               string
	}{
		"a member disables":    {"alice", "POST", "/v0/hosts/h1/disable", nil, 403, "administrators"},
		"a bad host name":      {"admin", "POST", "/v0/hosts/-h1/disable", nil, 400, "host name"},
		"a long host name":     {"alice", "GET", "/v0/hosts/" + strings.Repeat("h", 247) + "/status", nil, 400, "host name"},
		"a refused events URL": {"admin", "POST", "/v0/hosts/h1/disable", []string{"Callback-ESC-Events", "http://10.0.0.1/ev"}, 400, "Callback-ESC-Events"},
		"an unknown action":    {"admin", "POST", "/v0/hosts/h1/reboot", nil, 404, "no such path"},
		"GET an action":        {"admin", "GET", "/v0/hosts/h1/disable", nil, 405, "not allowed"},
	} {
		t.Run(name, func(t *testing.T) {
			r := as(s, tc.user, tc.method, tc.path, "", tc.headers...)
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) {
				t.Errorf("%d %s, want %d saying %q", r.Code, r.Raw, tc.status, tc.says)
			}
		})
	}
	if r := as(s, "alice", "GET", "/v0/hosts/h1/status", ""); !strings.Contains(r.Raw, "ENABLED") {
		t.Errorf("refused requests disabled h1: %s", r.Raw)
	}
}
