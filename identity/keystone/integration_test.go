//go:build integration

package keystone

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// TestIntegrationKeystone validates a token issued by the Keystone the OS_*
// variables name (scripts/integration sources them).
func TestIntegrationKeystone(t *testing.T) {
	authURL := os.Getenv("OS_AUTH_URL")
	if authURL == "" {
		t.Skip("OS_AUTH_URL is not set: source an openrc (scripts/integration does)")
	}
	domain := func(k string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return "Default"
	}
	body, _ := json.Marshal(map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": os.Getenv("OS_USERNAME"), "password": os.Getenv("OS_PASSWORD"), "domain": map[string]any{"name": domain("OS_USER_DOMAIN_NAME")}}}},
		"scope": map[string]any{"project": map[string]any{"name": os.Getenv("OS_PROJECT_NAME"), "domain": map[string]any{"name": domain("OS_PROJECT_DOMAIN_NAME")}}},
	}})
	resp, err := http.Post(authURL+"/auth/tokens", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	token := resp.Header.Get("X-Subject-Token")
	if resp.StatusCode != http.StatusCreated || token == "" {
		t.Fatalf("keystone login: %s", resp.Status)
	}
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
