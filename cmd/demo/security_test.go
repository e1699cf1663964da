package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/testutil/wait"
)

// TestDemoTLSOnly: with a certificate the demo speaks TLS 1.2 or later
// only; TLS 1.0 and 1.1 fail the handshake, and plain HTTP on the port is
// answered 400 saying to use HTTPS, without reaching any API.
func TestDemoTLSOnly(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, certFile, keyFile)
	d := start(t, []string{"-db", "memory", "-tls-cert", certFile, "-tls-key", keyFile, "-admin-password", "pw", "-fake-locations", "0"}, nil)
	defer d.stop()
	pool := x509.NewCertPool()
	certPEM, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(certPEM)
	tests := map[string]struct {
		min, max uint16
		want     uint16 // the version spoken; 0: the handshake must fail
	}{
		"TLS 1.0":         {tls.VersionTLS10, tls.VersionTLS10, 0},
		"TLS 1.1":         {tls.VersionTLS10, tls.VersionTLS11, 0},
		"TLS 1.2":         {tls.VersionTLS12, tls.VersionTLS12, tls.VersionTLS12},
		"TLS 1.3":         {tls.VersionTLS13, tls.VersionTLS13, tls.VersionTLS13},
		"client's choice": {0, 0, tls.VersionTLS13},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tc.min, MaxVersion: tc.max}}}
			defer client.CloseIdleConnections()
			resp, err := client.Get(d.url + "/healthz")
			if tc.want == 0 {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("served over %s", tls.VersionName(resp.TLS.Version))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.Version != tc.want {
				t.Errorf("%d over %v, want 200 over %s", resp.StatusCode, resp.TLS, tls.VersionName(tc.want))
			}
		})
	}
	// A token sent in clear is answered by the TLS layer, not the API.
	req, _ := http.NewRequest("GET", strings.Replace(d.url, "https://", "http://", 1)+"/v1.0/tenant/networks", nil)
	req.Header.Set("X-Auth-Token", "a-token-in-clear")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("plain HTTP: %v, want a 400 saying to use HTTPS", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(raw), "HTTPS") || strings.Contains(string(raw), "networks") {
		t.Errorf("plain HTTP: %d %q", resp.StatusCode, raw)
	}
}

// TestDemoServerLimits: the demo's server bounds every phase of a
// connection (run builds it with newHTTPServer and defaultServerLimits).
func TestDemoServerLimits(t *testing.T) {
	l := defaultServerLimits()
	if l.readHeader <= 0 || l.read <= 0 || l.write <= 0 || l.idle <= 0 || l.maxHeaderBytes <= 0 || l.readHeader > l.read {
		t.Fatalf("limits %+v: every one must be set, headers within the request's", l)
	}
	srv := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler), l)
	if srv.ReadHeaderTimeout != l.readHeader || srv.ReadTimeout != l.read || srv.WriteTimeout != l.write ||
		srv.IdleTimeout != l.idle || srv.MaxHeaderBytes != l.maxHeaderBytes {
		t.Errorf("server %+v does not apply %+v", srv, l)
	}
}

// slowServer serves h on loopback with the demo's server, its time limits
// shortened so that a test need not wait for the real ones.
func slowServer(t *testing.T, h http.Handler) string {
	t.Helper()
	l := defaultServerLimits()
	l.readHeader, l.read, l.write, l.idle = 200*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond, 200*time.Millisecond
	srv := newHTTPServer(h, slog.New(slog.DiscardHandler), l)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// closedEventually reads from c until the server closes it, failing the
// test if that does not happen within a generous bound. It returns what
// was read.
func closedEventually(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open (read %q)", got)
	}
	return string(got)
}

