package fakewire_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/fake/fakewire"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// machine makes, through d, a ready network, image and flavor and returns
// a server object booting on them (not yet created).
func machine(t *testing.T, d vim.Driver, id string) *vim.Object {
	t.Helper()
	ctx := t.Context()
	deps := map[resource.Ref]vim.Dep{}
	for _, o := range []*vim.Object{
		{Kind: resource.KindNetwork, Spec: &resource.Network{CIDR: "10.1.0.0/24"}},
		{Kind: resource.KindImage, Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "private"}},
		{Kind: resource.KindFlavor, Spec: &resource.Flavor{RAM: 64, VCPUs: 1}},
	} {
		o.Ref = resource.Ref{Kind: "local_" + o.Kind, ID: id + "-" + string(o.Kind)}
		o.Global = resource.Ref{Kind: o.Kind, ID: id + "-" + string(o.Kind)}
		ext, err := d.Create(ctx, o)
		if err != nil {
			t.Fatalf("Create(%s): %v", o, err)
		}
		deps[o.Global] = vim.Dep{ExternalID: ext, Spec: o.Spec}
	}
	return &vim.Object{
		Ref: resource.Ref{Kind: resource.KindLocalServer, ID: id}, Kind: resource.KindServer,
		Global: resource.Ref{Kind: resource.KindServer, ID: id + "-global"}, Tenant: "t", Name: id,
		Spec: &resource.Server{ImageID: id + "-image", FlavorID: id + "-flavor", NetworkID: id + "-network"}, Deps: deps,
	}
}

// TestCapabilities: every optional capability answers over the wire as the
// in-process fake answers the same calls.
func TestCapabilities(t *testing.T) {
	srv, c := serve(t, nil)
	remote, err := c.Dial(t.Context(), "wire")
	if err != nil {
		t.Fatal(err)
	}
	local := fake.New(&fake.Options{Name: "wire"})
	type result struct {
		Value any
		Code  string
	}
	// Each step runs on both drivers; steps share the machine, in order.
	steps := []struct {
		name string
		call func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error)
	}{
		{"create", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) { return d.Create(ctx, o) }},
		{"observe", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) { return d.Observe(ctx, o) }},
		{"ping", func(ctx context.Context, d vim.Driver, _ *vim.Object) (any, error) {
			return nil, d.(vim.Pinger).Ping(ctx)
		}},
		{"power off", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) {
			return nil, d.(vim.PowerController).Power(ctx, o, vim.ActionPowerOff)
		}},
		{"reboot while off", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) {
			return nil, d.(vim.PowerController).Power(ctx, o, vim.ActionReboot)
		}},
		{"unknown power action", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) {
			return nil, d.(vim.PowerController).Power(ctx, o, "dance")
		}},
		{"observe off", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) { return d.Observe(ctx, o) }},
		{"snapshot", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) {
			return d.(vim.Snapshotter).Snapshot(ctx, o, "snap", "k1")
		}},
		{"snapshot again", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) {
			return d.(vim.Snapshotter).Snapshot(ctx, o, "snap", "k1")
		}},
		{"console", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) {
			return d.(vim.ConsoleProvider).ConsoleURL(ctx, o)
		}},
		{"disable host", func(ctx context.Context, d vim.Driver, _ *vim.Object) (any, error) {
			return nil, d.(vim.HostController).SetHostEnabled(ctx, "host-2", false)
		}},
		{"unknown host", func(ctx context.Context, d vim.Driver, _ *vim.Object) (any, error) {
			return nil, d.(vim.HostController).SetHostEnabled(ctx, "host-9", false)
		}},
		{"hosts", func(ctx context.Context, d vim.Driver, _ *vim.Object) (any, error) {
			return d.(vim.HostLister).Hosts(ctx)
		}},
		{"metric unset", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) {
			return d.(vim.MetricReader).Metric(ctx, o, "cpu_util")
		}},
		{"metric", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) {
			return d.(vim.MetricReader).Metric(ctx, o, "load")
		}},
		{"delete", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) { return nil, d.Delete(ctx, o) }},
		{"observe deleted", func(ctx context.Context, d vim.Driver, o *vim.Object) (any, error) { return d.Observe(ctx, o) }},
	}
	run := func(d vim.Driver, v *fake.VIM) []result {
		o := machine(t, d, "vm")
		var out []result
		for _, s := range steps {
			if s.name == "metric" {
				if err := v.SetMetric("vm", "load", 0.75); err != nil {
					t.Fatal(err)
				}
			}
			val, err := s.call(t.Context(), d, o)
			r := result{Value: val}
			if err != nil {
				r.Code = resource.CodeOf(err).String()
			}
			// Both sides as JSON sees them: the remote's numbers
			// and lists came through it.
			raw, _ := json.Marshal(r.Value)
			json.Unmarshal(raw, &r.Value)
			out = append(out, r)
		}
		return out
	}
	want := run(local, local)
	got := run(remote, srv.VIM("wire"))
	// The in-process answers themselves are the fake's documented ones.
	codes := map[string]string{"reboot while off": "Conflict", "unknown power action": "Invalid",
		"unknown host": "NotFound", "metric unset": "NotFound"}
	for i, s := range steps {
		if want[i].Code != codes[s.name] {
			t.Fatalf("in-process %s: code %q, want %q", s.name, want[i].Code, codes[s.name])
		}
	}
	if got[len(got)-3].Value != 0.75 {
		t.Errorf("remote metric = %v, want 0.75", got[len(got)-3].Value)
	}
	for i := range steps {
		if diff := cmp.Diff(want[i], got[i]); diff != "" {
			t.Errorf("%s: remote differs from in-process (-in-process +remote):\n%s", steps[i].name, diff)
		}
	}
}

