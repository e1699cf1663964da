package osfake

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
)

func TestTokenIssue(t *testing.T) {
	opts := &Options{
		Projects:       []Project{{Name: "demo", ID: "p-demo"}, {Name: "other"}},
		Users:          []User{{Name: "admin", Password: "secret", ID: "u-admin", Roles: map[string][]string{"demo": {"admin"}}}},
		AppCredentials: []AppCredential{{ID: "ac1", Name: "ci", Secret: "s3", User: "admin", Project: "demo"}},
	}
	byProject := func(user, pw string, scope map[string]any) map[string]any {
		a := passwordAuth(user, pw, "")
		if scope != nil {
			a["auth"].(map[string]any)["scope"] = scope
		}
		return a
	}
	appcred := func(id, secret string) map[string]any {
		return map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"application_credential"},
			"application_credential": map[string]any{"id": id, "secret": secret}}}}
	}
	type summary struct {
		Status     int
		Subject    bool
		Methods    string
		Project    string
		Catalog    int
		AppCred    string
		ErrMessage string
	}
	tests := map[string]struct {
		body any
		want summary
	}{
		"password, project by name": {passwordAuth("admin", "secret", "demo"),
			summary{Status: 201, Subject: true, Methods: "password", Project: "demo", Catalog: 6}},
		"password, project by ID": {byProject("admin", "secret", map[string]any{"project": map[string]any{"id": "p-demo"}}),
			summary{Status: 201, Subject: true, Methods: "password", Project: "demo", Catalog: 6}},
		"user by ID": {map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{"id": "u-admin", "password": "secret"}}},
			"scope": map[string]any{"project": map[string]any{"id": "p-demo"}}}},
			summary{Status: 201, Subject: true, Methods: "password", Project: "demo", Catalog: 6}},
		"unscoped: no catalog": {passwordAuth("admin", "secret", ""), summary{Status: 201, Subject: true, Methods: "password"}},
		"domain scope": {byProject("admin", "secret", map[string]any{"domain": map[string]any{"name": "Default"}}),
			summary{Status: 201, Subject: true, Methods: "password", Catalog: 4}},
		"wrong password": {passwordAuth("admin", "nope", "demo"),
			summary{Status: 401, ErrMessage: "The request you have made requires authentication."}},
		"unknown user": {passwordAuth("root", "secret", "demo"),
			summary{Status: 401, ErrMessage: "The request you have made requires authentication."}},
		"user's domain wrong": {map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{"name": "admin", "domain": map[string]any{"name": "Nope"}, "password": "secret"}}}}},
			summary{Status: 401, ErrMessage: "The request you have made requires authentication."}},
		"project without a role": {passwordAuth("admin", "secret", "other"),
			summary{Status: 401, ErrMessage: "The request you have made requires authentication."}},
		"unknown project": {passwordAuth("admin", "secret", "nope"),
			summary{Status: 401, ErrMessage: "The request you have made requires authentication."}},
		"application credential": {appcred("ac1", "s3"),
			summary{Status: 201, Subject: true, Methods: "application_credential", Project: "demo", Catalog: 6, AppCred: "ci"}},
		"application credential, wrong secret": {appcred("ac1", "nope"),
			summary{Status: 401, ErrMessage: "The request you have made requires authentication."}},
		"no identity": {map[string]any{"auth": map[string]any{}},
			summary{Status: 400, ErrMessage: "'identity' is a required property"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := New(opts)
			defer srv.Close()
			c := &client{t: t, srv: srv, hc: srv.Client()}
			r := c.do(http.MethodPost, "/identity/v3/auth/tokens", tc.body)
			body := r.json(t)
			got := summary{Status: r.status, Subject: r.header.Get("X-Subject-Token") != "",
				Methods: strings.Join(toStrings(get(body, "token", "methods")), ","), Project: str2(body, "token", "project", "name"),
				AppCred: str2(body, "token", "application_credential", "name"), ErrMessage: str2(body, "error", "message")}
			if cat, ok := get(body, "token", "catalog").([]any); ok {
				got.Catalog = len(cat)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\nbody: %s", diff, r.body)
			}
			if r.status == http.StatusUnauthorized && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Keystone uri=") {
				t.Errorf("401 without WWW-Authenticate: %v", r.header)
			}
		})
	}
}

func toStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		out = append(out, x.(string))
	}
	return out
}

// TestCatalog checks the catalog points every service at the fake itself.
func TestCatalog(t *testing.T) {
	srv, c := newFake(t, nil)
	body := c.must(http.StatusCreated, http.MethodPost, "/identity/v3/auth/tokens", passwordAuth("admin", "secret", "demo"))
	got := map[string]string{}
	for _, e := range get(body, "token", "catalog").([]any) {
		for _, ep := range get(e, "endpoints").([]any) {
			if str2(ep, "interface") == "public" && str2(ep, "region_id") == "RegionOne" {
				got[str2(e, "type")] = strings.TrimPrefix(str2(ep, "url"), srv.URL())
			}
		}
	}
	want := map[string]string{"identity": "/identity/v3", "compute": "/compute/v2.1", "network": "/network", "image": "/image",
		"orchestration": "/heat-api/v1/" + c.project, "volumev3": "/volume/v3/" + c.project}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
}

// TestCatalogWithoutCinder: a cloud without block storage leaves it out of
// the catalog, so gophercloud finds no endpoint for it.
func TestCatalogWithoutCinder(t *testing.T) {
	srv := New(&Options{NoVolumeService: true})
	defer srv.Close()
	provider, err := openstack.AuthenticatedClient(t.Context(), gophercloud.AuthOptions{
		IdentityEndpoint: srv.AuthURL(), Username: "admin", Password: "secret", DomainName: "Default", TenantName: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = openstack.NewBlockStorageV3(provider, gophercloud.EndpointOpts{Region: "RegionOne"})
	var notFound *gophercloud.ErrEndpointNotFound
	if !errors.As(err, &notFound) {
		t.Errorf("NewBlockStorageV3 without Cinder = %v, want ErrEndpointNotFound", err)
	}
}

// TestVersionDocuments: the services' roots answer without a token.
func TestVersionDocuments(t *testing.T) {
	_, c := newFake(t, nil)
	c.token = ""
	tests := map[string]struct {
		path   string
		status int
		id     []any
	}{
		"keystone root":  {"/", 300, []any{"versions", "values", 0, "id"}},
		"keystone":       {"/identity", 300, []any{"versions", "values", 0, "id"}},
		"keystone v3":    {"/identity/v3", 200, []any{"version", "id"}},
		"root v3":        {"/v3", 200, []any{"version", "id"}},
		"nova":           {"/compute/", 200, []any{"versions", 0, "id"}},
		"nova v2.1":      {"/compute/v2.1", 200, []any{"version", "id"}},
		"neutron":        {"/network/", 200, []any{"versions", 0, "id"}},
		"glance":         {"/image/", 300, []any{"versions", 0, "id"}},
		"heat":           {"/heat-api/", 300, []any{"versions", 0, "id"}},
		"cinder":         {"/volume/", 300, []any{"versions", 0, "id"}},
		"unknown prefix": {"/nope", 404, nil},
	}
	want := map[string]string{"keystone root": "v3.14", "keystone": "v3.14", "keystone v3": "v3.14", "root v3": "v3.14",
		"nova": "v2.1", "nova v2.1": "v2.1", "neutron": "v2.0", "glance": "v2.15", "heat": "v1.0", "cinder": "v3.0", "unknown prefix": ""}
	got := map[string]string{}
	for name, tc := range tests {
		r := c.do(http.MethodGet, tc.path, nil)
		if r.status != tc.status {
			t.Errorf("%s: GET %s = %d, want %d: %s", name, tc.path, r.status, tc.status, r.body)
		}
		if tc.id != nil {
			got[name] = str2(r.json(t), tc.id...)
		} else {
			got[name] = ""
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("version IDs (-want +got):\n%s", diff)
	}
}

func TestTokenValidateAndExpiry(t *testing.T) {
	srv, c := newFake(t, &Options{TokenTTL: time.Hour})
	admin := c.token
	other := &client{t: t, srv: srv, hc: srv.Client()}
	other.login("admin", "secret", "demo")
	subject := other.token

	validate := func(auth, subj string) (int, string) {
		c.token = auth
		r := c.do(http.MethodGet, "/identity/v3/auth/tokens", nil, "X-Subject-Token", subj)
		msg := str2(r.json(t), "error", "message")
		if r.status == http.StatusOK {
			msg = str2(r.json(t), "token", "project", "name") + " " + r.header.Get("X-Subject-Token")[:7]
		}
		return r.status, msg
	}
	type result struct {
		Status int
		Msg    string
	}
	check := func(step string, want map[string]result) {
		t.Helper()
		got := map[string]result{}
		for name, tc := range map[string][2]string{
			"valid":            {admin, subject},
			"unknown subject":  {admin, "gAAAAABnope"},
			"no auth token":    {"", subject},
			"neutron with it":  {subject, ""},
			"neutron no token": {"", ""},
		} {
			if strings.HasPrefix(name, "neutron") {
				c.token = tc[0]
				r := c.do(http.MethodGet, "/network/v2.0/networks", nil)
				got[name] = result{r.status, str2(r.json(t), "error", "message")}
				continue
			}
			s, m := validate(tc[0], tc[1])
			got[name] = result{s, m}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", step, diff)
		}
	}
	authn := "The request you have made requires authentication."
	check("fresh", map[string]result{
		"valid":            {200, "demo gAAAAAB"},
		"unknown subject":  {404, "Could not recognize Fernet token"},
		"no auth token":    {401, authn},
		"neutron with it":  {200, ""},
		"neutron no token": {401, authn},
	})
	srv.Advance(59 * time.Minute)
	check("before expiry", map[string]result{
		"valid":            {200, "demo gAAAAAB"},
		"unknown subject":  {404, "Could not recognize Fernet token"},
		"no auth token":    {401, authn},
		"neutron with it":  {200, ""},
		"neutron no token": {401, authn},
	})
	srv.Advance(time.Minute)
	check("expired", map[string]result{
		"valid":            {401, authn}, // the validating token expired too
		"unknown subject":  {401, authn},
		"no auth token":    {401, authn},
		"neutron with it":  {401, authn},
		"neutron no token": {401, authn},
	})
	// A fresh token may validate an expired one: 404.
	c.login("admin", "secret", "demo")
	if s, m := validate(c.token, subject); s != http.StatusNotFound || m != "Failed to validate token" {
		t.Errorf("validating an expired token = %d %q, want 404", s, m)
	}
}

// TestUnauthorizedBodies: each service answers a missing token its own
// way, always pointing at Keystone.
func TestUnauthorizedBodies(t *testing.T) {
	srv, c := newFake(t, nil)
	c.token = ""
	tests := map[string]struct {
		path, ctype, contains string
	}{
		"nova":    {"/compute/v2.1/servers", "application/json", `"message": "The request you have made requires authentication."`},
		"neutron": {"/network/v2.0/networks", "application/json", `"title": "Unauthorized"`},
		"glance":  {"/image/v2/images", "text/html; charset=UTF-8", "<h1>401 Unauthorized</h1>"},
		"heat":    {"/heat-api/v1/x/stacks", "application/json", `"code": 401`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := c.do(http.MethodGet, tc.path, nil)
			got := []any{r.status, r.header.Get("Content-Type"), strings.Contains(strings.ReplaceAll(string(r.body), `":`, `": `), tc.contains),
				r.header.Get("WWW-Authenticate")}
			want := []any{401, tc.ctype, true, `Keystone uri="` + srv.URL() + `/identity"`}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\n%s", diff, r.body)
			}
		})
	}
}

// TestReauthThroughGophercloud: after the token expires, gophercloud's
// AllowReauth logs in again on the service's 401 and the call succeeds.
func TestReauthThroughGophercloud(t *testing.T) {
	srv := New(&Options{TokenTTL: 10 * time.Minute})
	defer srv.Close()
	ctx := t.Context()
	provider, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: srv.AuthURL(), Username: "admin", Password: "secret", DomainName: "Default",
		Scope: &gophercloud.AuthScope{ProjectName: "demo", DomainName: "Default"}, AllowReauth: true,
	})
	if err != nil {
		t.Fatalf("authenticating: %v", err)
	}
	nc, err := openstack.NewNetworkV2(provider, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	list := func() int {
		t.Helper()
		pages, err := networks.List(nc, nil).AllPages(ctx)
		if err != nil {
			t.Fatalf("listing networks: %v", err)
		}
		all, err := networks.ExtractNetworks(pages)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	list()
	first := provider.Token()
	srv.Advance(11 * time.Minute)
	list()
	if provider.Token() == first {
		t.Error("the token did not change after expiry")
	}
	var statuses []int
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/networks") {
			statuses = append(statuses, r.Status)
		}
	}
	if diff := cmp.Diff([]int{200, 401, 200}, statuses); diff != "" {
		t.Errorf("network list statuses (-want +got):\n%s", diff)
	}
	if n := srv.TokensIssued(); n != 2 {
		t.Errorf("%d tokens issued, want 2", n)
	}

	// Revoked credentials: the re-authentication itself is refused.
	srv.SetPassword("admin", "changed")
	srv.ExpireTokens()
	_, err = networks.List(nc, nil).AllPages(ctx)
	var reauth *gophercloud.ErrUnableToReauthenticate
	if !errors.As(err, &reauth) {
		t.Fatalf("list after revocation = %v (%T), want ErrUnableToReauthenticate", err, err)
	}
	if !gophercloud.ResponseCodeIs(reauth.ErrReauth, http.StatusUnauthorized) {
		t.Errorf("re-authentication error %v, want a 401", reauth.ErrReauth)
	}
}

