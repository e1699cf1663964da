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
