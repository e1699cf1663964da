package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"maps"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/wait"
)

// demo is one running demo server.
type demo struct {
	url, note string
	stop      func() error
	// stderr is what the demo wrote there (logs, the example data's
	// progress); the test's log shows it when the test fails.
	stderr *lockedBuffer
}

// lockedBuffer is a buffer safe for a writer and a reader at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func start(t *testing.T, args []string, env map[string]string) *demo {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	args = append([]string{"-addr", "127.0.0.1:0", "-pbkdf2-iterations", "1000"}, args...)
	if env["XDG_CONFIG_HOME"] == "" && env["HOME"] == "" {
		// The generated secret key goes in a configuration directory
		// of the test's own.
		env = maps.Clone(env)
		if env == nil {
			env = map[string]string{}
		}
		env["XDG_CONFIG_HOME"] = t.TempDir()
	}
	d := &demo{stderr: &lockedBuffer{}}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the demo's stderr:\n%s", d.stderr)
		}
	})
	go func() {
		done <- run(ctx, args, func(k string) string { return env[k] }, pw, d.stderr)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	for lines.Scan() && (d.url == "" || d.note == "") {
		line := lines.Text()
		if rest, ok := strings.CutPrefix(line, "orca demo listening on "); ok {
			d.url, _, _ = strings.Cut(rest, " ")
		}
		if strings.Contains(line, "admin") && !strings.Contains(line, "curl") && d.url != "" {
			d.note = line
		}
	}
	if d.url == "" {
		cancel()
		t.Fatalf("no listening line; run returned %v", <-done)
	}
	go io.Copy(io.Discard, pr)
	d.stop = func() error { cancel(); return <-done }
	return d
}

func call(t *testing.T, method, url, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

func login(t *testing.T, d *demo, password string) string {
	t.Helper()
	code, h, body := call(t, "POST", d.url+"/v3/auth/tokens", "",
		`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"`+password+`"}}}}}`)
	if code != 201 {
		t.Fatalf("login: %d %v", code, body)
	}
	return h.Get("X-Subject-Token")
}

// TestDemoServesConvergesAndRestarts is the demo contract: no flags but a
// free port and a data directory; a generated admin password printed once;
// two fake locations; convergence; a restart that keeps everything.
func TestDemoServesConvergesAndRestarts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "orca-data", "orca.db")
	d := start(t, []string{"-db", db}, nil)
	password, ok := strings.CutPrefix(d.note, "admin password (printed this once; only its hash is kept): ")
	if !ok || len(password) < 20 {
		t.Fatalf("no generated password in %q", d.note)
	}
	hash, err := os.ReadFile(filepath.Join(filepath.Dir(db), adminPasswordFile))
	if err != nil || strings.Contains(string(hash), password) {
		t.Fatalf("password file: %q, %v", hash, err)
	}
	if fi, _ := os.Stat(filepath.Join(filepath.Dir(db), adminPasswordFile)); fi.Mode().Perm() != 0o600 {
		t.Errorf("password hash file mode %v", fi.Mode().Perm())
	}
	tok := login(t, d, password)

	if code, _, _ := call(t, "GET", d.url+"/healthz", "", ""); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	code, _, body := call(t, "POST", d.url+"/v1.0/tenant/networks", tok, `{"network":{"id":"demo-net","name":"demo","cidr":"10.0.0.0/16","local_prefix_len":24}}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	waitReady(t, d, tok)
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}

	again := start(t, []string{"-db", db}, nil)
	defer again.stop()
	if strings.Contains(again.note, password) || !strings.Contains(again.note, "printed at the first start") {
		t.Errorf("restart note %q", again.note)
	}
	tok = login(t, again, password)
	if code, _, body := call(t, "GET", again.url+"/v1.0/tenant/networks/demo-net", tok, ""); code != 200 {
		t.Errorf("after restart: %d %v", code, body)
	}
	if code, _, body := call(t, "GET", again.url+"/v1.0/locations", tok, ""); code != 200 || len(body["locations"].([]any)) != 2 {
		t.Errorf("locations after restart: %d %v", code, body)
	}
}

// waitReady polls until demo-net's copies are ready at both fake locations
// (a bound against hanging, not a speed assertion).
func waitReady(t *testing.T, d *demo, tok string) {
	t.Helper()
	wait.UntilWith(t, &wait.Options{Every: 20 * time.Millisecond}, "demo-net ready at both locations", func() bool {
		_, _, body := call(t, "GET", d.url+"/v1.0/tenant/local_networks?network_id=demo-net&status=Ready", tok, "")
		items, _ := body["local_networks"].([]any)
		return len(items) == 2
	})
}

func TestDemoPasswordSources(t *testing.T) {
	d := start(t, []string{"-db", "memory", "-fake-locations", "1"}, map[string]string{"ORCA_ADMIN_PASSWORD": "from-env"})
	login(t, d, "from-env")
	d.stop()

	users := filepath.Join(t.TempDir(), "users.json")
	os.WriteFile(users, []byte(`[{"name":"alice","password":"alice-pw","tenant_id":"t1","roles":["member"]}]`), 0o600)
	d = start(t, []string{"-db", "memory", "-users", users, "-admin-password", "from-flag"}, map[string]string{"ORCA_ADMIN_PASSWORD": "from-env"})
	defer d.stop()
	login(t, d, "from-flag")
	code, _, _ := call(t, "POST", d.url+"/v3/auth/tokens", "",
		`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":"alice-pw"}}}}}`)
	if code != 201 {
		t.Errorf("alice from the users file: %d", code)
	}
}