// TestDiscoveryThroughGophercloud: gophercloud finds Keystone v3 from a
// versioned or versionless endpoint, and every service's version from
// the catalog (Neutron and Glance by their version documents).
func TestDiscoveryThroughGophercloud(t *testing.T) {
	srv := New(nil)
	defer srv.Close()
	for name, endpoint := range map[string]string{
		"versioned":         srv.AuthURL(),
		"versionless":       srv.URL() + "/identity",
		"versionless, root": srv.URL() + "/",
	} {
		t.Run(name, func(t *testing.T) {
			provider, err := openstack.AuthenticatedClient(t.Context(), gophercloud.AuthOptions{
				IdentityEndpoint: endpoint, Username: "admin", Password: "secret", DomainName: "Default", TenantName: "demo"})
			if err != nil {
				t.Fatalf("authenticating at %s: %v", endpoint, err)
			}
			eo := gophercloud.EndpointOpts{Region: "RegionOne"}
			got := map[string]string{}
			for svc, mk := range map[string]func(*gophercloud.ProviderClient, gophercloud.EndpointOpts) (*gophercloud.ServiceClient, error){
				"compute": openstack.NewComputeV2, "network": openstack.NewNetworkV2, "image": openstack.NewImageV2,
				"orchestration": openstack.NewOrchestrationV1, "identity": openstack.NewIdentityV3,
				"volume": openstack.NewBlockStorageV3,
			} {
				sc, err := mk(provider, eo)
				if err != nil {
					t.Fatalf("%s: %v", svc, err)
				}
				got[svc] = strings.TrimPrefix(sc.ResourceBaseURL(), srv.URL())
			}
			want := map[string]string{"compute": "/compute/v2.1/", "network": "/network/v2.0/", "image": "/image/v2/",
				"orchestration": "/heat-api/v1/" + srv.ProjectID("demo") + "/", "identity": "/identity/v3/",
				"volume": "/volume/v3/" + srv.ProjectID("demo") + "/"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("service URLs (-want +got):\n%s", diff)
			}
		})
	}
}
