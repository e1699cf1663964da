package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/internal/testutil/wait"
)

func TestEmbeddedService(t *testing.T) {
	svc, err := newService([]identity.User{{Name: "ops", Password: "pw", TenantID: "ops", Roles: []string{identity.RoleAdmin}}}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.orca.Run(ctx) }()
	defer func() { cancel(); <-done }()
	srv := httptest.NewServer(svc)
	defer srv.Close()

	do := func(method, path, token, body string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		json.Unmarshal(raw, &out)
		return resp, out
	}
	if resp, _ := do("GET", "/hello", "", ""); resp.StatusCode != 200 {
		t.Errorf("the service's own route: %d", resp.StatusCode)
	}
	resp, _ := do("POST", "/orca/v3/auth/tokens", "", `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"ops","password":"pw"}}}}}`)
	tok := resp.Header.Get("X-Subject-Token")
	if resp.StatusCode != 201 || tok == "" {
		t.Fatalf("login through the mount: %d", resp.StatusCode)
	}
	resp, _ = do("POST", "/orca/v1.0/tenant/networks", tok, `{"network":{"id":"n1","cidr":"10.0.0.0/16","local_prefix_len":24}}`)
	if resp.StatusCode != 201 || resp.Header.Get("Location") != "/orca/v1.0/tenant/networks/n1" {
		t.Fatalf("create under /orca: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	wait.Until(t, "n1 ready at both edge locations", func() bool {
		_, body := do("GET", "/orca/v1.0/tenant/local_networks?network_id=n1&status=Ready", tok, "")
		items, _ := body["local_networks"].([]any)
		return len(items) == 2
	})
}
