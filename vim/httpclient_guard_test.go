package vim_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// vimServer is a VIM endpoint on loopback that counts what reaches it.
func vimServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"version":{"id":"v3"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// refusedBy reports whether err carries netguard's Forbidden refusal.
func refusedBy(err error) bool {
	var re *resource.Error
	return errors.As(err, &re) && re.Code == resource.Forbidden
}

// TestHTTPClientGuard: with a Guard, a VIM endpoint is dialled only where
// the policy allows, judged on the address connected to: an IP literal, a
// name resolving to loopback (what DNS rebinding makes of a public name)
// and the metadata address are refused before a byte is sent, unless
// allowed; without one, every address is dialled, as before.
func TestHTTPClientGuard(t *testing.T) {
	srv, hits := vimServer(t)
	u, _ := url.Parse(srv.URL)
	byName := "http://localhost:" + u.Port() + "/v3"
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := map[string]struct {
		guard   *netguard.Policy
		target  string
		refused bool
		why     string // in the refusal
	}{
		"no guard, loopback":             {target: srv.URL + "/v3"},
		"guard, loopback literal":        {guard: &netguard.Policy{}, target: srv.URL + "/v3", refused: true, why: "loopback"},
		"guard, name resolving there":    {guard: &netguard.Policy{}, target: byName, refused: true, why: "loopback"},
		"guard, metadata address":        {guard: &netguard.Policy{}, target: "http://169.254.169.254/latest/meta-data/", refused: true, why: "link-local"},
		"guard, private address":         {guard: &netguard.Policy{}, target: "http://10.255.255.1:5000/v3", refused: true, why: "private"},
		"guard allowing loopback":        {guard: &netguard.Policy{Allow: loopback}, target: srv.URL + "/v3"},
		"guard allowing loopback, name":  {guard: &netguard.Policy{Allow: loopback}, target: byName},
		"guard allowing, metadata still": {guard: &netguard.Policy{Allow: loopback}, target: "http://169.254.169.254/", refused: true, why: "link-local"},
		"deny beats allow": {guard: &netguard.Policy{Allow: loopback, Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
			target: srv.URL + "/v3", refused: true, why: "denied"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := vim.NewHTTPClient(&vim.HTTPOptions{Guard: tc.guard})
			if err != nil {
				t.Fatal(err)
			}
			before := hits.Load()
			req, _ := http.NewRequestWithContext(t.Context(), "POST", tc.target, strings.NewReader(`{"auth":"secret"}`))
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			switch {
			case tc.refused && (!refusedBy(err) || !strings.Contains(err.Error(), tc.why)):
				t.Fatalf("error %v, want a Forbidden refusal naming %q", err, tc.why)
			case tc.refused && hits.Load() != before:
				t.Errorf("the VIM saw %d requests, want none", hits.Load()-before)
			case !tc.refused && (err != nil || resp.StatusCode != 200):
				t.Fatalf("allowed call: %v", err)
			case !tc.refused && hits.Load() != before+1:
				t.Errorf("the VIM saw %d requests, want 1", hits.Load()-before)
			}
		})
	}
}

// TestHTTPClientGuardIgnoresProxy: a proxy would be judged in the VIM's
// place and would reach it for us, so a guarded client uses none, whatever
// the environment says; the guard keeps its own copy of the policy.
func TestHTTPClientGuardIgnoresProxy(t *testing.T) {
	proxy, proxied := vimServer(t)
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	guard := &netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	c, err := vim.NewHTTPClient(&vim.HTTPOptions{Guard: guard})
	if err != nil {
		t.Fatal(err)
	}
	guard.Allow = append(guard.Allow, netip.MustParsePrefix("10.0.0.0/8")) // too late to matter
	if tr := c.Transport.(*http.Transport); tr.Proxy != nil {
		t.Error("a guarded client has a Proxy function")
	}
	resp, err := c.Get("http://10.255.255.1/v3")
	if err == nil {
		resp.Body.Close()
	}
	if !refusedBy(err) || !strings.Contains(err.Error(), "10.255.255.1") {
		t.Errorf("a private VIM through the proxy: %v, want refused", err)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the proxy saw %d requests", n)
	}
}
