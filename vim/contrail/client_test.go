package contrail_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim/contrail"
)

// TestErrorMapping checks how answers and transport failures are
// classified, on Ping (one request). The driver has no token source, so a
// 401 is not retried.
func TestErrorMapping(t *testing.T) {
	tests := map[string]struct {
		status int
		want   resource.ErrorCode
	}{
		"400": {400, resource.Invalid},
		"401": {401, resource.Unauthorized},
		"403": {403, resource.Forbidden},
		"404": {404, resource.NotFound},
		"405": {405, resource.Invalid},
		"409": {409, resource.Conflict},
		"429": {429, resource.Unavailable},
		"500": {500, resource.Unavailable},
		"502": {502, resource.Unavailable},
		"503": {503, resource.Unavailable},
		"504": {504, resource.Unavailable},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv, d, _ := newFake(t, &contrailfake.Options{})
			srv.Inject(contrailfake.Fault{Status: tc.status})
			err := d.Ping(context.Background())
			if got := resource.CodeOf(err); err == nil || got != tc.want {
				t.Fatalf("Ping answered %d = %v (%v), want %v", tc.status, got, err, tc.want)
			}
			if !strings.Contains(err.Error(), "contrailfake: injected fault") {
				t.Errorf("the error does not quote the plain-text body: %v", err)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests, want 1: drivers never retry", n)
			}
		})
	}
}

func TestTransportFailuresAreUnavailable(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		srv := contrailfake.New(nil)
		url := srv.URL()
		srv.Close()
		d, err := contrail.New(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Ping(context.Background()); resource.CodeOf(err) != resource.Unavailable {
			t.Errorf("Ping of a closed server = %v, want Unavailable", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		_, d, _ := newFake(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := d.Ping(ctx)
		if resource.CodeOf(err) != resource.Unavailable || !errors.Is(err, context.Canceled) {
			t.Errorf("Ping with a cancelled context = %v, want Unavailable wrapping context.Canceled", err)
		}
	})
	t.Run("client timeout", func(t *testing.T) {
		srv := contrailfake.New(nil)
		t.Cleanup(srv.Close)
		d, err := contrail.New(srv.URL(), &contrail.Options{HTTPClient: &http.Client{Timeout: 20 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		srv.Inject(contrailfake.Fault{Hang: true})
		if err := d.Ping(context.Background()); resource.CodeOf(err) != resource.Unavailable {
			t.Errorf("Ping past the client's timeout = %v, want Unavailable", err)
		}
	})
}

// statuses lists the statuses of the requests since request number from.
func statuses(srv *contrailfake.Server, from int) []int {
	var out []int
	for _, r := range srv.Requests()[from:] {
		out = append(out, r.Status)
	}
	return out
}

func TestReauthentication(t *testing.T) {
	t.Run("an expired token is renewed once", func(t *testing.T) {
		srv, d, iss := newFake(t, nil)
		if err := d.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		srv.ExpireTokens()
		n := len(srv.Requests())
		if err := d.Ping(context.Background()); err != nil {
			t.Fatalf("Ping after the token expired: %v", err)
		}
		if diff := cmp.Diff([]int{401, 200}, statuses(srv, n)); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
		if c := iss.calls.Load(); c != 2 {
			t.Errorf("%d logins, want 2 (the first and one renewal)", c)
		}
	})
	t.Run("a 401 the new token does not cure", func(t *testing.T) {
		srv, d, iss := newFake(t, nil)
		srv.Inject(contrailfake.Fault{Status: 401, Times: 3})
		err := d.Ping(context.Background())
		if resource.CodeOf(err) != resource.Unauthorized {
			t.Fatalf("Ping = %v, want Unauthorized", err)
		}
		if diff := cmp.Diff([]int{401, 401}, statuses(srv, 0)); diff != "" {
			t.Errorf("statuses (-want +got): retried more than once:\n%s", diff)
		}
		if c := iss.calls.Load(); c != 2 {
			t.Errorf("%d logins, want 2", c)
		}
	})
	t.Run("a static token cannot be renewed", func(t *testing.T) {
		srv := contrailfake.New(&contrailfake.Options{RequireToken: true})
		t.Cleanup(srv.Close)
		const secret = "not-a-valid-token-7c1e"
		d, err := contrail.New(srv.URL(), &contrail.Options{Tokens: contrail.StaticToken(secret)})
		if err != nil {
			t.Fatal(err)
		}
		err = d.Ping(context.Background())
		if resource.CodeOf(err) != resource.Unauthorized {
			t.Fatalf("Ping = %v, want Unauthorized", err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error reveals the token: %v", err)
		}
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("without a token source a 401 is final", func(t *testing.T) {
		srv := contrailfake.New(&contrailfake.Options{RequireToken: true})
		t.Cleanup(srv.Close)
		d, _ := contrail.New(srv.URL(), nil)
		if err := d.Ping(context.Background()); resource.CodeOf(err) != resource.Unauthorized || len(srv.Requests()) != 1 {
			t.Errorf("Ping = %v after %d requests, want Unauthorized after 1", err, len(srv.Requests()))
		}
	})
	t.Run("concurrent 401s renew the token once", func(t *testing.T) {
		srv, d, iss := newFake(t, nil)
		if err := d.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		srv.ExpireTokens()
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = d.Ping(context.Background()) }()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if c := iss.calls.Load(); c != 2 {
			t.Errorf("%d logins, want 2", c)
		}
	})
}

// tokenFunc adapts a function to TokenSource.
type tokenFunc func(context.Context) (string, error)

func (f tokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

func TestTokenSourceErrors(t *testing.T) {
	tests := map[string]struct {
		err  error
		tok  string
		want resource.ErrorCode
	}{
		"unclassified":      {err: errors.New("bad password"), want: resource.Unauthorized},
		"classified":        {err: resource.Errorf(resource.Unavailable, "keystone is down"), want: resource.Unavailable},
		"context":           {err: context.DeadlineExceeded, want: resource.Unavailable},
		"empty token":       {tok: "", want: resource.Unauthorized},
		"forbidden is kept": {err: resource.Errorf(resource.Forbidden, "no role"), want: resource.Forbidden},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := contrailfake.New(nil)
			t.Cleanup(srv.Close)
			d, _ := contrail.New(srv.URL(), &contrail.Options{Tokens: tokenFunc(func(context.Context) (string, error) { return tc.tok, tc.err })})
			err := d.Ping(context.Background())
			if resource.CodeOf(err) != tc.want {
				t.Errorf("Ping = %v, want %v", err, tc.want)
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("the source's error is not kept in the chain: %v", err)
			}
			if len(srv.Requests()) != 0 {
				t.Errorf("a request went out without a token")
			}
		})
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, ep := range []string{"", "10.0.0.1:8082", "ftp://x", "http://"} {
		if _, err := contrail.New(ep, nil); resource.CodeOf(err) != resource.Invalid || resource.FieldOf(err) != "contrail_endpoint" {
			t.Errorf("New(%q) = %v, want Invalid contrail_endpoint", ep, err)
		}
	}
	if _, err := contrail.New("http://x:8082", &contrail.Options{Kinds: []resource.Kind{resource.KindServer}}); resource.CodeOf(err) != resource.Unimplemented {
		t.Errorf("New with a kind it does not know = %v, want Unimplemented", err)
	}
	d, err := contrail.New("http://x:8082", &contrail.Options{Kinds: []resource.Kind{resource.KindNetwork}})
	if err != nil || !cmp.Equal(d.Kinds(), []resource.Kind{resource.KindNetwork}) {
		t.Errorf("Kinds = %v, %v", d.Kinds(), err)
	}
}
