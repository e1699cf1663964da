// Package apitest runs orca's HTTP surfaces end to end for tests: a SQLite
// store (or one the test gives), a running orchestrator with fake
// locations loc-1 and loc-2, the seed 000 handler (with its login
// endpoint) and whatever dialect surfaces a test mounts next to it, on
// one httptest server, with three users:
// admin (tenant admin, role admin), alice (tenant t1) and bob (tenant t2).
// The dialect packages' tests import it.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/sqlitestore"
	"github.com/orca-nfv/orca/vim"
)

// Mount builds a surface over the backend and the shared kit; it is served
// at the patterns it returns (http.ServeMux patterns, such as "/tenants"
// and "/tenants/").
type Mount func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error)

// Options configure a Server.
type Options struct {
	// Mounts are the surfaces served next to seed 000.
	Mounts []Mount
	// Factory makes the locations' VIMs; default fakes that build in 5ms.
	Factory *fake.Factory
	// MaxBodyBytes bounds bodies; default 64 KiB.
	MaxBodyBytes int64
	// Deliver sends webhooks (orca.Options.Deliver); nil keeps them.
	Deliver func(ctx context.Context, w *resource.Webhook) error
	// Drivers builds the locations' drivers instead of Factory (hand it
	// fake:// endpoints, such as loc-1's and loc-2's); nil means Factory.
	Drivers vim.Factory
	// Keyring seals location credentials; nil means none
	// (SetCredentials answers Unavailable).
	Keyring *secret.Keyring
	// Logger receives the orchestrator's and the handlers' logs; nil
	// discards them.
	Logger *slog.Logger
	// CheckSource vets the URLs a VIM fetches (orca.Options.CheckSource);
	// nil accepts any.
	CheckSource func(ctx context.Context, rawURL string) error
	// Store is the store to serve, closed when the test ends; nil means
	// a SQLite store in a temporary directory. Tests that make many
	// requests under the race detector give a memstore.
	Store store.Store
}

// Server is a running API.
type Server struct {
	t       testing.TB
	URL     string
	O       *orca.Orchestrator
	Store   store.Store
	Factory *fake.Factory
	Tokens  *identity.Tokens
}

// New starts a Server; it stops when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Factory == nil {
		opts.Factory = fake.NewFactory(&fake.Options{BuildTime: 5 * time.Millisecond})
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	s := opts.Store
	if s == nil {
		var err error
		if s, err = sqlitestore.Open(filepath.Join(t.TempDir(), "orca.db"), nil); err != nil {
			t.Fatal(err)
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var drivers vim.Factory = opts.Factory
	if opts.Drivers != nil {
		drivers = opts.Drivers
	}
	o := orca.New(s, &orca.Options{Drivers: drivers, Keyring: opts.Keyring, Logger: log, Deliver: opts.Deliver,
		CheckSource:  opts.CheckSource,
		PollInterval: 5 * time.Millisecond, RetryBase: 5 * time.Millisecond, RetryMax: 100 * time.Millisecond})
	users, err := identity.NewStaticUsers([]identity.User{
		{Name: "admin", Password: "admin-pw", TenantID: "admin", Roles: []string{identity.RoleAdmin}},
		{Name: "alice", Password: "alice-pw", TenantID: "t1"},
		{Name: "bob", Password: "bob-pw", TenantID: "t2"},
	}, &identity.UsersOptions{Iterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	tokens := identity.NewTokens(time.Hour)
	h, err := httpapi.New(o, &httpapi.Options{Auth: tokens, Passwords: users, Tokens: tokens,
		MaxBodyBytes: opts.MaxBodyBytes, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	for _, m := range opts.Mounts {
		sh, patterns, err := m(o, h.Kit())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range patterns {
			mux.Handle(p, sh)
		}
	}
	hs := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	t.Cleanup(func() {
		hs.Close()
		cancel()
		<-done
		o.Close()
		s.Close()
	})
	for _, loc := range []string{"loc-1", "loc-2"} {
		if _, err := o.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: loc}, Name: loc,
			Spec: &resource.Location{KeystoneEndpoint: "fake://" + loc}}); err != nil {
			t.Fatal(err)
		}
	}
	return &Server{t: t, URL: hs.URL, O: o, Store: s, Factory: opts.Factory, Tokens: tokens}
}

// Token returns a token of a user: "admin", "alice" (t1) or "bob" (t2).
func (s *Server) Token(user string) string {
	s.t.Helper()
	p := &identity.Principal{UserID: user, UserName: user, TenantID: map[string]string{"admin": "admin", "alice": "t1", "bob": "t2"}[user],
		Roles: []string{identity.RoleMember}}
	if user == "admin" {
		p.Roles = []string{identity.RoleAdmin}
	}
	tok, _ := s.Tokens.Issue(p)
	return tok
}

// Response is a decoded answer.
type Response struct {
	Code   int
	Header http.Header
	// Body is the decoded JSON (nil when the body is empty or not JSON).
	Body any
	Raw  string
}

// Do sends a request. body is JSON-encoded unless it is a string (sent as
// is, with Content-Type application/json unless headers set one); headers
// alternate name and value. An "X-Auth-Token" of token is sent unless
// token is "".
func (s *Server) Do(method, path, token string, body any, headers ...string) Response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := Response{Code: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			s.t.Fatalf("%s %s: %d with a JSON content type and a body that is not JSON: %q", method, path, resp.StatusCode, raw)
		}
	}
	return out
}

// Want fails the test unless the response has the status.
func (r Response) Want(t testing.TB, code int, what string) Response {
	t.Helper()
	if r.Code != code {
		t.Fatalf("%s: %d %s, want %d", what, r.Code, r.Raw, code)
	}
	return r
}

// Object returns the body as a JSON object (nil if it is not one).
func (r Response) Object() map[string]any {
	o, _ := r.Body.(map[string]any)
	return o
}

// Array returns the body as a JSON array (nil if it is not one).
func (r Response) Array() []any {
	a, _ := r.Body.([]any)
	return a
}
