package ui_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/ui"
	"github.com/orca-nfv/orca/identity"
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
	backend dialect.Backend
	kit     *dialect.Kit
}

func newEnv(t *testing.T, opts *ui.Options) *env {
	t.Helper()
	e := &env{t: t}
	e.Server = apitest.New(t, apitest.Options{
		Store: memstore.New(nil), // many requests under -race
		Mounts: []apitest.Mount{func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
			e.backend, e.kit = b, kit
			e.handler = ui.New(b, kit, opts)
			return e.handler, ui.Paths, nil
		}},
	})
	return e
}

// replica serves other pages over the same backend, as another replica
// over the same database would, and returns their URL. They have a kit of
// their own, whose Auth is tokens (no passwords: sign in elsewhere), and
// take their sessions from it. Their host is the env's (another port), so
// a browser's cookies go to both, as to replicas behind a load balancer.
func (e *env) replica(tokens *identity.Tokens) string {
	e.t.Helper()
	kit, err := dialect.New(&dialect.Options{Auth: tokens, Logger: e.kit.Log()})
	if err != nil {
		e.t.Fatal(err)
	}
	hs := httptest.NewServer(ui.New(e.backend, kit, nil))
	e.t.Cleanup(hs.Close)
	return hs.URL
}

// sharedSessions is an identity.SessionStore in a map, shared by the
// Tokens of a test's replicas as a database is. Its clock, by which
// sessions expire, runs ahead of the wall clock by ahead (as a
// database's may); fail makes every call fail (the database is down).
type sharedSessions struct {
	mu    sync.Mutex
	m     map[string]identity.Principal
	ahead time.Duration
	fail  error
}

func newSharedSessions() *sharedSessions {
	return &sharedSessions{m: map[string]identity.Principal{}}
}

// tokens is a replica's issuer over the store. Its Recheck of a
// nanosecond makes every check read the store (requests are further
// apart), so what another replica revoked fails at once, without a wait.
func (s *sharedSessions) tokens() *identity.Tokens {
	return identity.NewTokensWith(&identity.TokensOptions{TTL: time.Hour, Shared: s, Recheck: time.Nanosecond})
}

func (s *sharedSessions) advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ahead += d
}

func (s *sharedSessions) failWith(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

func (s *sharedSessions) SaveSession(_ context.Context, digest string, p *identity.Principal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.m[digest] = *p
	return nil
}

func (s *sharedSessions) LoadSession(_ context.Context, digest string) (*identity.Principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	p, ok := s.m[digest]
	if !ok || !time.Now().Add(s.ahead).Before(p.ExpiresAt) {
		return nil, nil
	}
	return &p, nil
}

func (s *sharedSessions) DeleteSession(_ context.Context, digest string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	delete(s.m, digest)
	return nil
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
	base   string // the server's URL: the env's or a replica's
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, e: e, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, base: e.URL}
}

// at is the same browser (the same cookies) sending to base instead.
func (b *browser) at(base string) *browser {
	cp := *b
	cp.base = base
	return &cp
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
	req, err := http.NewRequestWithContext(b.t.Context(), "GET", b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), "POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// cookie is the value of the browser's cookie for /ui/, "" without one.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.base + "/ui/")
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
