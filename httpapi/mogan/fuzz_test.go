package mogan_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/mogan"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
	"github.com/orca-nfv/orca/internal/testutil/fuzzreq"
)

// FuzzRequests sends arbitrary methods, paths, queries, bodies (JSON
// Patch documents among them) and headers (Content-Type, Accept,
// X-Auth-Token, OpenStack-API-Version) to the instances API: no request
// panics or answers 5xx, and every error is Mogan's error_message, a
// string of JSON.
func FuzzRequests(f *testing.F) {
	p := apitest.NewInProcess(f, func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
		return mogan.New(b, kit, nil), mogan.Paths, nil
	})
	// An instance to patch, power and lock.
	create := `{"name":"bm","instance_type_uuid":"fl","image_uuid":"img","networks":[{"net_id":"net","port_type":"x"}],"extra":{"a":"b"}}`
	rec := p.Serve("POST", "/v1/instances", p.Member, "application/json", create)
	if rec.Code != 201 {
		f.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var inst map[string]any
	json.Unmarshal(rec.Body.Bytes(), &inst)
	id := inst["uuid"].(string)
	f.Add(uint8(1), "", "", create, false, "")
	f.Add(uint8(4), "/"+id, "", `[{"op":"replace","path":"/extra/a","value":"c"},{"op":"test","path":"/name","value":"bm"}]`, false, "Content-Type: application/json-patch+json")
	f.Add(uint8(4), "/"+id, "", `[{"op":"remove","path":"/description"},{"op":"add","path":"/extra/k","value":"v"}]`, true, "")
	f.Add(uint8(2), "/"+id+"/states/power", "", `{"target":"soft_off"}`, false, "")
	f.Add(uint8(2), "/"+id+"/states/lock", "", `{"target":true}`, true, "")
	f.Add(uint8(0), "", "?fields=uuid,status&all_tenants=true", "", true, "Accept: application/json;q=0.5, text/html")
	f.Add(uint8(0), "/detail", "?all_tenants=0", "", false, "Accept: application/xml")
	f.Add(uint8(0), "/"+id+"/states", "", "", false, "X-Auth-Token: forged")
	f.Add(uint8(4), "/"+id, "", `[{"op":"move","from":"/name","path":"/extra/n"}]`, false, "Content-Type: application/merge-patch+json")
	f.Add(uint8(1), "", "", create, true, "Content-Type: text/plain\nOpenStack-API-Version: baremetal-compute 1.99")
	f.Fuzz(func(t *testing.T, method uint8, rest, query, body string, admin bool, headers string) {
		token := p.Member
		if admin {
			token = p.Admin
		}
		m := []string{"GET", "POST", "PUT", "DELETE", "PATCH"}[int(method)%5]
		req := p.Request(m, "/v1/instances"+rest+query, token, "application/json", body)
		fuzzreq.SetHeaders(req.Header, headers)
		rec := p.Do(req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s%s %q (headers %q): %d %s", m, rest, query, body, headers, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var obj struct {
				ErrorMessage string `json:"error_message"`
			}
			var fault map[string]any
			if json.Unmarshal(rec.Body.Bytes(), &obj) != nil || json.Unmarshal([]byte(obj.ErrorMessage), &fault) != nil || fault["faultstring"] == "" {
				t.Fatalf("%s %s%s (headers %q): %d with a body that is not Mogan's error: %q", m, rest, query, headers, rec.Code, rec.Body)
			}
		}
	})
}
