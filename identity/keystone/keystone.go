// Package keystone is an identity.Authenticator backed by an OpenStack
// Keystone (v3), so that orca can sit inside an existing OpenStack
// deployment and accept the tokens its users already have. The HTTP front
// (httpapi) imports it through identity.Authenticator; cmd/demo wires it
// with -keystone-url.
//
// A token is validated by asking Keystone about it with the token itself
// (GET /v3/auth/tokens, X-Auth-Token = X-Subject-Token = the token), which
// Keystone's default policy allows for a token's own subject, so orca needs
// no service account. Answers are cached by the token's SHA-256 digest (the
// token itself is never kept) until the token expires or CacheTTL passes,
// whichever is first: a token revoked in Keystone stays usable here for at
// most CacheTTL, as with keystonemiddleware's token cache. Concurrent
// validations of one token share one call to Keystone. Refusals are cached
// briefly too, so a client retrying a bad token does not hammer Keystone.
//
// Only project-scoped tokens are accepted: the project is the caller's
// tenant. Keystone roles map to orca's: AdminRoles give identity.RoleAdmin,
// MemberRoles give identity.RoleMember, and a token with neither is
// refused (a reader-only user cannot write through orca).
package keystone

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// Options configure an Authenticator.
type Options struct {
	// URL is Keystone's v3 endpoint, e.g. https://keystone:5000/v3.
	URL string
	// HTTPClient makes the calls; default: a client with a 10s timeout.
	HTTPClient *http.Client
	// CacheTTL bounds how long an answer is reused; default 5 minutes.
	// Refusals are reused for NegativeTTL (default 10s).
	CacheTTL, NegativeTTL time.Duration
	// MaxEntries bounds the cache; default 10,000 tokens.
	MaxEntries int
	// AdminRoles and MemberRoles are the Keystone role names that make a
	// caller an orca administrator or member; defaults ["admin"] and
	// ["member", "_member_"].
	AdminRoles, MemberRoles []string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Authenticator validates tokens against Keystone. It is safe for
// concurrent use.
type Authenticator struct {
	url               string
	hc                *http.Client
	ttl, negTTL       time.Duration
	max               int
	adminRoles, roles []string
	now               func() time.Time
	flight            singleflight.Group

	mu    sync.Mutex
	cache map[[sha256.Size]byte]entry
	calls int
}

type entry struct {
	p     *identity.Principal // nil: refused with err
	err   error
	until time.Time
}

var _ identity.Authenticator = (*Authenticator)(nil)

// New returns an Authenticator. It makes no call: a Keystone that is down
// at start makes requests fail with Unavailable until it is back.
func New(opts *Options) (*Authenticator, error) {
	if opts == nil {
		opts = &Options{}
	}
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, resource.InvalidField("keystone url", "want an http(s) URL without credentials, like https://keystone:5000/v3; got %q", opts.URL)
	}
	a := &Authenticator{
		url: strings.TrimSuffix(opts.URL, "/"), hc: opts.HTTPClient,
		ttl: opts.CacheTTL, negTTL: opts.NegativeTTL, max: opts.MaxEntries,
		adminRoles: opts.AdminRoles, roles: opts.MemberRoles, now: opts.Now,
		cache: map[[sha256.Size]byte]entry{},
	}
	if a.hc == nil {
		a.hc = &http.Client{Timeout: 10 * time.Second}
	}
	if a.ttl <= 0 {
		a.ttl = 5 * time.Minute
	}
	if a.negTTL <= 0 {
		a.negTTL = 10 * time.Second
	}
	if a.max <= 0 {
		a.max = 10000
	}
	if a.adminRoles == nil {
		a.adminRoles = []string{"admin"}
	}
	if a.roles == nil {
		a.roles = []string{"member", "_member_"}
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a, nil
}

// Authenticate returns the caller a token stands for. Errors: Unauthorized
// for a token Keystone does not know (or expired, or not project-scoped),
// Forbidden for a token without an orca role, Unavailable when Keystone
// cannot be reached or fails.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (*identity.Principal, error) {
	if token == "" {
		return nil, resource.Errorf(resource.Unauthorized, "a token is required (X-Auth-Token)")
	}
	if len(token) > 8192 || strings.ContainsAny(token, "\r\n") {
		return nil, resource.Errorf(resource.Unauthorized, "the token is malformed")
	}
	key := sha256.Sum256([]byte(token))
	if p, err, ok := a.cached(key); ok {
		return p, err
	}
	// The flight's work must not die with the first caller's context: the
	// others share its answer.
	v, err, _ := a.flight.Do(string(key[:]), func() (any, error) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.hc.Timeout+time.Second)
		defer cancel()
		p, err := a.validate(cctx, token)
		a.remember(key, p, err)
		return p, err
	})
	if err != nil {
		return nil, err
	}
	return clone(v.(*identity.Principal)), nil
}

// Calls returns how many validations reached Keystone (for tests and
// metrics).
func (a *Authenticator) Calls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

