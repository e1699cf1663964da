//go:build integration

package keystone

import (
	"os"
	"testing"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/internal/testutil/osenv"
	"github.com/orca-nfv/orca/resource"
)

// TestIntegrationKeystone validates a token issued by the Keystone the OS_*
// variables name (scripts/integration sources them).
func TestIntegrationKeystone(t *testing.T) {
	authURL := osenv.AuthURL(t)
	token, _ := osenv.Login(t, authURL)
	a, err := New(&Options{URL: authURL})
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Authenticate(t.Context(), token)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if p.TenantID == "" || p.UserName != os.Getenv("OS_USERNAME") || len(p.Roles) == 0 {
		t.Errorf("principal %+v", p)
	}
	if os.Getenv("OS_USERNAME") == "admin" && !p.IsAdmin() {
		t.Errorf("admin is not an orca administrator: %+v", p)
	}
	if _, err := a.Authenticate(t.Context(), "gAAAAABnotARealFernetTokenAtAll"); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("a bogus token: %v", err)
	}
	var _ identity.Authenticator = a
}
