package drivers_test

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
	"github.com/orca-nfv/orca/internal/testutil/osfake"
	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/drivers"
)

func location(keystone, contrail string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: "site-1"},
		Spec: &resource.Location{KeystoneEndpoint: keystone, ContrailEndpoint: contrail}}
}

func TestOpenRefuses(t *testing.T) {
	noFakes := drivers.New(nil)
	tests := map[string]struct {
		f         *drivers.Factory
		loc       *resource.Resource
		creds     *vim.Credentials
		wantField string
	}{
		"fake without fakes":           {f: noFakes, loc: location("fake://a", ""), wantField: "keystone_endpoint"},
		"unknown keystone scheme":      {f: noFakes, loc: location("ftp://keystone/v3", ""), wantField: "keystone_endpoint"},
		"unknown contrail scheme":      {f: noFakes, loc: location("", "fake://c"), wantField: "contrail_endpoint"},
		"keystone not a URL":           {f: noFakes, loc: location("keystone", ""), wantField: "keystone_endpoint"},
		"contrail without a login":     {f: noFakes, loc: location("", "http://contrail:8082"), creds: &vim.Credentials{Username: "u", Password: "p"}, wantField: "credential_id"},
		"contrail logging in over ftp": {f: noFakes, loc: location("ftp://keystone", "http://contrail:8082"), creds: &vim.Credentials{Username: "u", Password: "p"}, wantField: "keystone_endpoint"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ds, err := tc.f.Open(t.Context(), tc.loc, tc.creds)
			if resource.CodeOf(err) != resource.Invalid || resource.FieldOf(err) != tc.wantField {
				t.Fatalf("Open = %v, %v; want Invalid %s", ds, err, tc.wantField)
			}
		})
	}
	if _, err := noFakes.Open(t.Context(), &resource.Resource{Spec: &resource.Network{}}, nil); resource.CodeOf(err) != resource.Invalid {
		t.Errorf("Open of a network: %v", err)
	}
}

// TestOpenOrder: with both endpoints, Contrail comes first (it serves the
// kinds both know), and a static token reaches Contrail.
func TestOpenOrder(t *testing.T) {
	srv := contrailfake.New(&contrailfake.Options{RequireToken: true})
	t.Cleanup(srv.Close)
	f := drivers.New(&drivers.Options{Fakes: fake.NewFactory(nil)})
	ds, err := f.Open(t.Context(), location("fake://site-1", srv.URL()), &vim.Credentials{Token: srv.IssueToken()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, d := range ds {
			d.Close()
		}
	}()
	if len(ds) != 2 || !slices.Contains(ds[0].Kinds(), resource.KindNetworkPolicy) || !slices.Contains(ds[1].Kinds(), resource.KindFlavor) {
		t.Fatalf("drivers %v, want Contrail then the fake", ds)
	}
	if err := ds[0].(vim.Pinger).Ping(t.Context()); err != nil {
		t.Errorf("Contrail with the credential's token: %v", err)
	}
	ds2, err := f.Open(t.Context(), location("fake://site-1", srv.URL()), &vim.Credentials{Token: "not-issued"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ds2[0].(vim.Pinger).Ping(t.Context()); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("Contrail with a bad token: %v, want Unauthorized", err)
	}
}

// TestRoutingByKind: at a location with both endpoints, networks and
// policies go to Contrail and flavors to the keystone side (here a fake).
func TestRoutingByKind(t *testing.T) {
	srv := contrailfake.New(&contrailfake.Options{RequireToken: true})
	t.Cleanup(srv.Close)
	fakes := fake.NewFactory(nil)
	keys, err := secret.Parse(secret.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New(nil)
	o := orca.New(st, &orca.Options{Drivers: drivers.New(&drivers.Options{Fakes: fakes}), Keyring: keys,
		PollInterval: 5 * time.Millisecond, RetryBase: 5 * time.Millisecond, RetryMax: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		o.Close()
	})
	if _, err := o.SetCredentials(ctx, "contrail-token", vim.Credentials{Token: srv.IssueToken()}); err != nil {
		t.Fatal(err)
	}
	apply := func(r *resource.Resource) {
		t.Helper()
		if _, err := o.Apply(ctx, r); err != nil {
			t.Fatalf("Apply(%s): %v", r.Ref, err)
		}
	}
	apply(&resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: "site-1"}, Name: "site-1",
		Spec: &resource.Location{KeystoneEndpoint: "fake://site-1", ContrailEndpoint: srv.URL(), CredentialID: "contrail-token"}})
	const tenant = "tenant-a"
	apply(&resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: "net"}, Tenant: tenant,
		Spec: &resource.Network{CIDR: "10.20.0.0/24"}})
	apply(&resource.Resource{Ref: resource.Ref{Kind: resource.KindFlavor, ID: "small"}, Tenant: tenant,
		Spec: &resource.Flavor{RAM: 64, VCPUs: 1}})
	ready := func(r resource.Ref) bool {
		cur, err := st.Get(ctx, r)
		return err == nil && cur.Status.Phase == resource.PhaseReady
	}
	wait.Until(t, "the network and the flavor ready", func() bool {
		return ready(resource.Ref{Kind: resource.KindNetwork, ID: "net"}) && ready(resource.Ref{Kind: resource.KindFlavor, ID: "small"})
	})
	fv := fakes.VIM("site-1")
	if n, f := len(fv.Objects(resource.KindNetwork)), len(fv.Objects(resource.KindFlavor)); n != 0 || f != 1 {
		t.Errorf("the fake holds %d networks and %d flavors, want 0 and 1", n, f)
	}
	if n := srv.Count("virtual-network"); n < 1 {
		t.Errorf("Contrail holds %d networks, want the orca network", n)
	}
}