func (a *Authenticator) cached(key [sha256.Size]byte) (*identity.Principal, error, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e, ok := a.cache[key]
	if !ok {
		return nil, nil, false
	}
	if !a.now().Before(e.until) {
		delete(a.cache, key)
		return nil, nil, false
	}
	if e.p == nil {
		return nil, e.err, true
	}
	return clone(e.p), nil, true
}

// remember caches an answer: a principal until its token expires or the
// TTL passes, a refusal for the negative TTL, an outage not at all.
func (a *Authenticator) remember(key [sha256.Size]byte, p *identity.Principal, err error) {
	now := a.now()
	e := entry{p: p, err: err}
	switch {
	case err == nil:
		e.until = now.Add(a.ttl)
		if p.ExpiresAt.Before(e.until) {
			e.until = p.ExpiresAt
		}
	case resource.CodeOf(err) == resource.Unavailable:
		return
	default:
		e.until = now.Add(a.negTTL)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= a.max {
		a.evictLocked(now)
	}
	a.cache[key] = e
}

// evictLocked drops expired entries, then, if still full, arbitrary ones
// (map order) until a tenth is free: bounded memory under a flood of
// distinct tokens, at the price of some revalidation.
func (a *Authenticator) evictLocked(now time.Time) {
	for k, e := range a.cache {
		if !now.Before(e.until) {
			delete(a.cache, k)
		}
	}
	for k := range a.cache {
		if len(a.cache) < a.max-a.max/10 {
			break
		}
		delete(a.cache, k)
	}
}

// tokenBody is the part of Keystone's token document orca reads.
type tokenBody struct {
	Token struct {
		ExpiresAt time.Time `json:"expires_at"`
		User      struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"user"`
		Project *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"project"`
		Roles []struct {
			Name string `json:"name"`
		} `json:"roles"`
	} `json:"token"`
}

func (a *Authenticator) validate(ctx context.Context, token string) (*identity.Principal, error) {
	a.mu.Lock()
	a.calls++
	a.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url+"/auth/tokens?nocatalog", nil)
	if err != nil {
		return nil, resource.Errorf(resource.Unavailable, "keystone: %v", err)
	}
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("X-Subject-Token", token)
	req.Header.Set("Accept", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, resource.Errorf(resource.Unavailable, "keystone is unreachable: %v", redact(err, token))
		}
		return nil, resource.Errorf(resource.Unavailable, "keystone: %v", redact(err, token))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, resource.Errorf(resource.Unavailable, "keystone: reading the answer: %v", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusNotFound:
		return nil, resource.Errorf(resource.Unauthorized, "the token is unknown or expired")
	case resp.StatusCode == http.StatusForbidden:
		return nil, resource.Errorf(resource.Unauthorized, "keystone refuses to validate the token")
	default:
		return nil, resource.Errorf(resource.Unavailable, "keystone answered %d validating a token", resp.StatusCode)
	}
	var tb tokenBody
	if err := json.Unmarshal(body, &tb); err != nil {
		return nil, resource.Errorf(resource.Unavailable, "keystone sent an unreadable token document: %v", err)
	}
	t := tb.Token
	if t.ExpiresAt.IsZero() || !a.now().Before(t.ExpiresAt) {
		return nil, resource.Errorf(resource.Unauthorized, "the token is unknown or expired")
	}
	if t.Project == nil || t.Project.ID == "" {
		return nil, resource.Errorf(resource.Unauthorized, "the token is not scoped to a project: ask Keystone for a project-scoped token")
	}
	p := &identity.Principal{UserID: t.User.ID, UserName: t.User.Name, TenantID: t.Project.ID, ExpiresAt: t.ExpiresAt}
	for _, r := range t.Roles {
		switch {
		case slices.Contains(a.adminRoles, r.Name) && !slices.Contains(p.Roles, identity.RoleAdmin):
			p.Roles = append(p.Roles, identity.RoleAdmin)
		case slices.Contains(a.roles, r.Name) && !slices.Contains(p.Roles, identity.RoleMember):
			p.Roles = append(p.Roles, identity.RoleMember)
		}
	}
	if len(p.Roles) == 0 {
		return nil, resource.Errorf(resource.Forbidden, "user %s has no orca role in project %s (want one of %s)",
			t.User.Name, t.Project.Name, strings.Join(append(slices.Clone(a.adminRoles), a.roles...), ", "))
	}
	slices.Sort(p.Roles)
	return p, nil
}

// redact keeps a token out of an error message (url.Error quotes URLs,
// not headers, but be certain).
func redact(err error, token string) string {
	if len(token) < 16 { // not a real token; replacing it would garble the text
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), token, "[token]")
}

func clone(p *identity.Principal) *identity.Principal {
	cp := *p
	cp.Roles = slices.Clone(p.Roles)
	return &cp
}

func (a *Authenticator) String() string { return fmt.Sprintf("keystone(%s)", a.url) }

// size is the number of cached answers.
func (a *Authenticator) size() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.cache)
}
