package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/internal/testutil/wait"
)

// escCall sends a request to ESC with basic credentials.
func escCall(t *testing.T, client *http.Client, method, u, user, password string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	req.SetBasicAuth(user, password)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func setPassword(user, password string) string {
	return "/ESCManager/v0/authentication/setpassword?" + url.Values{"userName": {user}, "password": {password}}.Encode()
}

// TestDemoKeepsESCChanges: passwords and configuration changed through
// ESC outlive a restart; an admin password given at start wins.
func TestDemoKeepsESCChanges(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "orca-data", "orca.db")
	usersFile := filepath.Join(dir, "users.json")
	os.WriteFile(usersFile, []byte(`[{"name":"alice","password":"alice-pw","tenant_id":"t1","roles":["member"]}]`), 0o600)
	args := []string{"-db", db, "-users", usersFile, "-fake-locations", "0"}
	d := start(t, args, nil)
	generated, ok := strings.CutPrefix(d.note, "admin password (printed this once; only its hash is kept): ")
	if !ok {
		t.Fatalf("note %q", d.note)
	}
	c := http.DefaultClient
	for _, step := range []struct{ user, password, path string }{
		{"admin", generated, setPassword("admin", "admin-new-pw")},
		{"alice", "alice-pw", setPassword("alice", "alice-new-pw")},
		{"admin", "admin-new-pw", "/v0/config/log/level/debug"},
	} {
		want := 204
		if strings.Contains(step.path, "config") {
			want = 200
		}
		if code, body := escCall(t, c, "PUT", d.url+step.path, step.user, step.password); code != want {
			t.Fatalf("PUT %s: %d %s", step.path, code, body)
		}
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}

	d = start(t, args, nil)
	if !strings.Contains(d.note, "last set through ESC") {
		t.Errorf("note %q", d.note)
	}
	for _, tc := range []struct {
		user, password string
		want           int
	}{{"admin", "admin-new-pw", 200}, {"alice", "alice-new-pw", 200}, {"admin", generated, 401}, {"alice", "alice-pw", 401}} {
		if code, body := escCall(t, c, "GET", d.url+"/v0/config/LOG/LEVEL", tc.user, tc.password); code != tc.want ||
			tc.want == 200 && !strings.Contains(body, "<value>DEBUG</value>") {
			t.Errorf("%s with %q after a restart: %d %s, want %d", tc.user, tc.password, code, body, tc.want)
		}
	}
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}

	// An admin password given at start is the way back in.
	d = start(t, append(args, "-admin-password", "recovered"), nil)
	defer d.stop()
	if code, _ := escCall(t, c, "GET", d.url+"/v0/config", "admin", "recovered"); code != 200 {
		t.Errorf("the given admin password: %d", code)
	}
	if code, _ := escCall(t, c, "GET", d.url+"/v0/config", "alice", "alice-new-pw"); code != 200 {
		t.Errorf("alice's changed password: %d", code)
	}
}

