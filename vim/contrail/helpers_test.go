package contrail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/contrail"
)

// issuer is a TokenSource logging in to the fake: each call is a new
// login.
type issuer struct {
	srv   *contrailfake.Server
	calls atomic.Int32
}

func (i *issuer) Token(context.Context) (string, error) {
	i.calls.Add(1)
	return i.srv.IssueToken(), nil
}

// sent is one request the driver made, its JSON body decoded.
type sent struct {
	Method, Path string
	Body         any
}

// recorder is a RoundTripper keeping what the driver sends.
type recorder struct {
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	s := sent{Method: req.Method, Path: req.URL.RequestURI()}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		if err := json.Unmarshal(b, &s.Body); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, s)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// take returns the requests recorded since the last take.
func (r *recorder) take() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// env is a driver over a fake, with what it sends recorded.
type env struct {
	t   *testing.T
	srv *contrailfake.Server
	d   *contrail.Driver
	rec *recorder
	iss *issuer
}

// newFake starts a fake (Keystone mode unless fo says otherwise) and a
// driver logged in to it.
func newFake(t *testing.T, fo *contrailfake.Options) (*contrailfake.Server, *contrail.Driver, *issuer) {
	e := newEnv(t, fo)
	return e.srv, e.d, e.iss
}

func newEnv(t *testing.T, fo *contrailfake.Options, driverOpts ...func(*contrail.Options)) *env {
	t.Helper()
	if fo == nil {
		fo = &contrailfake.Options{RequireToken: true}
	}
	srv := contrailfake.New(fo)
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, rec: &recorder{}, iss: &issuer{srv: srv}}
	opts := &contrail.Options{HTTPClient: &http.Client{Transport: e.rec, Timeout: time.Minute}}
	if fo.RequireToken {
		opts.Tokens = e.iss
	}
	for _, f := range driverOpts {
		f(opts)
	}
	d, err := contrail.New(srv.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	e.d = d
	return e
}

// create makes o, records its external ID and returns it.
func (e *env) create(o *vim.Object) string {
	e.t.Helper()
	id, err := e.d.Create(context.Background(), o)
	if err != nil {
		e.t.Fatalf("Create(%s): %v", o, err)
	}
	o.ExternalID = id
	return id
}

func (e *env) observe(o *vim.Object) vim.Observation {
	e.t.Helper()
	obs, err := e.d.Observe(context.Background(), o)
	if err != nil {
		e.t.Fatalf("Observe(%s): %v", o, err)
	}
	return obs
}

// get returns the fake's view of an object of the admin project (or, for
// a service template, of the domain).
func (e *env) get(typ, name string) map[string]any {
	e.t.Helper()
	fq := []string{"default-domain", "admin", name}
	if typ == "service-template" {
		fq = []string{"default-domain", name}
	}
	o, ok := e.srv.Get(typ, fq...)
	if !ok {
		e.t.Fatalf("the fake has no %s %s", typ, name)
	}
	return o
}

// put changes an object out of band, as an operator would.
func (e *env) put(typ, uuid, body string) {
	e.t.Helper()
	req, _ := http.NewRequest("PUT", e.srv.URL()+"/"+typ+"/"+uuid, bytes.NewReader([]byte(body)))
	req.Header.Set("X-Auth-Token", e.srv.IssueToken())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		e.t.Fatalf("out-of-band PUT %s: %d", typ, res.StatusCode)
	}
}

func network(id string, cidr string, rts ...int64) *vim.Object {
	o := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: id}, Kind: resource.KindNetwork,
		Name: "net " + id, Spec: &resource.Network{Description: "network " + id, CIDR: cidr}}
	for _, rt := range rts {
		o.Parts = append(o.Parts, vim.Part{Ref: resource.Ref{Kind: resource.KindRouteTargetAssociation, ID: id + "-rt"},
			Spec: &resource.RouteTargetAssociation{NetworkID: id, RouteTarget: rt}})
	}
	return o
}

// policyBetween is a policy between two created networks, named in its
// spec by the global IDs "global-<local ID>".
func policyBetween(id string, src, dst *vim.Object, entries ...resource.PolicyEntry) *vim.Object {
	srcID, dstID := "global-"+src.Ref.ID, "global-"+dst.Ref.ID
	return &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalNetworkPolicy, ID: id}, Kind: resource.KindNetworkPolicy,
		Name: "policy " + id,
		Spec: &resource.NetworkPolicy{Description: "policy " + id, SourceNetworkID: srcID, DestNetworkID: dstID, Entries: entries},
		Deps: map[resource.Ref]vim.Dep{
			{Kind: resource.KindNetwork, ID: srcID}: {ExternalID: src.ExternalID, Name: src.Name, Spec: src.Spec},
			{Kind: resource.KindNetwork, ID: dstID}: {ExternalID: dst.ExternalID, Name: dst.Name, Spec: dst.Spec},
		}}
}

func template(id string) *vim.Object {
	return &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalServiceTemplate, ID: id}, Kind: resource.KindServiceTemplate,
		Name: "template " + id,
		Spec: &resource.ServiceTemplate{Description: "fw", ImageID: "img", FlavorID: "fl", ServiceMode: "in-network"},
		Deps: map[resource.Ref]vim.Dep{
			{Kind: resource.KindImage, ID: "img"}: {ExternalID: "glance-1", Name: "vsrx"},
			{Kind: resource.KindFlavor, ID: "fl"}: {ExternalID: "nova-1", Name: "m1.medium"},
		}}
}

func instance(id string, tmpl *vim.Object, props map[string]any) *vim.Object {
	return &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalServiceInstance, ID: id}, Kind: resource.KindServiceInstance,
		Name: "instance " + id,
		Spec: &resource.ServiceInstance{Description: "si", ServiceTemplateID: "global-" + tmpl.Ref.ID, ServiceInstanceProperties: props},
		Deps: map[resource.Ref]vim.Dep{{Kind: resource.KindServiceTemplate, ID: "global-" + tmpl.Ref.ID}: {ExternalID: tmpl.ExternalID}}}
}

func i64(v int64) *int64 { return &v }

// decoded is a JSON text decoded as the recorder decodes bodies.
func decoded(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad expected JSON: %v\n%s", err, s)
	}
	return v
}
