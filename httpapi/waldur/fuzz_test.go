package waldur_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/waldur"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/fuzzreq"
)

// FuzzRequests sends arbitrary methods, paths, queries, bodies and
// headers (Authorization: Token, X-Auth-Token, Content-Type, Accept) to
// the server-group API as a member and as staff: no request panics or
// answers 5xx, and every error is a DRF-shaped JSON object.
func FuzzRequests(f *testing.F) {
	p := apitest.NewInProcess(f, func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
		return waldur.New(b, kit, nil), waldur.Paths, nil
	})
	f.Add(uint8(1), "", "", `{"name":"g","policy":"affinity","tenant":"t1","service_settings":"http://x/api/service-settings/l/"}`, false, "")
	f.Add(uint8(0), "", "?state=OK&state=Erred&field=uuid&page=2&page_size=1&o=-name&name=a&customer=t1", "", true, "")
	f.Add(uint8(1), "sg/set_erred/", "", `{"error_message":"m","error_traceback":"t"}`, true, "")
	f.Add(uint8(1), "sg/pull/", "", ``, false, "")
	f.Add(uint8(3), "sg/", "?field=instances", "", false, "")
	f.Add(uint8(2), "sg/unlink/", "", `null`, true, "")
	f.Add(uint8(0), "sg/", "", "", false, "X-Auth-Token:\nAuthorization: Token forged")
	f.Add(uint8(0), "", "?page=1", "", false, "Authorization: Bearer x\nAccept: application/xml")
	f.Add(uint8(1), "", "", `{"name":"h"}`, false, "Content-Type: text/plain\nAccept: application/json; q=0")
	f.Add(uint8(1), "", "", `{"name":"h"}`, true, "Content-Type: application/vnd.api+json;;")
	f.Fuzz(func(t *testing.T, method uint8, rest, query, body string, staff bool, headers string) {
		token := p.Member
		if staff {
			token = p.Admin
		}
		m := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}[int(method)%6]
		req := p.Request(m, "/api/openstack-server-groups/"+rest+query, token, "application/json", body)
		fuzzreq.SetHeaders(req.Header, headers)
		rec := p.Do(req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s%s %q (headers %q): %d %s", m, rest, query, body, headers, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && m != "HEAD" {
			var obj map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil || len(obj) == 0 {
				t.Fatalf("%s %s%s (headers %q): %d with a body that is not a DRF error: %q", m, rest, query, headers, rec.Code, rec.Body)
			}
		}
	})
}
