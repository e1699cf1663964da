package esc_test

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
)

// FuzzRequests sends arbitrary methods, paths, bodies (XML and JSON) and
// formats to the ESC API: no request panics or answers 5xx, and every
// error carries ESC-Status-Code and a body in the format asked for.
func FuzzRequests(f *testing.F) {
	p := apitest.NewInProcess(f, func(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
		return esc.New(b, kit, nil), esc.Paths, nil
	})
	f.Add(uint8(1), "tenants/t9", `<tenant xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><name>n</name><enabled>true</enabled></tenant>`, false, true)
	f.Add(uint8(2), "tenants/t1", `{"name":"x","managed_resource":false}`, true, true)
	f.Add(uint8(0), "tenants", ``, true, false)
	f.Add(uint8(1), "tenants/t9", `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><tenant>&b;</tenant>`, false, true)
	f.Add(uint8(3), "tenants/t1", ``, false, true)
	f.Fuzz(func(t *testing.T, method uint8, rest, body string, asJSON, admin bool) {
		token := p.Member
		if admin {
			token = p.Admin
		}
		ct, accept := "application/xml", "application/xml"
		if asJSON {
			ct, accept = "application/json", "application/json"
		}
		m := []string{"GET", "POST", "PUT", "DELETE"}[int(method)%4]
		req := p.Request(m, "/v0/"+rest, token, ct, body)
		req.Header.Set("Accept", accept)
		rec := p.Do(req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", m, rest, body, rec.Code, rec.Body)
		}
		if rec.Code < 400 {
			return
		}
		if len(rec.Header()["ESC-Status-Code"]) == 0 { // the seed's spelling, kept as is
			t.Fatalf("%s %s: %d without ESC-Status-Code", m, rest, rec.Code)
		}
		var err error
		if asJSON {
			var v map[string]any
			err = json.Unmarshal(rec.Body.Bytes(), &v)
		} else {
			var v struct {
				Message string `xml:"message"`
			}
			err = xml.Unmarshal(rec.Body.Bytes(), &v)
			if err == nil && strings.TrimSpace(v.Message) == "" {
				t.Fatalf("%s %s: an XML error without a message: %s", m, rest, rec.Body)
			}
		}
		if err != nil {
			t.Fatalf("%s %s: %d with a body not in the format asked: %q", m, rest, rec.Code, rec.Body)
		}
	})
}
