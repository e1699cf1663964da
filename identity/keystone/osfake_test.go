package keystone

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/resource"
)

// TestAgainstWireKeystone validates tokens over HTTP with the stateful
// Keystone of osfake: a fresh token is accepted with its project and
// roles; after the cache's life, an expired one is refused.
func TestAgainstWireKeystone(t *testing.T) {
	cloud := osfake.New(&osfake.Options{Users: []osfake.User{
		{Name: "alice", Password: "alice-pw", Roles: map[string][]string{"demo": {"member", "reader"}}},
	}})
	t.Cleanup(cloud.Close)
	body := `{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "alice", "domain": {"name": "Default"}, "password": "alice-pw"}}},
		"scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}}`
	resp, err := http.Post(cloud.AuthURL()+"/auth/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	token := resp.Header.Get("X-Subject-Token")
	if resp.StatusCode != http.StatusCreated || token == "" {
		t.Fatalf("login: %s", resp.Status)
	}
	a, err := New(&Options{URL: cloud.AuthURL(), CacheTTL: 1}) // every call asks Keystone
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if p.UserName != "alice" || p.TenantID != cloud.ProjectID("demo") || p.IsAdmin() || len(p.Roles) != 1 || p.Roles[0] != identity.RoleMember {
		t.Errorf("principal %+v", p)
	}
	cloud.ExpireTokens()
	if _, err := a.Authenticate(context.Background(), token); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("an expired token: %v, want Unauthorized", err)
	}
}