// TestErrorsKeepField: an error naming a field names it across the wire.
func TestErrorsKeepField(t *testing.T) {
	_, c := serve(t, nil)
	d, err := c.Dial(t.Context(), "site")
	if err != nil {
		t.Fatal(err)
	}
	img := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalImage, ID: "img"}, Kind: resource.KindImage,
		Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "private"}}
	if _, err := d.Create(t.Context(), img); err != nil {
		t.Fatal(err)
	}
	img.Spec = &resource.Image{DiskFormat: "raw", ContainerFormat: "bare", Visibility: "private"}
	err = d.Update(t.Context(), img)
	if resource.CodeOf(err) != resource.Invalid || resource.FieldOf(err) != "disk_format" {
		t.Fatalf("Update of an immutable field = %v (code %v, field %q), want Invalid on disk_format",
			err, resource.CodeOf(err), resource.FieldOf(err))
	}
	if !strings.Contains(err.Error(), "cannot be changed in place") {
		t.Errorf("message %q lost the VIM's words", err)
	}
}

// TestInspection: the inspection endpoints count each location's objects
// and name the global resource each tag was created for; an adopted Create
// makes nothing new.
func TestInspection(t *testing.T) {
	_, c := serve(t, nil)
	ctx := t.Context()
	for _, loc := range []string{"east", "west"} {
		d, err := c.Dial(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{"n1", "n2"} {
			o := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: loc + "-" + id}, Kind: resource.KindNetwork,
				Global: resource.Ref{Kind: resource.KindNetwork, ID: id}, Name: id, Spec: &resource.Network{}}
			for range i + 1 { // n2 twice: adopted
				if _, err := d.Create(ctx, o); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	locs, err := c.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"east", "west"}, locs); diff != "" {
		t.Errorf("Locations (-want +got):\n%s", diff)
	}
	objs, err := c.Objects(ctx, "west", resource.KindNetwork)
	if err != nil {
		t.Fatal(err)
	}
	type brief struct {
		Tag    string
		Global resource.Ref
		State  vim.State
	}
	var got []brief
	for _, o := range objs {
		got = append(got, brief{o.OrcaID, o.Global, o.State})
	}
	want := []brief{
		{"west-n1", resource.Ref{Kind: resource.KindNetwork, ID: "n1"}, vim.StateReady},
		{"west-n2", resource.Ref{Kind: resource.KindNetwork, ID: "n2"}, vim.StateReady},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Objects (-want +got):\n%s", diff)
	}
	if objs, err := c.Objects(ctx, "west", resource.KindServer); err != nil || len(objs) != 0 {
		t.Errorf("Objects of a kind with none = %v, %v", objs, err)
	}
	calls, err := c.Calls(ctx, "east")
	if err != nil {
		t.Fatal(err)
	}
	if calls[string(fake.OpCreate)] != 3 {
		t.Errorf("Calls = %v, want 3 creates", calls)
	}
}

