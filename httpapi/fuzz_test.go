package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
)

// FuzzRequests sends arbitrary bodies, methods and queries to every kind's
// routes as a member and as an administrator. No request may panic or
// answer 5xx, every error must be a JSON error body, and whatever was
// stored must still be valid.
func FuzzRequests(f *testing.F) {
	s := memstore.New(nil)
	o := orca.New(s, &orca.Options{Logger: slog.New(slog.DiscardHandler)})
	tokens := identity.NewTokens(time.Hour)
	users, _ := identity.NewStaticUsers([]identity.User{{Name: "u", Password: "p", TenantID: "t1"}}, &identity.UsersOptions{Iterations: 1})
	h, err := New(o, &Options{Auth: tokens, Passwords: users, Tokens: tokens, MaxBodyBytes: 4096, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	member, _ := tokens.Issue(&identity.Principal{UserID: "u", TenantID: "t1", Roles: []string{identity.RoleMember}})
	admin, _ := tokens.Issue(&identity.Principal{UserID: "a", TenantID: "admin", Roles: []string{identity.RoleAdmin}})
	kinds := h.reg.Kinds()
	for i, r := range resourcetest.Samples("fz", "t1") {
		body := map[string]any{}
		info, _ := h.reg.Info(r.Kind)
		body[info.Singular] = h.render(r)
		raw, _ := jsonString(body)
		f.Add(uint8(i), uint8(1), false, raw, "")
	}
	f.Add(uint8(0), uint8(2), true, `{"network": {"cidr": 5}}`, "cidr=1&limit=x")
	f.Add(uint8(3), uint8(0), false, ``, "sort_key=created_at&sort_order=desc&limit=1")
	f.Add(uint8(1), uint8(3), true, `{"auth": {"identity": {"methods": ["password"]}}}`, "")
	f.Fuzz(func(t *testing.T, k, method uint8, asAdmin bool, body, query string) {
		info, _ := h.reg.Info(kinds[int(k)%len(kinds)])
		path := info.Path
		m := []string{"GET", "POST", "PUT", "DELETE"}[method%4]
		if m == "PUT" || m == "DELETE" || method%5 == 0 {
			path += "/fz-" + string(info.Kind)
		}
		if method%7 == 3 {
			path = "/v3/auth/tokens"
		}
		req := httptest.NewRequest(m, path, strings.NewReader(body))
		req.URL.RawQuery = query // whatever a client sends, parsed by the handler
		req.Header.Set("Content-Type", "application/json")
		tok := member
		if asAdmin {
			tok = admin
		}
		req.Header.Set("X-Auth-Token", tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", m, path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !strings.Contains(rec.Body.String(), `"error"`) {
			t.Fatalf("%s %s: %d without an error body: %s", m, path, rec.Code, rec.Body)
		}
		if rec.Code == http.StatusCreated || rec.Code == http.StatusOK && m == "PUT" {
			page, err := s.List(context.Background(), store.Filter{Kind: info.Kind})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Items {
				if _, err := h.reg.Encode(r); err != nil && resource.CodeOf(err) == resource.Invalid {
					t.Fatalf("an invalid %s was stored: %v", info.Kind, err)
				}
			}
		}
	})
}
