package identity

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orca-nfv/orca/resource"
)

const cheap = 1000 // PBKDF2 iterations for tests; production uses DefaultIterations

func TestHashAndVerify(t *testing.T) {
	h, err := HashPassword("correct horse", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "correct") || !strings.HasPrefix(h, "pbkdf2-sha256$1000$") {
		t.Fatalf("hash %q", h)
	}
	if !VerifyPassword(h, "correct horse") {
		t.Error("the right password does not verify")
	}
	if VerifyPassword(h, "correct horsE") || VerifyPassword(h, "") {
		t.Error("a wrong password verifies")
	}
	if h2, _ := HashPassword("correct horse", cheap); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "pbkdf2-sha256$x$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "sha1$1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"pbkdf2-sha256$1000$!!$aGFzaGhhc2hoYXNoaGFzaA", "pbkdf2-sha256$99999999999$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if VerifyPassword(bad, "plain") || IsHash(bad) {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
	if def, _ := HashPassword("x", 0); !strings.HasPrefix(def, "pbkdf2-sha256$600000$") {
		t.Errorf("default work factor: %q", def)
	}
}

func TestTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		tok := NewTokens(time.Hour)
		p := &Principal{UserID: "u", UserName: "u", TenantID: "t", Roles: []string{RoleAdmin}}
		token, issued := tok.Issue(p)
		if len(token) < 40 || issued.ExpiresAt != time.Now().Add(time.Hour).UTC().Truncate(time.Second) {
			t.Fatalf("token %q expires %v", token, issued.ExpiresAt)
		}
		got, err := tok.Authenticate(ctx, token)
		if err != nil || got.UserID != "u" || !got.IsAdmin() {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		got.Roles[0] = "member" // callers cannot change the session
		if again, _ := tok.Authenticate(ctx, token); !again.IsAdmin() {
			t.Error("a returned principal aliases the session")
		}
		for _, bad := range []string{"", "nope", token + "x"} {
			if _, err := tok.Authenticate(ctx, bad); resource.CodeOf(err) != resource.Unauthorized {
				t.Errorf("Authenticate(%q) = %v, want Unauthorized", bad, err)
			}
		}
		time.Sleep(time.Hour)
		if _, err := tok.Authenticate(ctx, token); resource.CodeOf(err) != resource.Unauthorized {
			t.Errorf("an expired token authenticates: %v", err)
		}
		token2, _ := tok.Issue(p)
		tok.Revoke(token2)
		if _, err := tok.Authenticate(ctx, token2); resource.CodeOf(err) != resource.Unauthorized {
			t.Errorf("a revoked token authenticates: %v", err)
		}
		// Expired sessions are swept as new tokens are issued.
		for range 300 {
			tok.Issue(p)
		}
		time.Sleep(2 * time.Hour)
		for range 256 {
			tok.Issue(p)
		}
		tok.mu.Lock()
		n := len(tok.sessions)
		tok.mu.Unlock()
		if n > 256 {
			t.Errorf("%d sessions kept; expired ones are not swept", n)
		}
	})
}

