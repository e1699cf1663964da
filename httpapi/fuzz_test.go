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
	"github.com/orca-nfv/orca/internal/testutil/fuzzreq"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
)

// FuzzRequests sends arbitrary bodies, methods, paths, queries and
// headers (If-Match, Content-Type, Accept, X-Auth-Token, X-Subject-Token,
// ...) to every kind's routes, the identity and ops endpoints and any
// other path, as a member and as an administrator. No request may panic or
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
		f.Add(uint8(i), uint8(1), false, raw, "", "", "")
	}
	f.Add(uint8(0), uint8(2), true, `{"network": {"cidr": 5}}`, "cidr=1&limit=x", "", "")
	f.Add(uint8(3), uint8(0), false, ``, "sort_key=created_at&sort_order=desc&limit=1", "", "Accept: application/xml")
	f.Add(uint8(1), uint8(3), true, `{"auth": {"identity": {"methods": ["password"]}}}`, "", "", "")
	f.Add(uint8(1), uint8(3), false, `{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "u", "password": "p"}}}}}`, "", "", "Content-Type: text/plain")
	f.Add(uint8(1), uint8(10), true, ``, "", "", "X-Subject-Token: nope") // GET /v3/auth/tokens
	f.Add(uint8(2), uint8(2), true, `{"network": {"name": "n"}}`, "", "", "If-Match: W/\"1\"")
	f.Add(uint8(2), uint8(3), false, ``, "", "/", "If-Match: \"99\"")
	f.Add(uint8(2), uint8(5), false, ``, "", "/../../healthz", "X-Auth-Token: forged")
	f.Add(uint8(4), uint8(10), true, ``, "", "debug/vars", "Content-Type: application/json; charset=\"")
	f.Add(uint8(0), uint8(10), false, ``, "", "v1.0/tenant/local_networks/x%2Fy", "Accept: */*;q=0")
	f.Fuzz(func(t *testing.T, k, method uint8, asAdmin bool, body, query, rest, headers string) {
		info, _ := h.reg.Info(kinds[int(k)%len(kinds)])
		path := info.Path
		m := []string{"GET", "POST", "PUT", "DELETE"}[method%4]
		if m == "PUT" || m == "DELETE" || method%5 == 0 {
			path += "/fz-" + string(info.Kind)
		}
		if method%7 == 3 {
			path = "/v3/auth/tokens"
		}
		path += rest
		if method%11 == 10 {
			path = "/" + rest // any path at all: the handler answers every one
		}
		req := httptest.NewRequest(m, "/", strings.NewReader(body))
		// Whatever path a client sends that parses as a URL; the query
		// as is, parsed by the handler.
		if u, err := req.URL.Parse(path); err == nil {
			req.URL = u
		}
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/json")
		tok := member
		if asAdmin {
			tok = admin
		}
		req.Header.Set("X-Auth-Token", tok)
		fuzzreq.SetHeaders(req.Header, headers)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q (headers %q): %d %s", m, path, body, headers, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !strings.Contains(rec.Body.String(), `"error"`) {
			t.Fatalf("%s %s (headers %q): %d without an error body: %s", m, path, headers, rec.Code, rec.Body)
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
