package ui_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/ui"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/memstore"
)

// env is apitest's server (fake locations loc-1 and loc-2, users admin,
// alice of t1 and bob of t2) with the pages mounted at /ui/. handler is
// the pages' own handler, for requests a test must shape itself (TLS).
type env struct {
	*apitest.Server
	t       *testing.T
	handler http.Handler
}

func newEnv(t *testing.T, opts *ui.Options) *env {
	t.Helper()
	e := &env{t: t}
	e.Server = apitest.New(t, apitest.Options{
		Store: memstore.New(nil), // many requests under -race
		Mounts: []apitest.Mount{func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			e.handler = ui.New(b, kit, opts)
			return e.handler, ui.Paths, nil
		}},
	})
	return e
}

// create stores a resource directly, failing the test on error.
func (e *env) create(r *resource.Resource) *resource.Resource {
	e.t.Helper()
	out, err := e.O.Create(e.t.Context(), r)
	if err != nil {
		e.t.Fatalf("creating %s: %v", r.Ref, err)
	}
	return out
}

// browser is a user agent with cookies that does not follow redirects,
// so tests see them.
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, e: e, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer of the pages.
type page struct {
	code   int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{code: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), "GET", b.e.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), "POST", b.e.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// cookie is the value of the browser's cookie for /ui/, "" without one.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.e.URL + "/ui/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrf is the CSRF token of a page's forms.
func (p page) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil || m[1] == "" {
		t.Fatalf("no CSRF field in the page:\n%s", p.body)
	}
	return m[1]
}

// want fails the test unless the answer has the status.
func (p page) want(t *testing.T, code int, what string) page {
	t.Helper()
	if p.code != code {
		t.Fatalf("%s: %d, want %d; body:\n%s", what, p.code, code, p.body)
	}
	return p
}

// wantRedirect fails the test unless the answer is a 303 to location.
func (p page) wantRedirect(t *testing.T, location, what string) {
	t.Helper()
	if p.code != http.StatusSeeOther || p.header.Get("Location") != location {
		t.Fatalf("%s: %d to %q, want 303 to %q", what, p.code, p.header.Get("Location"), location)
	}
}

// tryLogin submits the sign-in form as a browser would.
func (b *browser) tryLogin(user, password string) page {
	b.t.Helper()
	form := b.get("/ui/login").want(b.t, http.StatusOK, "the sign-in page")
	return b.post("/ui/login", url.Values{"csrf": {form.csrf(b.t)}, "user": {user}, "password": {password}})
}

// login signs in, failing the test unless it works.
func (b *browser) login(user, password string) *browser {
	b.t.Helper()
	b.tryLogin(user, password).wantRedirect(b.t, "/ui/", "signing in as "+user)
	return b
}

// attrs finds the submatches of re in a page: its data attributes, say.
func attrs(body, re string) [][]string {
	return regexp.MustCompile(re).FindAllStringSubmatch(body, -1)
}
