package contrailfake_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
)

func TestFaults(t *testing.T) {
	c := newServer(t, nil)
	c.srv.Inject(contrailfake.Fault{Method: "POST", Path: "/virtual-networks", Status: 503, Times: 2})
	if r := c.do("GET", "/virtual-networks", ""); r.status != 200 {
		t.Errorf("a request the fault does not match = %d, want 200", r.status)
	}
	for i := range 2 {
		if r := c.do("POST", "/virtual-networks", vn("a", "")); r.status != 503 {
			t.Errorf("matching request %d = %d, want 503", i+1, r.status)
		}
	}
	if n := len(c.srv.Objects("virtual-network")); n != 3 {
		t.Errorf("%d networks after refused creates, want the 3 defaults", n)
	}
	c.ok("POST", "/virtual-networks", vn("a", "")) // the fault is used up

	// After commit: the change is made, the answer is lost.
	c.srv.Inject(contrailfake.Fault{Status: 502, AfterCommit: true})
	if r := c.do("POST", "/virtual-networks", vn("b", "")); r.status != 502 {
		t.Fatalf("lost create = %d, want 502", r.status)
	}
	if _, ok := c.srv.Get("virtual-network", "default-domain", "admin", "b"); !ok {
		t.Error("a create whose answer was lost did not commit")
	}

	c.srv.Inject(contrailfake.Fault{Status: 500})
	c.srv.ClearFaults()
	c.ok("GET", "/virtual-networks", "")

	want := []contrailfake.Request{
		{Method: "GET", Path: "/virtual-networks", Status: 200},
		{Method: "POST", Path: "/virtual-networks", Status: 503},
		{Method: "POST", Path: "/virtual-networks", Status: 503},
		{Method: "POST", Path: "/virtual-networks", Status: 200},
		{Method: "POST", Path: "/virtual-networks", Status: 502},
		{Method: "GET", Path: "/virtual-networks", Status: 200},
	}
	if diff := cmp.Diff(want, c.srv.Requests()); diff != "" {
		t.Errorf("request log (-want +got):\n%s", diff)
	}
}

func TestHangUntilTheClientGivesUp(t *testing.T) {
	for name, afterCommit := range map[string]bool{"before": false, "after commit": true} {
		t.Run(name, func(t *testing.T) {
			c := newServer(t, nil)
			c.srv.Inject(contrailfake.Fault{Hang: true, AfterCommit: afterCommit})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "POST", c.srv.URL()+"/virtual-networks", strings.NewReader(vn("h", "")))
			_, err := http.DefaultClient.Do(req)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("hung request = %v, want the client's deadline", err)
			}
			if _, ok := c.srv.Get("virtual-network", "default-domain", "admin", "h"); ok != afterCommit {
				t.Errorf("object exists = %v, want %v", ok, afterCommit)
			}
		})
	}
}

func TestHangReleasedByClose(t *testing.T) {
	srv := contrailfake.New(nil)
	srv.Inject(contrailfake.Fault{Hang: true})
	done := make(chan error, 1)
	go func() {
		res, err := http.Get(srv.URL() + "/virtual-networks")
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	// Close must not wait for the hung request forever: it releases it.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	bound := time.After(time.Minute)
	for len(srv.Requests()) == 0 {
		select {
		case <-done:
			t.Fatal("the request ended before it hung")
		case <-tick.C:
		case <-bound:
			t.Fatal("the request never reached the server")
		}
	}
	srv.Close()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Close did not release a hung request")
	}
}

func TestTokens(t *testing.T) {
	c := newServer(t, &contrailfake.Options{RequireToken: true})
	r := c.do("GET", "/virtual-networks", "")
	if r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("without a token = %d (%v), want 401 with WWW-Authenticate", r.status, r.header)
	}
	c.token = "made-up"
	if r := c.do("GET", "/virtual-networks", ""); r.status != 401 {
		t.Errorf("with an unknown token = %d, want 401", r.status)
	}
	c.token = c.srv.IssueToken()
	c.ok("GET", "/virtual-networks", "")
	c.srv.ExpireTokens()
	if r := c.do("GET", "/virtual-networks", ""); r.status != 401 {
		t.Errorf("with an expired token = %d, want 401", r.status)
	}
	c.token = c.srv.IssueToken()
	c.ok("GET", "/virtual-networks", "")

	noAuth := newServer(t, nil)
	noAuth.ok("GET", "/virtual-networks", "") // no-auth mode ignores tokens
}