func TestStaticUsers(t *testing.T) {
	ctx := context.Background()
	hash, _ := HashPassword("hashed-pw", cheap)
	users, err := NewStaticUsers([]User{
		{Name: "alice", Password: "alice-pw", TenantID: "t1"},
		{Name: "root", PasswordHash: hash, TenantID: "admin", Roles: []string{RoleAdmin}},
	}, &UsersOptions{Iterations: cheap})
	if err != nil {
		t.Fatal(err)
	}
	if u := users.users["alice"]; u.Password != "" || !VerifyPassword(u.PasswordHash, "alice-pw") {
		t.Errorf("the plaintext password is kept: %+v", u)
	}
	p, err := users.CheckPassword(ctx, "alice", "alice-pw", "")
	if err != nil || p.TenantID != "t1" || p.IsAdmin() || p.Roles[0] != RoleMember {
		t.Fatalf("alice: %+v, %v", p, err)
	}
	if p, err := users.CheckPassword(ctx, "root", "hashed-pw", "admin"); err != nil || !p.IsAdmin() {
		t.Errorf("root: %+v, %v", p, err)
	}
	var msgs []string
	for _, c := range [][3]string{{"alice", "wrong", ""}, {"bob", "alice-pw", ""}, {"alice", "alice-pw", "t2"}} {
		_, err := users.CheckPassword(ctx, c[0], c[1], c[2])
		if resource.CodeOf(err) != resource.Unauthorized {
			t.Errorf("login %v = %v, want Unauthorized", c, err)
		}
		msgs = append(msgs, err.Error())
	}
	if msgs[0] != msgs[1] || msgs[1] != msgs[2] {
		t.Errorf("failed logins tell their reasons apart: %q", msgs)
	}

	for name, bad := range map[string][]User{
		"duplicate":      {{Name: "a", Password: "x", TenantID: "t"}, {Name: "a", Password: "y", TenantID: "t"}},
		"bad role":       {{Name: "a", Password: "x", TenantID: "t", Roles: []string{"root"}}},
		"both passwords": {{Name: "a", Password: "x", PasswordHash: hash, TenantID: "t"}},
		"no password":    {{Name: "a", TenantID: "t"}},
		"bad hash":       {{Name: "a", PasswordHash: "md5$x", TenantID: "t"}},
		"bad name":       {{Name: "a b", Password: "x", TenantID: "t"}},
		"no tenant":      {{Name: "a", Password: "x"}},
	} {
		if _, err := NewStaticUsers(bad, &UsersOptions{Iterations: cheap}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}

	path := filepath.Join(t.TempDir(), "users.json")
	os.WriteFile(path, []byte(`[{"name":"bob","password":"bob-pw","tenant_id":"t2","roles":["member"]}]`), 0o600)
	fromFile, err := LoadUsersFile(path, &UsersOptions{Iterations: cheap})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fromFile.CheckPassword(ctx, "bob", "bob-pw", "t2"); err != nil {
		t.Errorf("bob from the file: %v", err)
	}
	os.WriteFile(path, []byte(`[{"name":"bob","pasword":"typo","tenant_id":"t2"}]`), 0o600)
	if _, err := LoadUsersFile(path, nil); err == nil || !strings.Contains(err.Error(), "pasword") {
		t.Errorf("a misspelt field was accepted: %v", err)
	}
	if err := fromFile.Add(User{Name: "admin", Password: "generated", TenantID: "admin", Roles: []string{RoleAdmin}}, &UsersOptions{Iterations: cheap}); err != nil {
		t.Fatal(err)
	}
	if p, err := fromFile.CheckPassword(ctx, "admin", "generated", ""); err != nil || !p.IsAdmin() {
		t.Errorf("added admin: %+v, %v", p, err)
	}
}

// authFunc adapts a function to Authenticator.
type authFunc func(ctx context.Context, token string) (*Principal, error)

func (f authFunc) Authenticate(ctx context.Context, token string) (*Principal, error) {
	return f(ctx, token)
}

func TestChain(t *testing.T) {
	accept := func(user string) Authenticator {
		return authFunc(func(context.Context, string) (*Principal, error) { return &Principal{UserName: user}, nil })
	}
	refuse := authFunc(func(context.Context, string) (*Principal, error) {
		return nil, resource.Errorf(resource.Unauthorized, "unknown token")
	})
	down := authFunc(func(context.Context, string) (*Principal, error) {
		return nil, resource.Errorf(resource.Unavailable, "keystone is unreachable")
	})
	tests := map[string]struct {
		chain    Chain
		wantUser string
		wantCode resource.ErrorCode
	}{
		"first accepts":               {chain: Chain{accept("a"), accept("b")}, wantUser: "a"},
		"second accepts":              {chain: Chain{refuse, accept("b")}, wantUser: "b"},
		"accepted despite an outage":  {chain: Chain{down, accept("b")}, wantUser: "b"},
		"all refuse":                  {chain: Chain{refuse, refuse}, wantCode: resource.Unauthorized},
		"refused and down is outage":  {chain: Chain{refuse, down}, wantCode: resource.Unavailable},
		"down then refused is outage": {chain: Chain{down, refuse}, wantCode: resource.Unavailable},
		"empty":                       {chain: Chain{}, wantCode: resource.Unauthorized},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := tc.chain.Authenticate(t.Context(), "tok")
			if tc.wantUser != "" {
				if err != nil || p.UserName != tc.wantUser {
					t.Fatalf("Authenticate = %+v, %v; want user %s", p, err, tc.wantUser)
				}
				return
			}
			if resource.CodeOf(err) != tc.wantCode {
				t.Fatalf("Authenticate = %+v, %v; want code %v", p, err, tc.wantCode)
			}
		})
	}
}

func TestStaticUsersTenants(t *testing.T) {
	users, err := NewStaticUsers([]User{
		{Name: "a", Password: "p", TenantID: "t2"}, {Name: "b", Password: "p", TenantID: "t1"}, {Name: "c", Password: "p", TenantID: "t2"},
	}, &UsersOptions{Iterations: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := users.Tenants(); !slices.Equal(got, []string{"t1", "t2"}) {
		t.Errorf("Tenants = %v, want [t1 t2]", got)
	}
}
