package trema_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/trema"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
)

// FuzzRequests sends arbitrary methods, paths and bodies to the tenants
// API: no request panics or answers 5xx, and every error is a line of
// text saying what was wrong.
func FuzzRequests(f *testing.F) {
	p := apitest.NewInProcess(f, func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
		return trema.New(b, kit), trema.Paths, nil
	})
	f.Add(uint8(1), "", `{"id":"t9","description":"d"}`, true)
	f.Add(uint8(2), "/t1", `{"description":"new"}`, true)
	f.Add(uint8(3), "/t1", ``, true)
	f.Add(uint8(0), "/t1", ``, false)
	f.Add(uint8(1), "", `{"id":null}`, false)
	f.Fuzz(func(t *testing.T, method uint8, rest, body string, admin bool) {
		token := p.Member
		if admin {
			token = p.Admin
		}
		m := []string{"GET", "POST", "PUT", "DELETE"}[int(method)%4]
		rec := p.Serve(m, "/tenants"+rest, token, "application/json", body)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", m, rest, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && (!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") || strings.TrimSpace(rec.Body.String()) == "") {
			t.Fatalf("%s %s: %d without a text body: %q", m, rest, rec.Code, rec.Body)
		}
	})
}