// TestDemoAllowFlags: -callback-allow and -fetch-allow read lists of
// CIDRs or addresses (default: loopback; "" is none); a bad item stops the
// demo before it serves, naming the flag.
func TestDemoAllowFlags(t *testing.T) {
	loopback := []string{"127.0.0.0/8", "::1/128"}
	type allow struct{ Callback, Fetch []string }
	tests := map[string]struct {
		args    []string
		want    allow
		wantErr string
	}{
		"defaults":              {want: allow{loopback, loopback}},
		"fetch from a lab":      {args: []string{"-fetch-allow", "10.1.0.0/16, 192.168.7.9"}, want: allow{loopback, []string{"10.1.0.0/16", "192.168.7.9/32"}}},
		"fetch from nowhere":    {args: []string{"-fetch-allow", ""}, want: allow{loopback, nil}},
		"host bits masked":      {args: []string{"-callback-allow", "10.1.2.3/16"}, want: allow{[]string{"10.1.0.0/16"}, loopback}},
		"both":                  {args: []string{"-callback-allow", "::1", "-fetch-allow", "172.16.0.0/12"}, want: allow{[]string{"::1/128"}, []string{"172.16.0.0/12"}}},
		"fetch: not a CIDR":     {args: []string{"-fetch-allow", "127.0.0.0/33"}, wantErr: "-fetch-allow"},
		"fetch: a name":         {args: []string{"-fetch-allow", "localhost"}, wantErr: "-fetch-allow"},
		"fetch: an empty item":  {args: []string{"-fetch-allow", "127.0.0.0/8,"}, wantErr: "-fetch-allow"},
		"callback: not a CIDR":  {args: []string{"-callback-allow", "10.0.0.0/8,nope"}, wantErr: "-callback-allow"},
		"fetch: an IPv6 zone":   {args: []string{"-fetch-allow", "fe80::1%eth0"}, wantErr: "-fetch-allow"},
		"fetch: a bare netmask": {args: []string{"-fetch-allow", "10.0.0.0/255.0.0.0"}, wantErr: "-fetch-allow"},
	}
	strs := func(p prefixes) []string {
		var out []string
		for _, pf := range p {
			out = append(out, pf.String())
		}
		return out
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, allow{strs(c.callbackAllow), strs(c.fetchAllow)}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// At start-up: the demo stops with the error and never listens.
	var out bytes.Buffer
	err := run(context.Background(), []string{"-db", "memory", "-addr", "127.0.0.1:0", "-fetch-allow", "10.0.0.0/8,bad"}, func(string) string { return "" }, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-fetch-allow") || strings.Contains(out.String(), "orca demo listening") {
		t.Errorf("run with a bad -fetch-allow: %v, printed %q", err, out.String())
	}
}

// TestDemoServesTLS: with -tls-cert and -tls-key the demo speaks HTTPS only.
func TestDemoServesTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, certFile, keyFile)
	d := start(t, []string{"-db", "memory", "-tls-cert", certFile, "-tls-key", keyFile, "-admin-password", "pw"}, nil)
	defer d.stop()
	if !strings.HasPrefix(d.url, "https://") {
		t.Fatalf("URL %s", d.url)
	}
	pool := x509.NewCertPool()
	certPEM, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(d.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("HTTPS /healthz: %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	if resp, err := http.Get(strings.Replace(d.url, "https://", "http://", 1) + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP is served too")
		}
	}
}

