// Package osenv gives integration tests (build tag integration) the real
// OpenStack that the standard OS_* variables name, as an openrc sets them
// (scripts/integration sources ../shared/openstack's). Tests import it;
// nothing else does.
package osenv

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/vim"
)

// AuthURL returns $OS_AUTH_URL, or skips the test when it is unset.
func AuthURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("OS_AUTH_URL")
	if u == "" {
		t.Skip("OS_AUTH_URL is not set: source an openrc (scripts/integration does)")
	}
	return u
}

func orDefault(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Credentials are the OS_* credentials: a password scoped to a project, or
// an application credential.
func Credentials() *vim.Credentials {
	return &vim.Credentials{
		Username: os.Getenv("OS_USERNAME"), Password: os.Getenv("OS_PASSWORD"),
		ProjectName: os.Getenv("OS_PROJECT_NAME"), ProjectID: os.Getenv("OS_PROJECT_ID"),
		UserDomain: orDefault("OS_USER_DOMAIN_NAME", "Default"), ProjectDomain: orDefault("OS_PROJECT_DOMAIN_NAME", "Default"),
		ApplicationCredentialID: os.Getenv("OS_APPLICATION_CREDENTIAL_ID"), ApplicationCredentialSecret: os.Getenv("OS_APPLICATION_CREDENTIAL_SECRET"),
	}
}

// Login gets a project-scoped token with the OS_* password and returns it
// with the catalog's public endpoints by service type.
func Login(t *testing.T, authURL string) (token string, catalog map[string]string) {
	t.Helper()
	c := Credentials()
	body, _ := json.Marshal(map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": c.Username, "password": c.Password, "domain": map[string]any{"name": c.UserDomain}}}},
		"scope": map[string]any{"project": map[string]any{"name": c.ProjectName, "domain": map[string]any{"name": c.ProjectDomain}}},
	}})
	resp, err := http.Post(authURL+"/auth/tokens", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Token struct {
			Catalog []struct {
				Type      string `json:"type"`
				Endpoints []struct {
					Interface string `json:"interface"`
					URL       string `json:"url"`
				} `json:"endpoints"`
			} `json:"catalog"`
		} `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("keystone login: %v", err)
	}
	token = resp.Header.Get("X-Subject-Token")
	if resp.StatusCode != http.StatusCreated || token == "" {
		t.Fatalf("keystone login: %s", resp.Status)
	}
	catalog = map[string]string{}
	for _, s := range doc.Token.Catalog {
		for _, e := range s.Endpoints {
			if e.Interface == "public" {
				catalog[s.Type] = strings.TrimSuffix(e.URL, "/")
			}
		}
	}
	return token, catalog
}
