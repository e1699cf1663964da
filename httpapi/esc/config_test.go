package esc_test

import (
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// xmlParam is an escconfigparameter as a client reads it.
type xmlParam struct {
	XMLName  xml.Name `xml:"escconfigparameter"`
	Category string   `xml:"category"`
	Key      string   `xml:"key"`
	Type     string   `xml:"type"`
	Value    string   `xml:"value"`
}

// jsonParam is one in JSON.
type jsonParam struct {
	Category, Key, Type, Value string
}

func TestConfigDefaults(t *testing.T) {
	s := newServer(t)
	want := []jsonParam{
		{"AFFINITY", "FILTER", "STRING", "SameHostFilter"},
		{"ANTI-AFFINITY", "FILTER", "STRING", "DifferentHostFilter"},
		{"DEFAULT", "VM_RECOVERY_RETRIES_MAX", "INTEGER", "3"},
		{"LOG", "LEVEL", "STRING", "INFO"},
		{"OPENSTACK", "ENDPOINT", "STRING", "adminURL"},
	}
	// JSON: a bare array, for any authenticated caller.
	var got []jsonParam
	r := as(s, "alice", "GET", "/v0/config", "", "Accept", "application/json").Want(t, 200, "JSON list")
	if err := json.Unmarshal([]byte(r.Raw), &got); err != nil {
		t.Fatalf("%s: %v", r.Raw, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON list (-want +got):\n%s", diff)
	}
	// XML: escconfigparameters.
	var list struct {
		Params []xmlParam `xml:"escconfigparameter"`
	}
	r = as(s, "alice", "GET", "/ESCManager/v0/config", "").Want(t, 200, "XML list")
	if err := xml.Unmarshal([]byte(r.Raw), &list); err != nil || len(list.Params) != len(want) || !strings.Contains(r.Raw, "<escconfigparameters>") {
		t.Fatalf("XML list %s: %v", r.Raw, err)
	}
	// A category, and one key, case-insensitively.
	r = as(s, "alice", "GET", "/v0/config/anti-affinity", "", "Accept", "application/json").Want(t, 200, "category")
	got = nil
	json.Unmarshal([]byte(r.Raw), &got)
	if diff := cmp.Diff(want[1:2], got); diff != "" {
		t.Errorf("category (-want +got):\n%s", diff)
	}
	var one xmlParam
	r = as(s, "alice", "GET", "/v0/config/Log/level", "").Want(t, 200, "key")
	if err := xml.Unmarshal([]byte(r.Raw), &one); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(xmlParam{XMLName: xml.Name{Local: "escconfigparameter"}, Category: "LOG", Key: "LEVEL", Type: "STRING", Value: "INFO"}, one); diff != "" {
		t.Errorf("key (-want +got):\n%s", diff)
	}
}

func TestConfigChanges(t *testing.T) {
	n := newNode(t, nil)
	probe := slog.New(slog.NewTextHandler(n.log, &slog.HandlerOptions{Level: n.level}))
	probe.Debug("probe before")

	// The seed's example: PUT /config/log/level/debug, answered with the
	// parameter; the server's log level follows.
	r := n.do("admin", "PUT", "/ESCManger/v0/config/log/level/debug", "", "Accept", "application/xml").Want(t, 200, "the seed's example")
	var p xmlParam
	if err := xml.Unmarshal([]byte(r.Raw), &p); err != nil || p.Category != "LOG" || p.Key != "LEVEL" || p.Value != "DEBUG" || p.Type != "STRING" {
		t.Errorf("answer %s: %+v, %v", r.Raw, p, err)
	}
	if n.level.Level() != slog.LevelDebug {
		t.Errorf("level %v after DEBUG", n.level.Level())
	}
	probe.Debug("probe at debug")
	n.do("admin", "PUT", "/v0/config/LOG/LEVEL/trace", "").Want(t, 200, "trace")
	if n.level.Level() != slog.LevelDebug {
		t.Errorf("level %v after TRACE", n.level.Level())
	}
	n.do("admin", "PUT", "/v0/config/LOG/LEVEL/INFO", "", "Accept", "application/json").Want(t, 200, "info")
	probe.Debug("probe at info")
	logged := n.log.String()
	for line, want := range map[string]bool{"probe before": false, "probe at debug": true, "probe at info": false,
		"ESC configuration changed": true} {
		if strings.Contains(logged, line) != want {
			t.Errorf("log has %q: %v, want %v; log:\n%s", line, !want, want, logged)
		}
	}

	// Values are checked per key and spelled canonically.
	for path, want := range map[string]string{
		"/v0/config/openstack/endpoint/PUBLICURL":             "publicURL",
		"/v0/config/affinity/filter/servergroupaffinity":      "ServerGroupAffinity",
		"/v0/config/anti-affinity/filter/ServerGroupAffinity": "ServerGroupAffinity",
		"/v0/config/default/vm_recovery_retries_max/%2007":    "7",
	} {
		r := n.do("admin", "PUT", path, "", "Accept", "application/json").Want(t, 200, path)
		if got := r.Object()["value"]; got != want {
			t.Errorf("PUT %s: value %v, want %s", path, got, want)
		}
	}

	// A created key: JSON string or escconfigparameter, then changed.
	n.do("admin", "POST", "/v0/config/default/max_logs", `"100"`, "Content-Type", "application/json").Want(t, 200, "create JSON")
	n.do("admin", "POST", "/v0/config/custom/note", `<escconfigparameter><category>custom</category><value>free text</value></escconfigparameter>`).Want(t, 200, "create XML")
	n.do("admin", "PUT", "/v0/config/custom/note/other%20text", "").Want(t, 200, "change a created key")
	r = n.do("bob", "GET", "/v0/config/CUSTOM", "", "Accept", "application/json").Want(t, 200, "created category")
	var got []jsonParam
	json.Unmarshal([]byte(r.Raw), &got)
	if diff := cmp.Diff([]jsonParam{{"CUSTOM", "NOTE", "STRING", "other text"}}, got); diff != "" {
		t.Errorf("created key (-want +got):\n%s", diff)
	}
}

func TestConfigErrors(t *testing.T) {
	s := newServer(t)
	as(s, "admin", "POST", "/v0/config/default/taken", `<escconfigparameter><value>x</value></escconfigparameter>`).Want(t, 200, "create")
	for name, tc := range map[string]struct {
		user, method, path, body string
		headers                  []string
		status                   int
		says                     string
	}{
		"an invalid category":       {"alice", "GET", "/v0/config/a%20b", "", nil, 400, "Invalid category name"},
		"an invalid key":            {"alice", "GET", "/v0/config/LOG/" + strings.Repeat("k", 65), "", nil, 400, "Invalid key name"},
		"an unknown category":       {"alice", "GET", "/v0/config/nope", "", nil, 404, "Category NOPE not found"},
		"an unknown key":            {"alice", "GET", "/v0/config/LOG/nope", "", nil, 404, "Key NOPE not found in category LOG"},
		"a level ESC lacks":         {"admin", "PUT", "/v0/config/log/level/verbose", "", nil, 400, "one of INFO, TRACE, DEBUG"},
		"retries not a number":      {"admin", "PUT", "/v0/config/default/vm_recovery_retries_max/many", "", nil, 400, "integer from 0 to 100"},
		"retries too many":          {"admin", "PUT", "/v0/config/default/vm_recovery_retries_max/101", "", nil, 400, "integer from 0 to 100"},
		"retries negative":          {"admin", "PUT", "/v0/config/default/vm_recovery_retries_max/-1", "", nil, 400, "integer"},
		"an endpoint ESC lacks":     {"admin", "PUT", "/v0/config/openstack/endpoint/internalURL", "", nil, 400, "adminURL, publicURL"},
		"a filter ESC lacks":        {"admin", "PUT", "/v0/config/affinity/filter/DifferentHostFilter", "", nil, 400, "SameHostFilter, ServerGroupAffinity"},
		"PUT an unknown key":        {"admin", "PUT", "/v0/config/LOG/nope/x", "", nil, 404, "not found"},
		"a member writes":           {"alice", "PUT", "/v0/config/log/level/debug", "", nil, 403, "administrators"},
		"a member creates":          {"alice", "POST", "/v0/config/default/k2", `"v"`, []string{"Content-Type", "application/json"}, 403, "administrators"},
		"create a documented key":   {"admin", "POST", "/v0/config/log/level", `"DEBUG"`, []string{"Content-Type", "application/json"}, 409, "exists"},
		"create a taken key":        {"admin", "POST", "/v0/config/DEFAULT/TAKEN", `"v"`, []string{"Content-Type", "application/json"}, 409, "exists"},
		"create with another key":   {"admin", "POST", "/v0/config/default/k2", `<escconfigparameter><key>k3</key><value>v</value></escconfigparameter>`, nil, 400, "differs"},
		"create with a type":        {"admin", "POST", "/v0/config/default/k2", `{"type": "INTEGER", "value": "1"}`, []string{"Content-Type", "application/json"}, 400, "differs"},
		"create with no body":       {"admin", "POST", "/v0/config/default/k2", ``, nil, 400, "empty"},
		"create a control char":     {"admin", "POST", "/v0/config/default/k2", `"a\u0001b"`, []string{"Content-Type", "application/json"}, 400, "control characters"},
		"create an unknown field":   {"admin", "POST", "/v0/config/default/k2", `{"colour": "red"}`, []string{"Content-Type", "application/json"}, 400, "colour"},
		"create an unknown elem":    {"admin", "POST", "/v0/config/default/k2", `<escconfigparameter><colour/></escconfigparameter>`, nil, 400, "colour"},
		"create a long value":       {"admin", "POST", "/v0/config/default/k2", `"` + strings.Repeat("v", 1025) + `"`, []string{"Content-Type", "application/json"}, 400, "at most 1024"},
		"PUT without a value":       {"admin", "PUT", "/v0/config/log/level", "", nil, 405, "not allowed"},
		"no credentials":            {"", "GET", "/v0/config", "", nil, 401, "credentials"},
		"a JSON error in JSON":      {"admin", "PUT", "/v0/config/log/level/loud", "", []string{"Accept", "application/json"}, 400, `"status_code":400`},
		"an XML error in XML":       {"admin", "PUT", "/v0/config/log/level/loud", "", nil, 400, "<status_code>400</status_code>"},
		"a value for the wrong key": {"admin", "PUT", "/v0/config/log/level/ServerGroupAffinity", "", nil, 400, "LOG/LEVEL"},
	} {
		t.Run(name, func(t *testing.T) {
			r := as(s, tc.user, tc.method, tc.path, tc.body, tc.headers...)
			if tc.user == "" {
				r = s.Do(tc.method, tc.path, "", nil)
			}
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) || r.Header.Get("ESC-Status-Code") == "" {
				t.Errorf("%d %s, want %d saying %q", r.Code, r.Raw, tc.status, tc.says)
			}
		})
	}
	// Nothing above changed a value or made a key.
	var got []jsonParam
	json.Unmarshal([]byte(as(s, "admin", "GET", "/v0/config", "", "Accept", "application/json").Raw), &got)
	if len(got) != 6 {
		t.Errorf("after refused requests: %+v", got)
	}
	for _, p := range got {
		if p.Key == "LEVEL" && p.Value != "INFO" || p.Key == "VM_RECOVERY_RETRIES_MAX" && p.Value != "3" {
			t.Errorf("a refused request changed %+v", p)
		}
	}
}
