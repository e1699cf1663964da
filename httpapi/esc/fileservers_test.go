package esc_test

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

const fsPassword = "Pa55-word-never-shown"

type xmlFileServer struct {
	XMLName    xml.Name `xml:"file_server"`
	ID         string   `xml:"id"`
	BaseURL    string   `xml:"base_url"`
	User       string   `xml:"file_server_user"`
	ServerType string   `xml:"server_type"`
	Properties []struct {
		Name  string `xml:"name"`
		Value string `xml:"value"`
	} `xml:"properties>property"`
	EventType string `xml:"event_type"`
}

// credentialOf is the credential a file server's setting names.
func credentialOf(t *testing.T, n *node, id string) string {
	t.Helper()
	r, err := n.O.Get(t.Context(), resource.Ref{Kind: resource.KindSetting, ID: "esc:fileserver:" + id})
	if err != nil {
		t.Fatal(err)
	}
	return r.Spec.(*resource.Setting).CredentialID
}

func TestFileServers(t *testing.T) {
	n := newNode(t, nil)
	rc := newReceiver(t)
	cb := []string{"Callback", rc.srv.URL}

	r := n.do("admin", "POST", "/v0/fileserver/fs1", `<file_server xmlns="http://www.cisco.com/esc/esc">
    <id>fs1</id>
    <base_url>https://files.example.com/day0</base_url>
    <file_server_user>fetcher</file_server_user>
    <file_server_password>`+fsPassword+`</file_server_password>
    <server_type>https</server_type>
    <properties>
        <property><name>server_timeout</name><value>60</value></property>
    </properties>
</file_server>`, cb...).Want(t, 200, "create")
	tx := r.Header.Get("ESC_TRANSACTION_ID")
	got := rc.wait(t, 1)[0]
	var fs xmlFileServer
	if err := xml.Unmarshal([]byte(got.Body), &fs); err != nil {
		t.Fatal(err)
	}
	want := xmlFileServer{XMLName: xml.Name{Space: "http://www.cisco.com/esc/esc", Local: "file_server"}, ID: "fs1",
		BaseURL: "https://files.example.com/day0", User: "fetcher", ServerType: "HTTPS", EventType: "CREATE_FILE_SERVER"}
	want.Properties = append(want.Properties, struct {
		Name  string `xml:"name"`
		Value string `xml:"value"`
	}{"server_timeout", "60"})
	if diff := cmp.Diff(want, fs); diff != "" || got.Transaction != tx || got.Message != "File server successfully created" {
		t.Errorf("callback %+v (-want +got):\n%s", got, diff)
	}

	// Reads, in both formats; an HTTP file server without credentials.
	n.do("admin", "POST", "/v0/fileserver/fs2", `{"base_url": "http://files.example.com/", "properties": {"property": []}}`,
		"Content-Type", "application/json").Want(t, 200, "create JSON")
	r = n.do("admin", "GET", "/v0/fileserver", "", "Accept", "application/json").Want(t, 200, "list JSON")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.Raw), &list); err != nil || len(list) != 2 {
		t.Fatalf("list %s: %v", r.Raw, err)
	}
	if diff := cmp.Diff(map[string]any{"id": "fs2", "base_url": "http://files.example.com/", "server_type": "HTTP"}, list[1]); diff != "" {
		t.Errorf("fs2 (-want +got):\n%s", diff)
	}
	r = n.do("admin", "GET", "/ESCManager/v0/fileserver", "").Want(t, 200, "list XML")
	if !strings.Contains(r.Raw, "<file_servers") || strings.Count(r.Raw, "<file_server ") != 2 {
		t.Errorf("XML list %s", r.Raw)
	}
	r = n.do("admin", "GET", "/v0/fileserver/fs1", "").Want(t, 200, "get")
	if !strings.Contains(r.Raw, "<file_server_user>fetcher</file_server_user>") {
		t.Errorf("get %s", r.Raw)
	}

	// An update without a password keeps the credentials; with one, they
	// are sealed anew and the old ones removed.
	cred := credentialOf(t, n, "fs1")
	n.do("admin", "PUT", "/v0/fileserver/fs1", `<file_server><base_url>https://files.example.com/v2</base_url><file_server_user>fetcher</file_server_user></file_server>`, cb...).Want(t, 200, "update")
	if got := rc.wait(t, 2)[1]; got.Message != "File server successfully updated" || !strings.Contains(got.Body, "/v2") {
		t.Errorf("update callback %+v", got)
	}
	if credentialOf(t, n, "fs1") != cred {
		t.Error("an update without a password changed the credentials")
	}
	n.do("admin", "PUT", "/v0/fileserver/fs1", `{"base_url": "https://files.example.com/v3", "file_server_user": "other", "file_server_password": "`+fsPassword+`-2"}`,
		"Content-Type", "application/json").Want(t, 200, "new password")
	if now := credentialOf(t, n, "fs1"); now == cred || now == "" {
		t.Errorf("credential %q after a new password (was %q)", now, cred)
	}
	if _, err := n.O.Get(t.Context(), resource.Ref{Kind: resource.KindCredential, ID: cred}); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("the old credential: %v", err)
	}
	cred = credentialOf(t, n, "fs1")

	// The password is nowhere to be read: not in answers, callbacks,
	// logs, the generic API, or the store's files.
	var seen []string
	for _, path := range []string{"/v0/fileserver", "/v0/fileserver/fs1"} {
		seen = append(seen, n.do("admin", "GET", path, "").Raw, n.do("admin", "GET", path, "", "Accept", "application/json").Raw)
	}
	for _, c := range rc.callbacks() {
		seen = append(seen, c.Body)
	}
	seen = append(seen, n.log.String())
	for _, s := range seen {
		if strings.Contains(s, fsPassword) || strings.Contains(s, "file_server_password") {
			t.Errorf("the password shows in %q", s)
		}
	}
	n.stop() // the store's files, whole
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(n.db), "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), fsPassword) {
			t.Errorf("%s holds the password in the clear", f)
		}
	}
	n.start()

	// Deleted, with its credentials.
	n.do("admin", "DELETE", "/v0/fileserver/fs1", "", cb...).Want(t, 200, "delete")
	// Delivery is at least once: the restart may resend the update's
	// callback first, so look for the delete's.
	wait.Until(t, "delete callback", func() bool {
		cbs := rc.callbacks()
		got := cbs[len(cbs)-1]
		return got.Message == "File server successfully deleted" && strings.Contains(got.Body, "DELETE_FILE_SERVER")
	})
	n.do("admin", "GET", "/v0/fileserver/fs1", "").Want(t, 404, "deleted")
	if _, err := n.O.Get(t.Context(), resource.Ref{Kind: resource.KindCredential, ID: cred}); resource.CodeOf(err) != resource.NotFound {
		t.Errorf("the deleted file server's credential: %v", err)
	}
}

