package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// TestSecretsNeverShown puts every kind of secret the surfaces take
// through them — passwords (logins, wrong ones too, VIM credentials,
// ESC's VIM users and file servers), application credential secrets,
// VIM tokens, tokens orca issued, forged tokens, user data, config
// files, ESC day-0 data inline and fetched, a token in a callback URL —
// then reads everything back on every surface, as the owner and as an
// administrator, lets orca converge, and scans every log line of the
// run (debug included) and every answer for them. None may appear, but
// for the token in its own login's X-Subject-Token header (and its
// validation's), and the day-0 data in ESC's GET
// /v0/deployments/config/{id}, which seed 004 documents as the
// deployment's datamodel "as written", for its tenant and administrators.
// Sealed credentials are not in the store in the clear either.
func TestSecretsNeverShown(t *testing.T) {
	s := newSecServer(t, nil)
	ctx := context.Background()
	secrets := map[string]string{
		"alice's password":              "alice-pw",
		"a wrong password":              "Wrong-Guess-4a7d",
		"a VIM password":                "Vim-Passw0rd-9c1e",
		"an application secret":         "App-Cred-Secret-5b2f",
		"a VIM token":                   "Vim-Token-Secret-7e3a",
		"a mistyped credential":         "Typo-Secret-0d9c",
		"a forged token":                "Forged-Token-Secret-2f6b",
		"user data":                     "User-Data-Secret-8a4c",
		"a config file":                 "Config-File-Secret-3e1d",
		"ESC's VIM user password":       "Esc-Vim-Secret-6c2b",
		"ESC's file server password":    "Esc-Fs-Secret-1a9e",
		"ESC day-0 user data":           "Day0-User-Data-4d8f",
		"ESC day-0 file":                "Day0-Inline-File-2b7c",
		"ESC day-0 file, fetched":       "Day0-Fetched-File-9e5a",
		"a token in a callback URL":     "Callback-Token-3c6d",
		"a token in an events callback": "Events-Token-7f1b",
	}
	day0 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(secrets["ESC day-0 file, fetched"]))
	}))
	defer day0.Close()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer receiver.Close()
	callback := []string{"Callback", receiver.URL + "/cb?token=" + secrets["a token in a callback URL"],
		"Callback-ESC-Events", receiver.URL + "/events?token=" + secrets["a token in an events callback"]}

	// Logins: alice's token is a secret too.
	login := func(user, password string) apitest.Response {
		r := s.Do("POST", "/v3/auth/tokens", "", map[string]any{"auth": map[string]any{"identity": map[string]any{
			"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{"name": user, "password": password}}}}})
		h := r.Header.Clone()
		h.Del("X-Subject-Token")
		s.answers.Write([]byte(fmt.Sprint("POST /v3/auth/tokens ", r.Code, " ", h, " ", r.Raw, "\n")))
		return r
	}
	login("alice", secrets["a wrong password"]).Want(t, 401, "a wrong password")
	tok := login("alice", secrets["alice's password"]).Want(t, 201, "login").Header.Get("X-Subject-Token")
	secrets["alice's token"] = tok
	validated := s.Do("GET", "/v3/auth/tokens", tok, nil, "X-Subject-Token", tok).Want(t, 200, "validate")
	if strings.Contains(validated.Raw, tok) {
		t.Errorf("the validation's body holds the token: %s", validated.Raw)
	}
	s.send(anonymous, byToken, "GET", "/v1.0/tenant/networks", nil, "X-Auth-Token", secrets["a forged token"]).Want(t, 401, "a forged token")
	asAlice := func(method, path string, body any, headers ...string) apitest.Response {
		r := s.Do(method, path, tok, body, headers...)
		s.answers.Write([]byte(fmt.Sprint(method, " ", path, " ", r.Code, " ", r.Header, " ", r.Raw, "\n")))
		return r
	}

	// VIM credentials, a location using one, and a mistyped body.
	for id, c := range map[string]map[string]any{
		"sec-pw":    {"username": "orca", "password": secrets["a VIM password"], "project_name": "p"},
		"sec-app":   {"application_credential_id": "app-1", "application_credential_secret": secrets["an application secret"]},
		"sec-token": {"token": secrets["a VIM token"]},
	} {
		s.send(admin, byToken, "PUT", "/v1.0/admin/credentials/"+id, map[string]any{"credential": c}).Want(t, 200, "credential "+id)
	}
	s.send(admin, byToken, "PUT", "/v1.0/admin/credentials/sec-typo", map[string]any{"credential": map[string]any{"pasword": secrets["a mistyped credential"]}}).
		Want(t, 400, "a mistyped credential")
	s.send(admin, byToken, "POST", "/v1.0/locations", map[string]any{"location": map[string]any{"id": "sec-site",
		"keystone_endpoint": "fake://sec-site", "credential_id": "sec-pw"}}).Want(t, 201, "a location with a credential")

	// A server with user data and a config file, in alice's tenant.
	for _, c := range []struct{ path, body string }{
		{"/v1.0/tenant/images", `{"image":{"id":"sec-img","name":"ASA","disk_format":"raw","container_format":"bare"}}`},
		{"/v1.0/tenant/flavors", `{"flavor":{"id":"sec-fl","name":"small","ram":512,"vcpus":1,"disk":1}}`},
		{"/v1.0/tenant/networks", `{"network":{"id":"sec-net","cidr":"10.90.0.0/24","name":"MgtNetwork"}}`},
		{"/v1.0/servers", `{"server":{"id":"sec-vm","image_id":"sec-img","flavor_id":"sec-fl","network_id":"sec-net","user_data":"` +
			secrets["user data"] + `","config_files":[{"path":"/etc/app.conf","contents":"` + secrets["a config file"] + `"}]}}`},
	} {
		asAlice("POST", c.path, c.body).Want(t, 201, c.path)
	}

	// ESC: tenants, a VIM connector with a user, a file server, a
	// deployment with day-0 data inline and fetched; callbacks carrying
	// tokens in their URLs.
	for _, id := range []string{"t1", "t2"} {
		s.send(admin, byBasic, "POST", "/v0/tenants/"+id, `<tenant><name>`+id+`</name></tenant>`, callback...).Want(t, 200, "ESC tenant "+id)
	}
	s.send(admin, byBasic, "POST", "/v0/vims", vimConnector("sec-vim", "p"), callback...).Want(t, 200, "VIM connector")
	s.send(admin, byBasic, "POST", "/v0/vims/sec-vim/vim_users", vimUser(secrets["ESC's VIM user password"]), callback...).Want(t, 200, "VIM user")
	s.send(admin, byBasic, "PUT", "/v0/vims/sec-vim/vim_users/escadmin", vimUser(secrets["ESC's VIM user password"]+"-2"), callback...).Want(t, 200, "VIM user update")
	s.send(admin, byBasic, "POST", "/v0/fileserver/sec-fs", `<file_server><base_url>https://files.example.com/</base_url>`+
		`<file_server_user>fetcher</file_server_user><file_server_password>`+secrets["ESC's file server password"]+`</file_server_password></file_server>`, callback...).
		Want(t, 200, "file server")
	dm := `<esc_datamodel xmlns="http://www.cisco.com/esc/esc"><tenants><tenant><name>t1</name><deployments><deployment>
  <name>sec-dep</name><locator><vim_id>loc-1</vim_id></locator>
  <vm_group><name>g</name><image>ASA</image><flavor>small</flavor>
    <interfaces><interface><nicid>0</nicid><network>MgtNetwork</network></interface></interfaces>
    <config_data>
      <configuration><dst>--user-data</dst><data>` + secrets["ESC day-0 user data"] + `</data></configuration>
      <configuration><dst>day0-config</dst><data>` + secrets["ESC day-0 file"] + `</data></configuration>
      <configuration><dst>fetched.cfg</dst><file>` + day0.URL + `/day0.cfg</file></configuration>
    </config_data>
  </vm_group>
</deployment></deployments></tenant></tenants></esc_datamodel>`
	s.send(owner, byBasic, "POST", "/v0/deployments/sec-dep", dm, callback...).Want(t, 200, "deployment")
	wait.Until(t, "the deployment's VM running", func() bool {
		page, err := s.O.List(ctx, store.Filter{Kind: resource.KindServer, Labels: map[string]string{orca.LabelDeployment: "sec-dep"}})
		return err == nil && len(page.Items) == 1 && page.Items[0].Status.Phase == resource.PhaseReady
	})
	waitReady(t, s, resource.Ref{Kind: resource.KindServer, ID: "sec-vm"})
	waitReady(t, s, resource.Ref{Kind: resource.KindLocation, ID: "sec-site"})

	// Everything read back, on every surface, by both.
	for _, k := range s.O.Registry().Kinds() {
		info, _ := s.O.Registry().Info(k)
		s.send(admin, byToken, "GET", info.Path, nil)
		asAlice("GET", info.Path, nil)
	}
	for _, path := range []string{"/v1.0/servers/sec-vm", "/v1.0/admin/credentials/sec-pw", "/v1.0/locations/sec-site",
		"/v1.0/events?subject_id=sec-vm", "/debug/vars", "/healthz", "/tenants/t1", "/api/openstack-server-groups/", "/v1/instances/detail"} {
		s.send(admin, byToken, "GET", path, nil)
	}
	for _, path := range []string{"/v0/vims", "/v0/vims/sec-vim", "/v0/vims/sec-vim/vim_users", "/v0/vims/sec-vim/vim_users/escadmin",
		"/v0/fileserver", "/v0/fileserver/sec-fs", "/v0/deployments", "/v0/deployments/sec-dep", "/v0/config", "/v0/systemstate/callbacks"} {
		for _, accept := range []string{"application/xml", "application/json"} {
			s.send(admin, byBasic, "GET", path, nil, "Accept", accept)
			s.send(owner, byBasic, "GET", path, nil, "Accept", accept)
		}
	}
	// The documented exception, and no one else's view of it.
	for _, a := range []actor{admin, owner} {
		r := s.Do("GET", "/v0/deployments/config/sec-dep", s.Token(a.user()), nil).Want(t, 200, "the datamodel")
		if !strings.Contains(r.Raw, secrets["ESC day-0 file"]) {
			t.Errorf("%s: the datamodel as written is not returned: %s", a, r.Raw)
		}
	}
	s.send(other, byBasic, "GET", "/v0/deployments/config/sec-dep", nil).Want(t, 404, "another tenant's datamodel")

	logs, answers := s.logs.String(), s.answers.String()
	if !strings.Contains(logs, "sec-dep") || !strings.Contains(answers, "sec-vim") {
		t.Fatalf("nothing was logged or answered: %d bytes of logs, %d of answers", len(logs), len(answers))
	}
	for name, v := range secrets {
		if strings.Contains(logs, v) {
			t.Errorf("%s is in the logs: %s", name, around(logs, v))
		}
		if strings.Contains(answers, v) {
			t.Errorf("%s is in an answer: %s", name, around(answers, v))
		}
	}
	// Sealed: credentials are not in the store in the clear.
	for _, k := range []resource.Kind{resource.KindCredential, resource.KindSetting, resource.KindLocation} {
		page, err := s.O.List(ctx, store.Filter{Kind: k})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Items {
			stored, _ := json.Marshal(r)
			for _, name := range []string{"a VIM password", "an application secret", "a VIM token", "ESC's VIM user password", "ESC's file server password"} {
				if strings.Contains(string(stored), secrets[name]) {
					t.Errorf("%s is stored in the clear in %s", name, r.Ref)
				}
			}
		}
	}
	t.Logf("%d secrets checked against %d bytes of logs and %d of answers", len(secrets), len(logs), len(answers))
}

// around is the text near the first v in s.
func around(s, v string) string {
	i := strings.Index(s, v)
	line := s[strings.LastIndexByte(s[:i], '\n')+1:]
	return line[:min(len(line), 120)] + " ... " + s[max(0, i-100):min(len(s), i+len(v)+50)]
}