// TestOpenServesLocation: as a vim.Factory, the client gives a location
// the server's VIM of its ID, serving that VIM's kinds.
func TestOpenServesLocation(t *testing.T) {
	srv, c := serve(t, &fake.Options{Kinds: []resource.Kind{resource.KindImage, resource.KindFlavor}})
	loc := &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: "loc-7"},
		Spec: &resource.Location{KeystoneEndpoint: "fake://loc-7"}}
	ds, err := c.Open(t.Context(), loc, nil)
	if err != nil || len(ds) != 1 {
		t.Fatalf("Open = %v, %v", ds, err)
	}
	if diff := cmp.Diff([]resource.Kind{resource.KindImage, resource.KindFlavor}, ds[0].Kinds()); diff != "" {
		t.Errorf("Kinds (-want +got):\n%s", diff)
	}
	img := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalImage, ID: "i"}, Kind: resource.KindImage,
		Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: "private"}}
	if _, err := ds[0].Create(t.Context(), img); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.VIM("loc-7").Objects(resource.KindImage)); n != 1 {
		t.Errorf("the server's VIM loc-7 holds %d images, want 1", n)
	}
}

// TestUnreachable: with no server to answer, calls and Open are
// Unavailable (retryable), never a made-up answer.
func TestUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	c, err := fakewire.NewClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Dial(t.Context(), "site"); resource.CodeOf(err) != resource.Unavailable {
		t.Errorf("Dial of a server that is gone = %v, want Unavailable", err)
	}
	if _, err := c.Objects(t.Context(), "site", ""); resource.CodeOf(err) != resource.Unavailable {
		t.Errorf("Objects of a server that is gone = %v, want Unavailable", err)
	}
}

// TestNewClientRefuses: only http(s) base URLs.
func TestNewClientRefuses(t *testing.T) {
	for name, u := range map[string]string{
		"empty": "", "no scheme": "127.0.0.1:7070", "ftp": "ftp://127.0.0.1/", "query": "http://127.0.0.1:7070/?x=1",
		"no host": "http:///v1",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := fakewire.NewClient(u, nil); resource.CodeOf(err) != resource.Invalid {
				t.Errorf("NewClient(%q) = %v, want Invalid", u, err)
			}
		})
	}
}

// TestBadRequests: malformed requests get a 4xx with a body that says
// what is wrong, and change nothing.
func TestBadRequests(t *testing.T) {
	srv := fakewire.NewServer(&fakewire.ServerOptions{MaxBody: 1 << 10})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tests := map[string]struct {
		method, path, body string
		status             int
		says               string
	}{
		"unknown operation":  {"POST", "/v1/vims/a/explode", `{}`, 404, "no operation"},
		"malformed JSON":     {"POST", "/v1/vims/a/create", `{"object":`, 400, "bad request body"},
		"empty body":         {"POST", "/v1/vims/a/observe", ``, 400, "empty request body"},
		"unknown field":      {"POST", "/v1/vims/a/create", `{"object":{},"extra":1}`, 400, "unknown field"},
		"trailing data":      {"POST", "/v1/vims/a/ping", `{} {}`, 400, "unexpected data"},
		"no object":          {"POST", "/v1/vims/a/create", `{}`, 400, "object"},
		"spec of wrong type": {"POST", "/v1/vims/a/create", `{"object":{"kind":"network","spec":{"cidr":[]}}}`, 400, "cidr"},
		"bad location":       {"POST", "/v1/vims/-a/create", `{}`, 400, "location"},
		"too large":          {"POST", "/v1/vims/a/create", `{"object":{"name":"` + strings.Repeat("x", 2<<10) + `"}}`, 400, "larger than"},
		"invalid spec": {"POST", "/v1/vims/a/create",
			`{"object":{"ref":{"kind":"local_network","id":"n"},"kind":"network","spec":{"cidr":"nonsense"}}}`, 400, "cidr"},
		"kind not served":  {"POST", "/v1/vims/a/create", `{"object":{"kind":"tenant","spec":{}}}`, 501, "not served"},
		"wrong method":     {"GET", "/v1/vims/a/create", ``, 405, ""},
		"observe_all kind": {"POST", "/v1/vims/a/observe_all", `{"kind":"network","objects":[{"kind":"image","spec":{}}]}`, 400, "given a image"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code, Field, Message string }
			}
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s = %d %+v, want %d", tc.method, tc.path, resp.StatusCode, body, tc.status)
			}
			if !strings.Contains(body.Error.Message, tc.says) || (tc.says != "" && body.Error.Code == "") {
				t.Errorf("body %+v does not say %q", body, tc.says)
			}
		})
	}
	if objs := srv.VIM("a").Objects(""); len(objs) != 0 {
		t.Errorf("bad requests made objects: %+v", objs)
	}
}