func TestFileServerErrors(t *testing.T) {
	n := newNode(t, nil)
	n.do("admin", "POST", "/v0/fileserver/taken", `<file_server><base_url>https://files.example.com/</base_url><file_server_user>u</file_server_user></file_server>`).Want(t, 200, "create")
	body := func(inner string) string { return `<file_server>` + inner + `</file_server>` }
	okURL := `<base_url>https://files.example.com/</base_url>`
	for name, tc := range map[string]struct {
		user, method, path, body string
		status                   int
		says                     string
	}{
		"a private address":           {"admin", "POST", "/v0/fileserver/f1", body(`<base_url>http://10.0.0.1/files</base_url>`), 400, "base_url"},
		"loopback":                    {"admin", "POST", "/v0/fileserver/f1", body(`<base_url>http://127.0.0.1:8080/</base_url>`), 400, "base_url"},
		"no URL":                      {"admin", "POST", "/v0/fileserver/f1", body(`<server_type>HTTP</server_type>`), 400, "empty"},
		"an FTP URL":                  {"admin", "POST", "/v0/fileserver/f1", body(`<base_url>ftp://files.example.com/</base_url>`), 400, "scheme"},
		"credentials in the URL":      {"admin", "POST", "/v0/fileserver/f1", body(`<base_url>https://u:` + fsPassword + `@files.example.com/</base_url>`), 400, "user info"},
		"an unknown server type":      {"admin", "POST", "/v0/fileserver/f1", body(okURL + `<server_type>SFTP</server_type>`), 400, "HTTP, HTTPS"},
		"a type the URL is not":       {"admin", "POST", "/v0/fileserver/f1", body(okURL + `<server_type>HTTP</server_type>`), 400, "does not serve a https URL"},
		"a password without its user": {"admin", "POST", "/v0/fileserver/f1", body(okURL + `<file_server_password>` + fsPassword + `</file_server_password>`), 400, "needs its file_server_user"},
		"a long password":             {"admin", "POST", "/v0/fileserver/f1", body(okURL + `<file_server_user>u</file_server_user><file_server_password>` + strings.Repeat("p", 4097) + `</file_server_password>`), 400, "at most 4096"},
		"a duplicate property": {"admin", "POST", "/v0/fileserver/f1", body(okURL + `<properties><property><name>a</name><value>1</value></property>` +
			`<property><name>a</name><value>2</value></property></properties>`), 400, "twice"},
		"a bad property name":    {"admin", "POST", "/v0/fileserver/f1", body(okURL + `<properties><property><name>a b</name></property></properties>`), 400, "name has 1 to 63"},
		"an unknown element":     {"admin", "POST", "/v0/fileserver/f1", body(okURL + `<colour/>`), 400, "colour"},
		"another ID in the body": {"admin", "POST", "/v0/fileserver/f1", body(okURL + `<id>f2</id>`), 400, "differs"},
		"a bad ID":               {"admin", "POST", "/v0/fileserver/a~b", body(okURL), 400, "RFC 3986"},
		"a duplicate":            {"admin", "POST", "/v0/fileserver/taken", body(okURL), 409, "exists"},
		"a member creates":       {"alice", "POST", "/v0/fileserver/f1", body(okURL), 403, "administrators"},
		"a member lists":         {"alice", "GET", "/v0/fileserver", "", 403, "administrators"},
		"a member reads":         {"alice", "GET", "/v0/fileserver/taken", "", 403, "administrators"},
		"an unknown one":         {"admin", "GET", "/v0/fileserver/nope", "", 404, "not found"},
		"update an unknown":      {"admin", "PUT", "/v0/fileserver/nope", body(okURL), 404, "not found"},
		"delete an unknown":      {"admin", "DELETE", "/v0/fileserver/nope", "", 404, "not found"},
		"a new user, no password": {"admin", "PUT", "/v0/fileserver/taken", body(okURL + `<file_server_user>v</file_server_user>`), 400,
			"needs its file_server_password"},
		"a refused callback": {"admin", "POST", "/v0/fileserver/f1", body(okURL), 400, "Callback"},
	} {
		t.Run(name, func(t *testing.T) {
			var h []string
			if name == "a refused callback" {
				h = []string{"Callback", "http://169.254.169.254/cb"}
			}
			r := n.do(tc.user, tc.method, tc.path, tc.body, h...)
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) || strings.Contains(r.Raw, fsPassword) {
				t.Errorf("%d %s, want %d saying %q (and never the password)", r.Code, r.Raw, tc.status, tc.says)
			}
		})
	}
	// Nothing above was stored: one file server, one credential.
	r := n.do("admin", "GET", "/v0/fileserver", "", "Accept", "application/json")
	var list []map[string]any
	if json.Unmarshal([]byte(r.Raw), &list); len(list) != 1 || list[0]["file_server_user"] != "u" {
		t.Errorf("after refused requests: %s", r.Raw)
	}
	if page, err := n.Store.List(t.Context(), store.Filter{Kind: resource.KindCredential}); err != nil || page.Total != 0 {
		t.Errorf("credentials after refused requests: %v, %v", page, err)
	}
}

// TestFileServerWithoutKey: a server without a secret key cannot keep a
// password, and says so; without credentials a file server needs none.
func TestFileServerWithoutKey(t *testing.T) {
	s := newServer(t) // apitest: no keyring
	r := as(s, "admin", "POST", "/v0/fileserver/f1", `<file_server><base_url>https://files.example.com/</base_url>`+
		`<file_server_user>u</file_server_user><file_server_password>`+fsPassword+`</file_server_password></file_server>`)
	if r.Code != 503 || !strings.Contains(r.Raw, "no secret key") {
		t.Errorf("%d %s", r.Code, r.Raw)
	}
	as(s, "admin", "GET", "/v0/fileserver/f1", "").Want(t, 404, "nothing stored")
	as(s, "admin", "POST", "/v0/fileserver/f1", `<file_server><base_url>https://files.example.com/</base_url></file_server>`).Want(t, 200, "no credentials")
}
