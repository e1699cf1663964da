package vim_test

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// TestHTTPClientRedirects: a redirect on the same origin is followed (Heat
// answers a stack lookup by name with one); one to another host is not, so
// the token never travels there.
func TestHTTPClientRedirects(t *testing.T) {
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Auth-Token"))
	}))
	defer other.Close()
	var vimURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stacks/web":
			http.Redirect(w, r, vimURL+"/stacks/web/1234", http.StatusFound)
		case "/stacks/web/1234":
			w.Write([]byte("the stack"))
		case "/elsewhere":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	defer srv.Close()
	vimURL = srv.URL
	c, err := vim.NewHTTPClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+path, nil)
		req.Header.Set("X-Auth-Token", "secret-token")
		return c.Do(req)
	}
	resp, err := get("/stacks/web")
	if err != nil || resp.Request.URL.Path != "/stacks/web/1234" {
		t.Fatalf("same-origin redirect: %v, %v", resp, err)
	}
	resp.Body.Close()
	if _, err := get("/elsewhere"); err == nil || !strings.Contains(err.Error(), "another origin") {
		t.Errorf("cross-origin redirect followed: %v", err)
	}
	if tok, _ := leaked.Load().(string); tok != "" {
		t.Errorf("the token reached another host: %q", tok)
	}
	if _, err := get("/loop"); err == nil || !strings.Contains(err.Error(), "10 redirects") {
		t.Errorf("a redirect loop: %v", err)
	}
}

func TestHTTPClientCAFile(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	for name, path := range map[string]string{"missing": filepath.Join(dir, "nope.pem"), "not PEM": notPEM} {
		if _, err := vim.NewHTTPClient(&vim.HTTPOptions{CAFile: path}); resource.CodeOf(err) != resource.Invalid {
			t.Errorf("%s CA file: %v, want Invalid", name, err)
		}
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c, _ := vim.NewHTTPClient(nil)
	if _, err := c.Get(srv.URL); err == nil {
		t.Error("an unknown CA was trusted by default")
	}
	ca := filepath.Join(dir, "test-ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	c, err := vim.NewHTTPClient(&vim.HTTPOptions{CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("the CA file's certificate is not trusted: %v", err)
	}
	resp.Body.Close()
}