// TestDemoSlowClients: a client that sends its headers a line at a time
// (slowloris), one that sends its body a byte at a time and one that
// stays idle on a keep-alive connection are cut off by the server, however
// steadily they trickle.
func TestDemoSlowClients(t *testing.T) {
	var reached atomic.Int64
	addr := slowServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "body not read in time", http.StatusRequestTimeout)
			return
		}
		w.Write([]byte("ok"))
	}))
	dial := func(t *testing.T) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// trickle writes line after line until the server stops taking them
	// (or the test ends). Slow on the wall clock on purpose: the server's
	// timeouts are real time on a real socket, which synctest cannot hold.
	trickle := func(ctx context.Context, c net.Conn, line string) {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if _, err := io.WriteString(c, line); err != nil {
				return
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
	}

	t.Run("headers", func(t *testing.T) {
		c := dial(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: orca\r\n")
		go trickle(t.Context(), c, "X-Slow: a\r\n")
		closedEventually(t, c)
		if n := reached.Load(); n != 0 {
			t.Errorf("a request without its headers reached the handler %d times", n)
		}
	})
	t.Run("body", func(t *testing.T) {
		c := dial(t)
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: orca\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
		go trickle(t.Context(), c, "x")
		if got := closedEventually(t, c); strings.Contains(got, "200 OK") {
			t.Errorf("a body that never came was answered %q", got)
		}
	})
	t.Run("idle", func(t *testing.T) {
		c := dial(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: orca\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("a prompt request: %v %v", resp, err)
		}
		closedEventually(t, c) // kept alive, then closed for idling
	})
}

// TestDemoRequestLimits: on every surface of the running demo a body over
// the limit is 413 in the surface's shape, saying so, and makes nothing;
// headers over the limit are 431.
func TestDemoRequestLimits(t *testing.T) {
	d := start(t, []string{"-db", "memory", "-admin-password", "pw", "-fake-locations", "0"}, nil)
	defer d.stop()
	tok := login(t, d, "pw")
	big := `{"description":"` + strings.Repeat("x", 1<<20) + `"}`
	bigXML := `<tenant><name>` + strings.Repeat("x", 1<<20) + `</name></tenant>`
	tests := map[string]struct {
		path, body, contentType string
		basic                   bool
		gone                    string // a path that must still be 404
	}{
		"seed 000":   {"/v1.0/tenant/networks", `{"network":{"id":"big","cidr":"10.0.0.0/24","description":"` + strings.Repeat("x", 1<<20) + `"}}`, "application/json", false, "/v1.0/tenant/networks/big"},
		"login":      {"/v3/auth/tokens", big, "application/json", false, ""},
		"trema":      {"/tenants", `{"id":"big",` + big[1:], "application/json", false, "/tenants/big"},
		"waldur":     {"/api/openstack-server-groups/", `{"name":"big",` + big[1:], "application/json", false, ""},
		"mogan":      {"/v1/instances", `{"name":"big",` + big[1:], "application/json", false, ""},
		"esc (XML)":  {"/v0/tenants/big", bigXML, "application/xml", true, "/v0/tenants/big"},
		"esc (JSON)": {"/v0/tenants/big", big, "application/json", true, "/v0/tenants/big"},
	}
	send := func(method, path, body, contentType string, basic bool) (int, string) {
		req, _ := http.NewRequest(method, d.url+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("Accept", contentType)
		}
		if basic {
			req.SetBasicAuth("admin", "pw")
		} else {
			req.Header.Set("X-Auth-Token", tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, body := send("POST", tc.path, tc.body, tc.contentType, tc.basic)
			if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than the limit") {
				t.Errorf("%d %.300s, want 413 saying the body is over the limit", code, body)
			}
			if tc.gone != "" {
				if code, body := send("GET", tc.gone, "", "", tc.basic); code != 404 {
					t.Errorf("GET %s after the refusal: %d %.200s", tc.gone, code, body)
				}
			}
		})
	}

	header := func(size int) int {
		req, _ := http.NewRequest("GET", d.url+"/healthz", nil)
		req.Header.Set("X-Padding", strings.Repeat("p", size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("a %d-byte header: %v", size, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := header(8 << 10); code != 200 {
		t.Errorf("an 8 KiB header: %d", code)
	}
	if code := header(defaultServerLimits().maxHeaderBytes + 8<<10); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("headers over the limit: %d, want 431", code)
	}
}

// TestDemoRateLimit: the demo limits each user by default; with
// -rate-limit 1 a user past their burst of two is answered 429 with
// Retry-After and a message, while callers without a token (one address)
// have a budget of their own.
func TestDemoRateLimit(t *testing.T) {
	c, err := parseFlags(nil, io.Discard)
	if err != nil || c.rateLimit <= 0 {
		t.Fatalf("default -rate-limit %v (%v): the demo must limit by default", c.rateLimit, err)
	}
	for _, v := range []string{"-1", "NaN", "+Inf", "many"} {
		if _, err := parseFlags([]string{"-rate-limit", v}, io.Discard); err == nil {
			t.Errorf("-rate-limit %s accepted", v)
		}
	}

	d := start(t, []string{"-db", "memory", "-admin-password", "pw", "-fake-locations", "0", "-rate-limit", "1"}, nil)
	defer d.stop()
	tok := login(t, d, "pw") // one of the address's burst of two
	// The user's burst of two is whole whatever the pace; the budget
	// refills at one a second, so requests sent back to back meet a 429
	// soon after.
	for i := range 2 {
		if code, _, body := call(t, "GET", d.url+"/v1.0/locations", tok, ""); code != 200 {
			t.Fatalf("request %d of the burst: %d %v", i+1, code, body)
		}
	}
	refused := false
	for range 50 {
		code, h, body := call(t, "GET", d.url+"/v1.0/locations", tok, "")
		if code == 200 {
			continue
		}
		msg, _ := body["error"].(map[string]any)["message"].(string)
		if code != 429 || h.Get("Retry-After") == "" || !strings.Contains(msg, "too many requests") {
			t.Fatalf("past the burst: %d Retry-After %q %v, want 429 with a message", code, h.Get("Retry-After"), body)
		}
		refused = true
		break
	}
	if !refused {
		t.Fatal("50 requests back to back at a limit of 1 a second: none refused")
	}
	if code, _, _ := call(t, "GET", d.url+"/healthz", "", ""); code != 200 {
		t.Errorf("a caller without a token, after the user's burst: %d", code)
	}
}

// TestDemoGuardsVIMEndpoints: the demo dials a location's endpoint
// through -fetch-allow at connect time: a name resolving to loopback and
// the metadata address are not reached, and the location says why; the
// same endpoint allowed is reached.
func TestDemoGuardsVIMEndpoints(t *testing.T) {
	var hits atomic.Int64
	vimSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, `{"error":{"code":401,"message":"no"}}`, http.StatusUnauthorized)
	}))
	defer vimSrv.Close()
	u, _ := url.Parse(vimSrv.URL)
	byName := "http://localhost:" + u.Port() + "/v3"
	tests := map[string]struct {
		allow, endpoint string
		reached         bool
		why             string // in the location's message
	}{
		"a name resolving to loopback": {"", byName, false, "127.0.0.1 is refused: loopback"},
		"the metadata address":         {"", "http://169.254.169.254/v3", false, "link-local"},
		"a private address":            {"127.0.0.0/8", "http://10.255.255.1:5000/v3", false, "private"},
		"loopback, allowed":            {"127.0.0.0/8", byName, true, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := start(t, []string{"-db", "memory", "-admin-password", "pw", "-fake-locations", "0", "-fetch-allow", tc.allow}, nil)
			defer d.stop()
			tok := login(t, d, "pw")
			before := hits.Load()
			if code, _, body := call(t, "PUT", d.url+"/v1.0/admin/credentials/c1", tok,
				`{"credential":{"username":"orca","password":"pw","project_name":"orca","user_domain":"Default","project_domain":"Default"}}`); code != 200 {
				t.Fatalf("credential: %d %v", code, body)
			}
			if code, _, body := call(t, "POST", d.url+"/v1.0/locations", tok,
				`{"location":{"id":"site","keystone_endpoint":"`+tc.endpoint+`","credential_id":"c1"}}`); code != 201 {
				t.Fatalf("location: %d %v", code, body)
			}
			var msg string
			wait.UntilWith(t, &wait.Options{Every: 20 * time.Millisecond}, "the location fails to open", func() bool {
				_, _, body := call(t, "GET", d.url+"/v1.0/locations/site", tok, "")
				st, _ := body["location"].(map[string]any)["orca"].(map[string]any)["status"].(map[string]any)
				msg, _ = st["message"].(string)
				return st["phase"] == "Failed"
			})
			if reached := hits.Load() > before; reached != tc.reached {
				t.Errorf("the endpoint reached: %v, want %v (message %q)", reached, tc.reached, msg)
			}
			if !strings.Contains(msg, tc.why) {
				t.Errorf("message %q, want it to say %q", msg, tc.why)
			}
		})
	}
}
