package trema_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/trema"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/fuzzreq"
)

// FuzzRequests sends arbitrary methods, paths, queries, bodies and
// headers (Content-Type, Accept, X-Auth-Token, Authorization) to the
// tenants API as a member and as an administrator: no request panics or
// answers 5xx, and every error is a line of text saying what was wrong.
func FuzzRequests(f *testing.F) {
	p := apitest.NewInProcess(f, func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
		return trema.New(b, kit), trema.Paths, nil
	})
	f.Add(uint8(1), "", "", `{"id":"t9","description":"d"}`, true, "")
	f.Add(uint8(2), "/t1", "", `{"description":"new"}`, true, "")
	f.Add(uint8(3), "/t1", "", ``, true, "")
	f.Add(uint8(0), "/t1", "", ``, false, "")
	f.Add(uint8(1), "", "", `{"id":null}`, false, "")
	f.Add(uint8(0), "", "?id=t1&id=t2&description=", ``, false, "Accept: text/html")
	f.Add(uint8(1), "", "", `{"id":"t8"}`, true, "Content-Type: text/plain")
	f.Add(uint8(2), "/t1", "", `{"description":"x"}`, true, "Content-Type: application/merge-patch+json; charset=utf-8")
	f.Add(uint8(0), "/t1/", "", ``, false, "X-Auth-Token: \nAuthorization: Token forged")
	f.Add(uint8(3), "/t1", "?force=true", ``, true, "X-Auth-Token: forged")
	f.Fuzz(func(t *testing.T, method uint8, rest, query, body string, admin bool, headers string) {
		token := p.Member
		if admin {
			token = p.Admin
		}
		m := []string{"GET", "POST", "PUT", "DELETE"}[int(method)%4]
		req := p.Request(m, "/tenants"+rest+query, token, "application/json", body)
		fuzzreq.SetHeaders(req.Header, headers)
		rec := p.Do(req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s%s %q (headers %q): %d %s", m, rest, query, body, headers, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && (!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") || strings.TrimSpace(rec.Body.String()) == "") {
			t.Fatalf("%s %s%s (headers %q): %d without a text body: %q", m, rest, query, headers, rec.Code, rec.Body)
		}
	})
}
