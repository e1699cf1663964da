package apitest

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store/memstore"
)

// InProcess is a surface over an in-memory store with no orchestrator
// running, served without sockets: fast enough for fuzzing its request
// decoders. Tenant t1 has a flavor fl, an image img, a network net and a
// server group sg to name.
type InProcess struct {
	H             http.Handler
	Member, Admin string // tokens: alice of t1, and an administrator
	O             *orca.Orchestrator
}

// NewInProcess mounts m over a fresh orchestrator.
func NewInProcess(tb testing.TB, m Mount) *InProcess {
	tb.Helper()
	s := memstore.New(nil)
	// A keyring, so that requests sealing credentials (ESC's VIM users
	// and file servers) are answered as in production, not with 503.
	keys, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	o := orca.New(s, &orca.Options{Logger: slog.New(slog.DiscardHandler), Keyring: keys})
	tokens := identity.NewTokens(time.Hour)
	h, err := httpapi.New(o, &httpapi.Options{Auth: tokens, MaxBodyBytes: 4096, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	sh, _, err := m(o, h.Kit())
	if err != nil {
		tb.Fatal(err)
	}
	ctx := tb.Context()
	for _, r := range []*resource.Resource{
		{Ref: resource.Ref{Kind: resource.KindTenant, ID: "t1"}, Name: "t1", Spec: &resource.Tenant{}},
		{Ref: resource.Ref{Kind: resource.KindFlavor, ID: "fl"}, Tenant: "t1", Spec: &resource.Flavor{RAM: 64, VCPUs: 1}},
		{Ref: resource.Ref{Kind: resource.KindImage, ID: "img"}, Tenant: "t1", Spec: &resource.Image{DiskFormat: "raw", ContainerFormat: "bare"}},
		{Ref: resource.Ref{Kind: resource.KindNetwork, ID: "net"}, Tenant: "t1", Spec: &resource.Network{CIDR: "10.0.0.0/24"}},
		{Ref: resource.Ref{Kind: resource.KindServerGroup, ID: "sg"}, Tenant: "t1", Name: "sg", Spec: &resource.ServerGroup{Policy: "affinity"}},
	} {
		if _, err := o.Create(ctx, r); err != nil {
			tb.Fatal(err)
		}
	}
	member, _ := tokens.Issue(&identity.Principal{UserID: "alice", TenantID: "t1", Roles: []string{identity.RoleMember}})
	admin, _ := tokens.Issue(&identity.Principal{UserID: "admin", TenantID: "admin", Roles: []string{identity.RoleAdmin}})
	return &InProcess{H: sh, Member: member, Admin: admin, O: o}
}

// Serve answers one request.
func (p *InProcess) Serve(method, target, token, contentType, body string) *httptest.ResponseRecorder {
	return p.Do(p.Request(method, target, token, contentType, body))
}

// Do answers a request made with Request (and changed as a test likes).
func (p *InProcess) Do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	p.H.ServeHTTP(rec, req)
	return rec
}

// Request makes a request for Do.
func (p *InProcess) Request(method, target, token, contentType, body string) *http.Request {
	req := httptest.NewRequest(method, "http://orca.test/", strings.NewReader(body))
	// target may hold anything a fuzzer makes: set the URL's parts
	// without parsing them as a request line would refuse.
	if u, err := req.URL.Parse(target); err == nil {
		req.URL = u
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	return req
}
