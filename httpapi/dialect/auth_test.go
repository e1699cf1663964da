package dialect

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

func TestAuthenticate(t *testing.T) {
	tokens := identity.NewTokens(time.Hour)
	users, err := identity.NewStaticUsers([]identity.User{{Name: "alice", Password: "pw", TenantID: "t1"}},
		&identity.UsersOptions{Iterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	k := newKit(t, &Options{Auth: tokens, Passwords: users,
		Throttle: identity.NewThrottle(&identity.ThrottleOptions{Burst: 2, Base: time.Hour})})
	tok, _ := tokens.Issue(&identity.Principal{UserID: "alice", TenantID: "t1"})
	basic := func(user, pw string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
	}
	all := XAuthToken | TokenAuthorization | BearerAuthorization | Basic
	for name, tc := range map[string]struct {
		accepted       Scheme
		header, value  string
		wantTenant     string
		wantStatus     int
		wantRetryAfter bool
	}{
		"X-Auth-Token":                    {all, "X-Auth-Token", tok, "t1", 0, false},
		"Token scheme":                    {all, "Authorization", "Token " + tok, "t1", 0, false},
		"token scheme in any case":        {all, "Authorization", "token " + tok, "t1", 0, false},
		"Bearer scheme":                   {all, "Authorization", "Bearer " + tok, "t1", 0, false},
		"basic":                           {all, "Authorization", basic("alice", "pw"), "t1", 0, false},
		"nothing":                         {all, "", "", "", 401, false},
		"bad token":                       {all, "X-Auth-Token", "nope", "", 401, false},
		"a scheme the surface refuses":    {XAuthToken, "Authorization", basic("alice", "pw"), "", 401, false},
		"token scheme without a token":    {all, "Authorization", "Token ", "", 401, false},
		"malformed basic":                 {all, "Authorization", "Basic !!!", "", 401, false},
		"basic with a wrong password":     {all, "Authorization", basic("alice", "no"), "", 401, false},
		"basic with an overlong password": {all, "Authorization", basic("alice", string(make([]byte, MaxPassword+1))), "", 401, false},
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tc.header != "" {
				r.Header.Set(tc.header, tc.value)
			}
			p, err := k.Authenticate(r, tc.accepted)
			if tc.wantStatus != 0 {
				if got := k.ProblemOf(r, err, nil).Status; got != tc.wantStatus {
					t.Fatalf("status %d (%v), want %d", got, err, tc.wantStatus)
				}
				return
			}
			if err != nil || p.TenantID != tc.wantTenant {
				t.Fatalf("Authenticate = %+v, %v", p, err)
			}
		})
	}

	// Failures of one user from one address are throttled; the good
	// password is then refused before it is checked, with Retry-After.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.9:1234"
	r.Header.Set("Authorization", basic("alice", "wrong"))
	for range 2 {
		if _, err := k.Authenticate(r, Basic); resource.CodeOf(err) != resource.Unauthorized {
			t.Fatalf("a wrong password: %v", err)
		}
	}
	r.Header.Set("Authorization", basic("alice", "pw"))
	_, err = k.Authenticate(r, Basic)
	if p := k.ProblemOf(r, err, nil); p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" {
		t.Fatalf("after the burst: %d %v, want 429 with Retry-After", p.Status, err)
	}
}