func writeSelfSigned(t *testing.T, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(certFile, pemEncode("CERTIFICATE", der), 0o600)
	os.WriteFile(keyFile, pemEncode("EC PRIVATE KEY", kder), 0o600)
}

func pemEncode(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// TestDemoServesEverySurface: seeds 001, 002, 003 and 004 answer next to
// /v1.0, on the same users and store, and unknown paths stay 404.
func TestDemoServesEverySurface(t *testing.T) {
	d := start(t, []string{"-db", "memory", "-admin-password", "pw"}, nil)
	defer d.stop()
	tok := login(t, d, "pw")
	code, _, body := call(t, "POST", d.url+"/tenants", tok, `{"id":"acme","description":"a tenant"}`)
	if code != 200 || body["id"] != "acme" {
		t.Fatalf("POST /tenants: %d %v", code, body)
	}
	// The Trema tenant is orca's tenant; the users' tenants are known.
	if code, _, body := call(t, "GET", d.url+"/v1.0/admin/tenants/acme", tok, ""); code != 200 {
		t.Errorf("/v1.0 tenant: %d %v", code, body)
	}
	if code, _, body := call(t, "GET", d.url+"/tenants/admin", tok, ""); code != 200 || body["id"] != "admin" {
		t.Errorf("the admin user's tenant: %d %v", code, body)
	}
	code, _, body = call(t, "POST", d.url+"/api/openstack-server-groups/", tok, `{"name":"spread","policy":"anti-affinity"}`)
	if code != 201 || body["state"] == nil {
		t.Fatalf("POST server group: %d %v", code, body)
	}
	if code, _, body := call(t, "GET", d.url+"/v1.0/tenant/server_groups/"+body["uuid"].(string), tok, ""); code != 200 {
		t.Errorf("/v1.0 server group: %d %v", code, body)
	}
	if code, _, body := call(t, "GET", d.url+"/v1/instances", tok, ""); code != 200 || body["instances"] == nil {
		t.Errorf("GET /v1/instances: %d %v", code, body)
	}
	// ESC answers its tenants, in XML by default, with basic auth.
	req, _ := http.NewRequest("GET", d.url+"/ESCManager/v0/tenants/acme", nil)
	req.SetBasicAuth("admin", "pw")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(raw), "<internal_tenant_id>acme</internal_tenant_id>") {
		t.Errorf("ESC tenant: %d %s", resp.StatusCode, raw)
	}
	if code, _, _ := call(t, "GET", d.url+"/v2/nothing", tok, ""); code != 404 {
		t.Errorf("an unknown path: %d", code)
	}
}

// TestDemoPprof: -pprof serves the profiles on a loopback address, and
// refuses any other address, since nothing authenticates them.
func TestDemoPprof(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:6060", "nonsense"} {
		if _, err := servePprof(ctx, addr); err == nil {
			t.Errorf("-pprof %s accepted", addr)
		}
	}
	at, err := servePprof(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + at + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/cmdline: %d", res.StatusCode)
	}
}