// tokenRecorder remembers the X-Auth-Token sent to one host.
type tokenRecorder struct {
	host string
	mu   sync.Mutex
	seen []string
}

func (r *tokenRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == r.host {
		r.mu.Lock()
		r.seen = append(r.seen, req.Header.Get("X-Auth-Token"))
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestOpenOpenStack: an http(s) keystone_endpoint opens the OpenStack
// driver with the location's credentials and region; refused credentials
// are Unauthorized. Contrail at the same location logs in to that Keystone.
func TestOpenOpenStack(t *testing.T) {
	cloud := osfake.New(nil)
	t.Cleanup(cloud.Close)
	contrailSrv := contrailfake.New(&contrailfake.Options{Project: "demo"}) // the credentials' project
	t.Cleanup(contrailSrv.Close)
	rec := &tokenRecorder{host: strings.TrimPrefix(contrailSrv.URL(), "http://")}
	f := drivers.New(&drivers.Options{HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second}})
	good := &vim.Credentials{Username: "admin", Password: "secret", ProjectName: "demo"}

	ds, err := f.Open(t.Context(), location(cloud.AuthURL(), ""), good)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || !slices.Contains(ds[0].Kinds(), resource.KindServer) {
		t.Fatalf("drivers %v, want OpenStack's", ds)
	}
	if err := ds[0].(vim.Pinger).Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	ds[0].Close()

	_, err = f.Open(t.Context(), location(cloud.AuthURL(), ""), &vim.Credentials{Username: "admin", Password: "wrong", ProjectName: "demo"})
	if resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("wrong password: %v, want Unauthorized", err)
	}
	if _, err := f.Open(t.Context(), location(cloud.AuthURL(), ""), nil); resource.CodeOf(err) != resource.Unauthorized {
		t.Errorf("no credentials: %v, want Unauthorized", err)
	}

	ds, err = f.Open(t.Context(), location(cloud.AuthURL(), contrailSrv.URL()), good)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds[0].(vim.Pinger).Ping(t.Context()); err != nil {
		t.Fatalf("Contrail Ping: %v", err)
	}
	rec.mu.Lock()
	seen := slices.Clone(rec.seen)
	rec.mu.Unlock()
	if len(seen) == 0 || seen[0] == "" {
		t.Fatalf("Contrail was called without a token: %q", seen)
	}
	// The token Contrail got is one Keystone issued and still accepts.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", cloud.AuthURL()+"/auth/tokens", nil)
	req.Header.Set("X-Auth-Token", seen[0])
	req.Header.Set("X-Subject-Token", seen[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("Keystone does not know the token Contrail got: %d", resp.StatusCode)
	}
}
