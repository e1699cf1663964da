package keystone

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// tokenDoc is a token document as the loopback Keystone (2024.x) returns
// it for GET /v3/auth/tokens?nocatalog, with expires_at and roles filled in
// per case.
func tokenDoc(expires time.Time, project bool, roles ...string) string {
	var rs []string
	for i, r := range roles {
		rs = append(rs, fmt.Sprintf(`{"id": "r%d", "name": %q}`, i, r))
	}
	proj := ""
	if project {
		proj = `"project": {"domain": {"id": "default", "name": "Default"}, "id": "733eacc35a9e4312b990e3b5bfac7c10", "name": "demo"}, `
	}
	return `{"token": {"methods": ["password"], "user": {"domain": {"id": "default", "name": "Default"}, ` +
		`"id": "65623f3aeb4d45dd8cfa1152a6fa45db", "name": "demo", "password_expires_at": null}, ` +
		`"audit_ids": ["KsylsbU-RgabTVP5wiUpdw"], "expires_at": "` + expires.UTC().Format("2006-01-02T15:04:05.000000Z") + `", ` +
		`"issued_at": "2026-11-23T12:55:05.000000Z", ` + proj + `"is_domain": false, "roles": [` + strings.Join(rs, ", ") + `]}}`
}

// keystoneStub answers token validations from a table of token → (status,
// body), over an in-memory transport, counting calls. It checks that the
// token validates itself.
type keystoneStub struct {
	t       *testing.T
	mu      sync.Mutex
	answers map[string]answer
	calls   int
	gate    chan struct{} // when set, calls wait for it to close
}

type answer struct {
	status int
	body   string
}

func (k *keystoneStub) RoundTrip(r *http.Request) (*http.Response, error) {
	k.mu.Lock()
	k.calls++
	gate := k.gate
	k.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	if r.Method != http.MethodGet || r.URL.Path != "/v3/auth/tokens" {
		k.t.Errorf("unexpected call %s %s", r.Method, r.URL)
	}
	subject := r.Header.Get("X-Subject-Token")
	if r.Header.Get("X-Auth-Token") != subject {
		k.t.Errorf("X-Auth-Token and X-Subject-Token differ")
	}
	k.mu.Lock()
	a, ok := k.answers[subject]
	k.mu.Unlock()
	if !ok {
		a = answer{404, `{"error":{"code":404,"message":"Could not recognize Fernet token","title":"Not Found"}}`}
	}
	if a.status == 0 {
		return nil, fmt.Errorf("dial tcp 127.0.0.1:5000: connect: connection refused")
	}
	return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(a.body)), Request: r}, nil
}

func (k *keystoneStub) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls
}

