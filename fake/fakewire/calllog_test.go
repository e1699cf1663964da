package fakewire_test

import (
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

// TestCallLogAttributes: the calls of clients with a Caller are logged
// under their names, as the server's VIM logged them; an anonymous
// client's calls are not logged.
func TestCallLogAttributes(t *testing.T) {
	srv := fakewire.NewServer(nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ctx := t.Context()
	client := func(caller string) *vim.Object {
		c, err := fakewire.NewClient(ts.URL, &fakewire.Options{Caller: caller})
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Dial(ctx, "site")
		if err != nil {
			t.Fatal(err)
		}
		id := "net-" + caller
		if caller == "" {
			id = "net-anonymous"
		}
		o := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: id}, Kind: resource.KindNetwork,
			Global: resource.Ref{Kind: resource.KindNetwork, ID: id}, Spec: &resource.Network{CIDR: "10.1.0.0/24"}}
		if _, err := d.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := d.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		return o
	}
	client("r1")
	client("")
	client("r2:replica.2")

	reader, err := fakewire.NewClient(ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	log, err := reader.CallLog(ctx, "site")
	if err != nil {
		t.Fatal(err)
	}
	type brief struct {
		Op     fake.Op
		Caller string
	}
	var got []brief
	for _, c := range log {
		got = append(got, brief{c.Op, c.Caller})
		if c.Start.IsZero() || c.End.Before(c.Start) {
			t.Errorf("call %+v: want a start, and an end not before it", c)
		}
	}
	want := []brief{{fake.OpCreate, "r1"}, {fake.OpPing, "r1"}, {fake.OpCreate, "r2:replica.2"}, {fake.OpPing, "r2:replica.2"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CallLog (-want +got):\n%s", diff)
	}
	// The times cross the wire whole (to the nanosecond).
	if diff := cmp.Diff(srv.VIM("site").CallLog(), log); diff != "" {
		t.Errorf("CallLog differs from the server's VIM's (-want +got):\n%s", diff)
	}
	if log, err := reader.CallLog(ctx, "elsewhere"); err != nil || len(log) != 0 {
		t.Errorf("CallLog of a location with no calls = %v, %v; want none", log, err)
	}
}

// TestCallerRefused: a caller name that is not ID-like is refused, by the
// client before any call and by the server with a 400 that says why.
func TestCallerRefused(t *testing.T) {
	srv := fakewire.NewServer(nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	bad := map[string][]string{
		"leading dash": {"-r1"}, "space": {"r 1"}, "slash": {"r/1"}, "empty": {""},
		"too long": {strings.Repeat("r", resource.MaxIDLen+1)}, "two": {"r1", "r2"},
	}
	for name, values := range bad {
		t.Run(name, func(t *testing.T) {
			if len(values) == 1 && values[0] != "" {
				if _, err := fakewire.NewClient(ts.URL, &fakewire.Options{Caller: values[0]}); resource.CodeOf(err) != resource.Invalid {
					t.Errorf("NewClient with Caller %q = %v, want Invalid", values[0], err)
				}
			}
			req, _ := http.NewRequest("POST", ts.URL+"/v1/vims/site/ping", strings.NewReader(`{}`))
			req.Header[fakewire.CallerHeader] = values
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code, Message string }
			}
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body.Error.Message, fakewire.CallerHeader) {
				t.Errorf("ping with %s %q = %d %+v, want 400 naming the header", fakewire.CallerHeader, values, resp.StatusCode, body)
			}
		})
	}
	if n := srv.VIM("site").Calls(fake.OpPing); n != 0 {
		t.Errorf("refused requests reached the VIM: %d pings", n)
	}
}