func TestTenancy(t *testing.T) {
	admin := &identity.Principal{TenantID: "admin", Roles: []string{identity.RoleAdmin}}
	alice := &identity.Principal{TenantID: "t1", Roles: []string{identity.RoleMember}}
	reg := resource.NewBuiltinRegistry()
	network, _ := reg.Info(resource.KindNetwork)
	location, _ := reg.Info(resource.KindLocation)
	tenant, _ := reg.Info(resource.KindTenant)
	event, _ := reg.Info(resource.KindEvent)
	theirs := &resource.Resource{Tenant: "t2"}
	mine := &resource.Resource{Tenant: "t1"}
	for name, tc := range map[string]struct {
		p    *identity.Principal
		info resource.KindInfo
		r    *resource.Resource
		want bool
	}{
		"a member sees their network":      {alice, network, mine, true},
		"a member does not see another's":  {alice, network, theirs, false},
		"an administrator sees everything": {admin, network, theirs, true},
		"locations are shared":             {alice, location, theirs, true},
		"tenants are for administrators":   {alice, tenant, mine, false},
		"events of one's own tenant":       {alice, event, mine, true},
		"events of another tenant":         {alice, event, theirs, false},
	} {
		if got := Visible(tc.p, tc.info, tc.r); got != tc.want {
			t.Errorf("%s: Visible = %v", name, got)
		}
	}
	if got := ListTenant(alice, network); got != "t1" {
		t.Errorf("a member's list tenant %q", got)
	}
	if got := ListTenant(admin, network); got != "" {
		t.Errorf("an administrator's list tenant %q", got)
	}
	if got, err := OwnerTenant(alice, network, "", "tenant"); got != "t1" || err != nil {
		t.Errorf("a member's default tenant %q, %v", got, err)
	}
	if _, err := OwnerTenant(alice, network, "t2", "tenant"); resource.CodeOf(err) != resource.Forbidden || resource.FieldOf(err) != "tenant" {
		t.Errorf("a member naming another tenant: %v", err)
	}
	if got, err := OwnerTenant(admin, network, "t2", "tenant"); got != "t2" || err != nil {
		t.Errorf("an administrator naming a tenant: %q, %v", got, err)
	}
}

// countingChecker counts password verifications.
type countingChecker struct {
	identity.PasswordChecker
	n int
}

func (c *countingChecker) CheckPassword(ctx context.Context, user, password, project string) (*identity.Principal, error) {
	c.n++
	return c.PasswordChecker.CheckPassword(ctx, user, password, project)
}

// TestBasicCredentialsAreVerifiedOnce: a client sending basic credentials
// with every request costs one verification; other passwords are still
// verified (and refused).
func TestBasicCredentialsAreVerifiedOnce(t *testing.T) {
	users, err := identity.NewStaticUsers([]identity.User{{Name: "esc", Password: "pw", TenantID: "t1"}}, &identity.UsersOptions{Iterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingChecker{PasswordChecker: users}
	k := newKit(t, &Options{Passwords: counter})
	req := func(password string) error {
		r := httptest.NewRequest("GET", "/", nil)
		r.SetBasicAuth("esc", password)
		_, err := k.Authenticate(r, Basic)
		return err
	}
	for range 5 {
		if err := req("pw"); err != nil {
			t.Fatal(err)
		}
	}
	if counter.n != 1 {
		t.Errorf("%d verifications for 5 requests, want 1", counter.n)
	}
	if err := req("wrong"); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("a wrong password: %v", err)
	}
	if err := req("wrong"); resource.CodeOf(err) != resource.Unauthorized || counter.n != 3 {
		t.Errorf("a wrong password again: %v after %d verifications, want it verified again (3)", err, counter.n)
	}
}

// TestKitTokens: the Kit finds the token issuer it accepts, alone or in a
// chain, so the status pages sign browsers in with the API's tokens.
func TestKitTokens(t *testing.T) {
	tokens := identity.NewTokens(time.Hour)
	other := identity.Chain{} // an authenticator that is not a token issuer
	for name, tc := range map[string]struct {
		auth identity.Authenticator
		want *identity.Tokens
	}{
		"tokens":                 {tokens, tokens},
		"tokens after another":   {identity.Chain{other, tokens}, tokens},
		"no tokens in the chain": {identity.Chain{other, identity.Chain{}}, nil},
		"another authenticator":  {other, nil},
	} {
		if got := newKit(t, &Options{Auth: tc.auth}).Tokens(); got != tc.want {
			t.Errorf("%s: Tokens() = %p, want %p", name, got, tc.want)
		}
	}
}
