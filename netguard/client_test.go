package netguard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
)

// countingServer serves on 127.0.0.1 and counts the requests per path that
// reach it.
type countingServer struct {
	*httptest.Server
	hits map[string]*atomic.Int64
}

func newCountingServer(t *testing.T, h http.HandlerFunc) *countingServer {
	t.Helper()
	s := &countingServer{hits: map[string]*atomic.Int64{"/": {}, "/a": {}, "/b": {}}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := s.hits[r.URL.Path]; ok {
			c.Add(1)
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *countingServer) total() int64 {
	var n int64
	for _, c := range s.hits {
		n += c.Load()
	}
	return n
}

func ok(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

func wantForbidden(t *testing.T, err error, fragment string) {
	t.Helper()
	if err == nil {
		t.Fatal("request succeeded, want Forbidden")
	}
	if code := resource.CodeOf(err); code != resource.Forbidden {
		t.Errorf("error %v has code %v, want Forbidden", err, code)
	}
	if !strings.Contains(err.Error(), fragment) {
		t.Errorf("error %q does not mention %q", err, fragment)
	}
}

func TestClientRefusesLoopbackByDefault(t *testing.T) {
	srv := newCountingServer(t, ok)
	c := new(netguard.Policy).Client(nil)

	resp, err := c.Post(srv.URL+"/", "text/plain", strings.NewReader("secret body"))
	if err == nil {
		resp.Body.Close()
	}
	wantForbidden(t, err, "127.0.0.1")
	if n := srv.total(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestClientAllowsAllowedPrefix(t *testing.T) {
	srv := newCountingServer(t, ok)
	c := (&netguard.Policy{Allow: prefixes("127.0.0.0/8")}).Client(nil)

	resp, err := c.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("got %d %q, want 200 \"ok\"", resp.StatusCode, body)
	}
	if n := srv.hits["/"].Load(); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

// A name is judged by what it resolves to, at dial time.
func TestClientRefusesNameResolvingToLoopback(t *testing.T) {
	srv := newCountingServer(t, ok)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	target := "http://localhost:" + u.Port() + "/"
	p := new(netguard.Policy)
	if _, err := p.CheckURL(target); err != nil {
		t.Fatalf("CheckURL(%s) = %v; names are for dial time", target, err)
	}

	resp, err := p.Client(nil).Get(target)
	if err == nil {
		resp.Body.Close()
	}
	wantForbidden(t, err, "loopback")
	if n := srv.total(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestClientFollowsNoRedirect(t *testing.T) {
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/a" {
			http.Redirect(w, r, "/b", http.StatusFound)
			return
		}
		ok(w, r)
	})
	c := demo.Client(nil)

	resp, err := c.Get(srv.URL + "/a")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/b" {
		t.Errorf("got %d Location %q, want 302 to /b", resp.StatusCode, resp.Header.Get("Location"))
	}
	if a, b := srv.hits["/a"].Load(), srv.hits["/b"].Load(); a != 1 || b != 0 {
		t.Errorf("server saw /a %d times and /b %d times, want 1 and 0", a, b)
	}
}

// A proxy would be judged instead of the target and would reach it for us.
// The target is a refused address and the proxy an allowed one, so the
// proxy seeing any request means the environment was obeyed.
func TestClientIgnoresProxyFromEnvironment(t *testing.T) {
	proxy := newCountingServer(t, ok)
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	c := demo.Client(nil)
	if tr, ok := c.Transport.(*http.Transport); !ok || tr.Proxy != nil {
		t.Errorf("transport %T has a Proxy function, want none", c.Transport)
	}

	resp, err := c.Get("http://10.255.255.1/")
	if err == nil {
		resp.Body.Close()
	}
	wantForbidden(t, err, "10.255.255.1")
	if n := proxy.total(); n != 0 {
		t.Errorf("proxy saw %d requests, want 0", n)
	}
}

// The client keeps its own copy of the policy.
func TestClientSnapshotsPolicy(t *testing.T) {
	srv := newCountingServer(t, ok)
	p := &netguard.Policy{Allow: prefixes("127.0.0.0/8")}
	c := p.Client(nil)
	p.Allow = nil

	resp, err := c.Get(srv.URL + "/")
	if err != nil {
		t.Fatalf("request after editing the policy: %v", err)
	}
	resp.Body.Close()
}