// TestDemoReloadsTLS: ESC's PUT /internal/ssl/reload makes the demo serve
// the certificate now in its files; files that do not load leave the one
// in use.
func TestDemoReloadsTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, certFile, keyFile)
	first := certDER(t, certFile)
	d := start(t, []string{"-db", "memory", "-tls-cert", certFile, "-tls-key", keyFile, "-admin-password", "pw"}, nil)
	defer d.stop()

	pool := x509.NewCertPool()
	// served is the certificate a new connection gets.
	served := func() []byte {
		t.Helper()
		conn, err := tls.Dial("tcp", strings.TrimPrefix(d.url, "https://"), &tls.Config{RootCAs: pool, InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Raw
	}
	if string(served()) != string(first) {
		t.Fatal("the demo does not serve its certificate")
	}

	writeSelfSigned(t, certFile, keyFile) // renewed
	second := certDER(t, certFile)
	for _, der := range [][]byte{first, second} {
		c, _ := x509.ParseCertificate(der)
		pool.AddCert(c)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	if code, body := escCall(t, client, "PUT", d.url+"/internal/ssl/reload", "admin", "pw"); code != 204 {
		t.Fatalf("reload: %d %s", code, body)
	}
	if string(served()) != string(second) {
		t.Error("the renewed certificate is not served")
	}

	os.WriteFile(keyFile, []byte("not a key"), 0o600)
	if code, body := escCall(t, client, "PUT", d.url+"/ESCManager/internal/ssl/reload", "admin", "pw"); code != 500 || strings.Contains(body, dir) {
		t.Errorf("a reload of a broken key: %d %s", code, body)
	}
	if string(served()) != string(second) {
		t.Error("a failed reload changed the certificate")
	}
}

func certDER(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM", file)
	}
	return block.Bytes
}

// escDo sends an ESC request as admin (password pw) with an XML body, if
// any, and extra headers (name, value, ...).
func escDo(t *testing.T, method, u, body string, headers ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.SetBasicAuth("admin", "pw")
	if body != "" {
		req.Header.Set("Content-Type", "application/xml")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

// vimSecret is the VIM user's and file server's password in these tests.
const vimSecret = "Vim-S3cret-in-the-demo"

func connectorXML(id, authURL string) string {
	return `<vim_connector><id>` + id + `</id><type>OPENSTACK</type><properties>
  <property><name>authUrl</name><value>` + authURL + `</value></property>
  <property><name>project</name><value>demo</value></property>
  <property><name>projectDomain</name><value>Default</value></property>
  <property><name>region</name><value>RegionOne</value></property>
</properties></vim_connector>`
}

const userXML = `<user><id>escadmin</id><credentials><properties>
  <property><name>os_password</name><encrypted_value>` + vimSecret + `</encrypted_value></property>
  <property><name>userDomain</name><value>Default</value></property>
</properties></credentials></user>`

// connected waits until ESC's check of the connector says its drivers
// logged in: the VIM user's sealed password opened.
func connected(t *testing.T, d *demo, vim string) {
	t.Helper()
	wait.UntilWith(t, &wait.Options{Every: 20 * time.Millisecond}, vim+" connected", func() bool {
		code, _, body := escDo(t, "PUT", d.url+"/v0/vims/"+vim+"/check_status", "")
		return code == 200 && strings.Contains(body, "CONNECTION_SUCCESSFUL")
	})
}

// TestDemoSealsESCCredentials: without a key given, the demo makes one
// (owner-only, in the user's configuration directory, apart from the
// database), so ESC's VIM users and file servers
// work out of the box, and keeps it, so that what it sealed opens after a
// restart. The VIM connector's endpoint is on loopback, which the default
// -fetch-allow admits.
func TestDemoSealsESCCredentials(t *testing.T) {
	cloud := osfake.New(&osfake.Options{Users: []osfake.User{{Name: "escadmin", Password: vimSecret}}})
	defer cloud.Close()
	db := filepath.Join(t.TempDir(), "orca-data", "orca.db")
	args := []string{"-db", db, "-admin-password", "pw", "-fake-locations", "0"}
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	d := start(t, args, env)

	keyFile := filepath.Join(env["XDG_CONFIG_HOME"], "orca", secretKeyFile)
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), secretKeyFile)); err == nil {
		t.Error("the key is kept next to the data")
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode().Perm())
	}
	for _, step := range []struct{ path, body string }{
		{"/v0/vims", connectorXML("os1", cloud.AuthURL())},
		{"/v0/vims/os1/vim_users", userXML},
		{"/v0/fileserver/fs1", `<file_server><base_url>https://files.example.com/day0</base_url>` +
			`<file_server_user>fetcher</file_server_user><file_server_password>` + vimSecret + `</file_server_password></file_server>`},
	} {
		if code, _, body := escDo(t, "POST", d.url+step.path, step.body); code != 200 || strings.Contains(body, vimSecret) {
			t.Fatalf("POST %s: %d %s", step.path, code, body)
		}
	}
	connected(t, d, "os1")
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}

	d = start(t, args, env)
	defer d.stop()
	if again, err := os.ReadFile(keyFile); err != nil || string(again) != string(key) {
		t.Errorf("the key file changed at the restart (%v)", err)
	}
	// The connector's status is the one stored until its drivers reopen:
	// a network made there shows they did, with the password opened.
	net := `<network><name>n1</name><locator><vim_id>os1</vim_id></locator></network>`
	if code, _, body := escDo(t, "POST", d.url+"/v0/admin/networks/n1", net); code != 200 {
		t.Fatalf("network: %d %s", code, body)
	}
	wait.UntilWith(t, &wait.Options{Every: 20 * time.Millisecond}, "the network made at os1", func() bool {
		_, _, body := escDo(t, "GET", d.url+"/v0/admin/networks/n1", "")
		return strings.Contains(body, "<external_network_id>")
	})
	if code, _, body := escDo(t, "GET", d.url+"/v0/fileserver/fs1", ""); code != 200 || strings.Contains(body, vimSecret) {
		t.Errorf("file server after a restart: %d %s", code, body)
	}
}

// TestDemoFetchAllow: -fetch-allow is the policy of what ESC fetches; a
// loopback image src or VIM endpoint it does not list is refused (400)
// and nothing is made.
func TestDemoFetchAllow(t *testing.T) {
	d := start(t, []string{"-db", "memory", "-admin-password", "pw", "-fake-locations", "0", "-fetch-allow", ""}, nil)
	defer d.stop()
	tests := map[string]struct{ path, body, field string }{
		"image src":    {"/v0/images/cirros", `<image><name>cirros</name><src>http://127.0.0.1:9010/cirros.qcow2</src></image>`, "src"},
		"VIM endpoint": {"/v0/vims", connectorXML("os1", "http://127.0.0.1:5000/v3"), "authUrl"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if code, _, body := escDo(t, "POST", d.url+tc.path, tc.body); code != 400 || !strings.Contains(body, tc.field) {
				t.Errorf("%d %s, want 400 naming %s", code, body, tc.field)
			}
		})
	}
	for _, path := range []string{"/v0/images/cirros", "/v0/vims/os1"} {
		if code, _, body := escDo(t, "GET", d.url+path, ""); code != 404 {
			t.Errorf("GET %s after a refusal: %d %s", path, code, body)
		}
	}
}