func newAuth(t *testing.T, stub *keystoneStub, opts Options) *Authenticator {
	t.Helper()
	opts.URL = "http://keystone.test:5000/v3/"
	opts.HTTPClient = &http.Client{Transport: stub, Timeout: 10 * time.Second}
	a, err := New(&opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAuthenticate(t *testing.T) {
	now := time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	stub := &keystoneStub{answers: map[string]answer{
		"member":     {200, tokenDoc(later, true, "member", "reader")},
		"admin":      {200, tokenDoc(later, true, "admin", "member", "heat_stack_owner")},
		"reader":     {200, tokenDoc(later, true, "reader")},
		"unscoped":   {200, tokenDoc(later, false, "member")},
		"expired":    {200, tokenDoc(now.Add(-time.Second), true, "member")},
		"revoked":    {401, `{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}`},
		"broken":     {500, `{"error":{"code":500,"message":"An unexpected error prevented the server from fulfilling your request.","title":"Internal Server Error"}}`},
		"garbled":    {200, `{"token": `},
		"down":       {0, ""},
		"custom":     {200, tokenDoc(later, true, "orca-operator")},
		"forbidden":  {403, `{"error":{"code":403,"message":"You are not authorized to perform the requested action: identity:validate_token.","title":"Forbidden"}}`},
		"unexpected": {302, ``},
	}}
	member := &identity.Principal{UserID: "65623f3aeb4d45dd8cfa1152a6fa45db", UserName: "demo",
		TenantID: "733eacc35a9e4312b990e3b5bfac7c10", Roles: []string{identity.RoleMember}, ExpiresAt: later}
	admin := *member
	admin.Roles = []string{identity.RoleAdmin, identity.RoleMember}
	tests := map[string]struct {
		token    string
		opts     Options
		want     *identity.Principal
		wantCode resource.ErrorCode
	}{
		"member":                {token: "member", want: member},
		"admin":                 {token: "admin", want: &admin},
		"reader only":           {token: "reader", wantCode: resource.Forbidden},
		"unscoped":              {token: "unscoped", wantCode: resource.Unauthorized},
		"expired":               {token: "expired", wantCode: resource.Unauthorized},
		"unknown":               {token: "gAAAAABunknownFernetToken", wantCode: resource.Unauthorized},
		"revoked":               {token: "revoked", wantCode: resource.Unauthorized},
		"keystone fails":        {token: "broken", wantCode: resource.Unavailable},
		"unreadable document":   {token: "garbled", wantCode: resource.Unavailable},
		"keystone unreachable":  {token: "down", wantCode: resource.Unavailable},
		"validation refused":    {token: "forbidden", wantCode: resource.Unauthorized},
		"unexpected status":     {token: "unexpected", wantCode: resource.Unavailable},
		"empty":                 {token: "", wantCode: resource.Unauthorized},
		"header injection":      {token: "a\r\nX-Evil: 1", wantCode: resource.Unauthorized},
		"oversized":             {token: strings.Repeat("x", 9000), wantCode: resource.Unauthorized},
		"custom member role":    {token: "custom", opts: Options{MemberRoles: []string{"orca-operator"}}, want: member},
		"custom roles exclude":  {token: "member", opts: Options{MemberRoles: []string{"orca-operator"}}, wantCode: resource.Forbidden},
		"custom admin role":     {token: "custom", opts: Options{AdminRoles: []string{"orca-operator"}}, want: &identity.Principal{UserID: member.UserID, UserName: "demo", TenantID: member.TenantID, Roles: []string{identity.RoleAdmin}, ExpiresAt: later}},
		"admin role not member": {token: "admin", opts: Options{MemberRoles: []string{}}, want: &identity.Principal{UserID: member.UserID, UserName: "demo", TenantID: member.TenantID, Roles: []string{identity.RoleAdmin}, ExpiresAt: later}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			stub.t = t
			opts := tc.opts
			opts.Now = func() time.Time { return now }
			a := newAuth(t, stub, opts)
			got, err := a.Authenticate(t.Context(), tc.token)
			if tc.want == nil {
				if resource.CodeOf(err) != tc.wantCode {
					t.Fatalf("Authenticate = %v, %v; want code %s", got, err, tc.wantCode)
				}
				if strings.HasPrefix(tc.token, "gAAAA") && strings.Contains(err.Error(), tc.token) {
					t.Errorf("the error repeats the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCache(t *testing.T) {
	now := time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	stub := &keystoneStub{t: t, answers: map[string]answer{
		"long":   {200, tokenDoc(now.Add(time.Hour), true, "member")},
		"short":  {200, tokenDoc(now.Add(time.Minute), true, "member")},
		"broken": {503, `{"error":{"code":503}}`},
	}}
	a := newAuth(t, stub, Options{Now: func() time.Time { return clock() }, CacheTTL: 5 * time.Minute, NegativeTTL: 10 * time.Second})
	ctx := t.Context()
	call := func(token string) {
		t.Helper()
		a.Authenticate(ctx, token) //nolint:errcheck // the call count is the point
	}
	steps := []struct {
		what      string
		token     string
		advance   time.Duration
		wantCalls int
	}{
		{"first use asks keystone", "long", 0, 1},
		{"second use is cached", "long", 0, 1},
		{"mutating the answer does not reach the cache", "long", 0, 1},
		{"short-lived token asks", "short", 0, 2},
		{"short-lived token cached until it expires", "short", 59 * time.Second, 2},
		{"expired token asks again", "short", 2 * time.Second, 3},
		{"cache TTL ends reuse", "long", 5 * time.Minute, 4},
		{"refusal asks", "nobody", 0, 5},
		{"refusal is cached briefly", "nobody", 5 * time.Second, 5},
		{"refusal expires", "nobody", 6 * time.Second, 6},
		{"outage asks", "broken", 0, 7},
		{"outage is not cached", "broken", 0, 8},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if s.what == "mutating the answer does not reach the cache" {
			p, _ := a.Authenticate(ctx, s.token)
			p.Roles[0] = identity.RoleAdmin
			again, _ := a.Authenticate(ctx, s.token)
			if again.IsAdmin() {
				t.Fatal("a caller's change to a returned principal reached the cache")
			}
		} else {
			call(s.token)
		}
		if got := stub.count(); got != s.wantCalls {
			t.Fatalf("%s: %d calls to keystone, want %d", s.what, got, s.wantCalls)
		}
	}
	if a.Calls() != stub.count() {
		t.Errorf("Calls() = %d, keystone saw %d", a.Calls(), stub.count())
	}
}

func TestCacheIsBounded(t *testing.T) {
	stub := &keystoneStub{t: t}
	a := newAuth(t, stub, Options{MaxEntries: 10})
	for i := range 100 {
		if _, err := a.Authenticate(t.Context(), fmt.Sprintf("bogus-%d", i)); resource.CodeOf(err) != resource.Unauthorized {
			t.Fatalf("bogus token: %v", err)
		}
		if n := a.size(); n > 10 {
			t.Fatalf("cache holds %d answers, bound is 10", n)
		}
	}
}

// TestConcurrentValidationsShareOneCall: callers arriving while a token is
// being validated wait for that answer, and a caller giving up does not
// cancel it for the others.
func TestConcurrentValidationsShareOneCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		stub := &keystoneStub{t: t, gate: gate, answers: map[string]answer{
			"tok": {200, tokenDoc(time.Now().Add(time.Hour), true, "member")},
		}}
		a := newAuth(t, stub, Options{})
		impatient, cancel := context.WithCancel(t.Context())
		errs := make(chan error, 6)
		go func() { _, err := a.Authenticate(impatient, "tok"); errs <- err }()
		synctest.Wait() // the first caller is at keystone
		for range 5 {
			go func() { _, err := a.Authenticate(t.Context(), "tok"); errs <- err }()
		}
		synctest.Wait()
		cancel()
		synctest.Wait()
		close(gate)
		for range 6 {
			if err := <-errs; err != nil {
				t.Errorf("Authenticate: %v", err)
			}
		}
		if n := stub.count(); n != 1 {
			t.Errorf("%d calls to keystone, want 1", n)
		}
	})
}

func TestNewValidatesURL(t *testing.T) {
	for name, u := range map[string]string{
		"empty":            "",
		"no scheme":        "keystone:5000/v3",
		"other scheme":     "ftp://keystone/v3",
		"credentials":      "https://admin:secret@keystone/v3",
		"no host":          "https:///v3",
		"unparseable":      "http://[::1",
		"javascript":       "javascript:alert(1)",
		"relative":         "/v3",
		"file":             "file:///etc/passwd",
		"spaces":           "http://key stone/v3",
		"scheme only":      "https:",
		"opaque":           "http:keystone",
		"mixed case https": "HTTPS://",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(&Options{URL: u}); resource.CodeOf(err) != resource.Invalid {
				t.Errorf("New(%q) = %v, want Invalid", u, err)
			}
		})
	}
	if _, err := New(&Options{URL: "https://keystone.example:5000/v3"}); err != nil {
		t.Errorf("a good URL: %v", err)
	}
}
