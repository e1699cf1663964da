package httpapi

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
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/sqlitestore"
)

// server is the API over SQLite, fake VIMs at loc-1 and loc-2 and a running
// orchestrator, with three users: admin (tenant admin), alice (tenant t1)
// and bob (tenant t2).
type server struct {
	t      *testing.T
	url    string
	o      *orca.Orchestrator
	s      store.Store
	f      *fake.Factory
	h      *Handler
	stop   func()
	dbPath string
}

type serverOptions struct {
	dbPath  string
	factory *fake.Factory
	wrap    func(http.Handler) http.Handler
	baseURL string
	// throttle replaces the default login throttle.
	throttle *identity.Throttle
}

func newServer(t *testing.T, so serverOptions) *server {
	t.Helper()
	if so.dbPath == "" {
		so.dbPath = filepath.Join(t.TempDir(), "orca.db")
	}
	if so.factory == nil {
		so.factory = fake.NewFactory(&fake.Options{BuildTime: 5 * time.Millisecond})
	}
	s, err := sqlitestore.Open(so.dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := secret.Parse(secret.GenerateKey())
	o := orca.New(s, &orca.Options{Drivers: so.factory, Keyring: keys, Logger: slog.New(slog.DiscardHandler),
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
	h, err := New(o, &Options{Auth: tokens, Passwords: users, Tokens: tokens, BaseURL: so.baseURL,
		MaxBodyBytes: 64 << 10, Logger: slog.New(slog.DiscardHandler), LoginThrottle: so.throttle})
	if err != nil {
		t.Fatal(err)
	}
	var handler http.Handler = h
	if so.wrap != nil {
		handler = so.wrap(h)
	}
	hs := httptest.NewServer(handler)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	srv := &server{t: t, url: hs.URL, o: o, s: s, f: so.factory, h: h, dbPath: so.dbPath}
	stopped := false
	srv.stop = func() {
		if stopped {
			return
		}
		stopped = true
		hs.Close()
		cancel()
		<-done
		o.Close()
		s.Close()
	}
	t.Cleanup(srv.stop)
	for _, loc := range []string{"loc-1", "loc-2"} {
		if _, err := o.Apply(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: loc}, Name: loc,
			Spec: &resource.Location{KeystoneEndpoint: "fake://" + loc}}); err != nil && resource.CodeOf(err) != resource.Conflict {
			t.Fatal(err)
		}
	}
	return srv
}

// response is a decoded answer.
type response struct {
	code   int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request. body is JSON-encoded unless it is a string (sent as
// is); headers alternate name, value.
func (s *server) do(method, path, token string, body any, headers ...string) response {
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
	req, err := http.NewRequest(method, s.url+path, rd)
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
	out := response{code: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			s.t.Fatalf("%s %s: %d with a body that is not a JSON object: %q", method, path, resp.StatusCode, raw)
		}
	}
	return out
}

func (s *server) login(user, password string) string {
	s.t.Helper()
	r := s.do("POST", "/v3/auth/tokens", "", map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": user, "password": password, "domain": map[string]any{"name": "Default"}}}}}})
	if r.code != http.StatusCreated || r.header.Get("X-Subject-Token") == "" {
		s.t.Fatalf("login %s: %d %s", user, r.code, r.raw)
	}
	return r.header.Get("X-Subject-Token")
}

// want fails unless the response has the status.
func (r response) want(t *testing.T, code int, what string) response {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: %d %s, want %d", what, r.code, r.raw, code)
	}
	return r
}

// errMessage returns an error response's message and field.
func (r response) errMessage() (msg, field string) {
	e, _ := r.body["error"].(map[string]any)
	msg, _ = e["message"].(string)
	field, _ = e["field"].(string)
	return msg, field
}

// obj returns the wrapped object of a response.
func (r response) obj(wrapper string) map[string]any {
	o, _ := r.body[wrapper].(map[string]any)
	return o
}
