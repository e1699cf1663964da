package osfake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestFailBodies: an injected status comes with the service's own error
// body.
func TestFailBodies(t *testing.T) {
	tests := map[string]struct {
		path, ctype string
		status      int
		check       func(response) string
	}{
		"nova 404": {"/compute/v2.1/servers/detail", "application/json; charset=UTF-8", 404,
			func(r response) string { return fmt.Sprint(get(r.json(t), "itemNotFound", "code")) }},
		"nova 503": {"/compute/v2.1/flavors", "application/json; charset=UTF-8", 503,
			func(r response) string { return fmt.Sprint(get(r.json(t), "serviceUnavailable", "code")) }},
		"neutron 409": {"/network/v2.0/networks", "application/json", 409,
			func(r response) string { return str2(r.json(t), "NeutronError", "type") }},
		"glance 403": {"/image/v2/images", "text/html; charset=UTF-8", 403,
			func(r response) string { return htmlDetail(r.body) }},
		"heat 400": {"/heat-api/v1/PROJECT/stacks", "application/json", 400,
			func(r response) string { return str2(r.json(t), "error", "type") + " " + str2(r.json(t), "title") }},
		"cinder 404": {"/volume/v3/PROJECT/volumes/detail", "application/json", 404,
			func(r response) string { return fmt.Sprint(get(r.json(t), "itemNotFound", "code")) }},
		"keystone 500": {"/identity/v3/auth/tokens", "application/json", 500,
			func(r response) string { return str2(r.json(t), "error", "title") }},
	}
	want := map[string]string{
		"nova 404": "404", "nova 503": "503", "neutron 409": "Conflict", "glance 403": "osfake: injected 403 Forbidden",
		"heat 400": "HTTPBadRequest Bad Request", "keystone 500": "Internal Server Error", "cinder 404": "404",
	}
	got := map[string]string{}
	for name, tc := range tests {
		srv, c := newFake(t, nil)
		path := strings.ReplaceAll(tc.path, "PROJECT", c.project)
		srv.Fail(Match{Path: strings.Split(path, "?")[0]}, tc.status, 1)
		r := c.do(http.MethodGet, path, nil)
		if r.status != tc.status || r.header.Get("Content-Type") != tc.ctype {
			t.Errorf("%s: %d %s, want %d %s", name, r.status, r.header.Get("Content-Type"), tc.status, tc.ctype)
		}
		got[name] = tc.check(r)
		if r := c.do(http.MethodGet, path, nil); r.status == tc.status {
			t.Errorf("%s: the fault took a second request", name)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestFaultMatching: which requests a Match takes, and that faults queue.
func TestFaultMatching(t *testing.T) {
	type req struct{ method, path string }
	netList := req{"GET", "/network/v2.0/networks"}
	netCreate := req{"POST", "/network/v2.0/networks"}
	netPut := req{"PUT", "/network/v2.0/networks/x"}
	netDelete := req{"DELETE", "/network/v2.0/networks/x"}
	action := req{"POST", "/compute/v2.1/servers/x/action"}
	token := req{"POST", "/identity/v3/auth/tokens"}
	all := []req{netList, netCreate, netPut, netDelete, action, token}
	tests := map[string]struct {
		m    Match
		want []req
	}{
		"any: every service request, not Keystone": {Match{}, []req{netList, netCreate, netPut, netDelete, action}},
		"read":                      {Match{Op: OpRead}, []req{netList}},
		"create":                    {Match{Op: OpCreate}, []req{netCreate}},
		"update: PUT and actions":   {Match{Op: OpUpdate}, []req{netPut, action}},
		"delete":                    {Match{Op: OpDelete}, []req{netDelete}},
		"auth":                      {Match{Op: OpAuth}, []req{token}},
		"a path under /identity":    {Match{Path: "/identity/"}, []req{token}},
		"method and path":           {Match{Method: "post", Path: "/network/"}, []req{netCreate}},
		"path prefix, any category": {Match{Path: "/network/v2.0/networks/"}, []req{netPut, netDelete}},
	}
	for name, tc := range tests {
		var got []req
		for _, r := range all {
			svc, rest := route(r.path)
			if tc.m.matches(r.method, r.path, opOf(r.method, svc, rest)) {
				got = append(got, r)
			}
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(req{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}

	srv, c := newFake(t, nil)
	srv.Fail(Match{Op: OpRead}, http.StatusConflict, 1)
	srv.Fail(Match{Op: OpRead}, http.StatusServiceUnavailable, 2)
	var statuses []int
	for range 4 {
		statuses = append(statuses, c.do(http.MethodGet, "/network/v2.0/networks", nil).status)
	}
	if diff := cmp.Diff([]int{409, 503, 503, 200}, statuses); diff != "" {
		t.Errorf("queued faults (-want +got):\n%s", diff)
	}
	srv.Fail(Match{}, http.StatusBadRequest, 5)
	if srv.PendingFaults() != 5 {
		t.Errorf("PendingFaults = %d, want 5", srv.PendingFaults())
	}
	srv.ClearFaults()
	if r := c.do(http.MethodGet, "/network/v2.0/networks", nil); r.status != 200 || srv.PendingFaults() != 0 {
		t.Errorf("after ClearFaults: %d, %d pending", r.status, srv.PendingFaults())
	}
}

// TestFailBeforeCommit: a failed create makes nothing.
func TestFailBeforeCommit(t *testing.T) {
	srv, c := newFake(t, nil)
	srv.Fail(Match{Op: OpCreate}, http.StatusServiceUnavailable, 1)
	r := c.do(http.MethodPost, "/network/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	if r.status != 503 || srv.CountNamed(KindNetwork, "n") != 0 {
		t.Errorf("= %d with %d networks, want 503 and none", r.status, srv.CountNamed(KindNetwork, "n"))
	}
}

// TestHang: the request blocks until the client gives up; the next one
// is served.
func TestHang(t *testing.T) {
	srv, c := newFake(t, nil)
	srv.Hang(Match{Op: OpRead}, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/network/v2.0/networks", nil)
	req.Header.Set("X-Auth-Token", c.token)
	resp, err := c.hc.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a hung request answered %d", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hung request: %v, want the deadline", err)
	}
	if r := c.do(http.MethodGet, "/network/v2.0/networks", nil); r.status != 200 {
		t.Errorf("next request = %d", r.status)
	}
	reqs := srv.Requests()
	last2 := reqs[len(reqs)-2:]
	if !last2[0].Fault || last2[0].Status != 0 || last2[1].Fault || last2[1].Status != 200 {
		t.Errorf("request log %+v", last2)
	}
}

// TestHangReleasedByClose: Close does not wait for a client that never
// gives up.
func TestHangReleasedByClose(t *testing.T) {
	srv := New(nil)
	srv.Hang(Match{Op: OpAuth}, 1)
	done := make(chan error, 1)
	go func() {
		resp, err := srv.Client().Get(srv.URL() + "/identity/v3")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for srv.Count(Match{Op: OpAuth}) == 0 {
		// Wait until the request is in; Count takes the lock, so this
		// yields.
		runtime.Gosched()
	}
	srv.Close()
	<-done
}

// TestLoseResponse: the change is made and the connection dropped.
func TestLoseResponse(t *testing.T) {
	srv, c := newFake(t, nil)
	srv.LoseResponse(Match{Op: OpCreate, Path: "/network/"}, 1)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/network/v2.0/networks",
		strings.NewReader(`{"network": {"name": "lost"}}`))
	req.Header.Set("X-Auth-Token", c.token)
	resp, err := c.hc.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a lost response arrived: %d", resp.StatusCode)
	}
	if n := srv.CountNamed(KindNetwork, "lost"); n != 1 {
		t.Errorf("%d networks made, want 1", n)
	}
	// After the commit, a status instead of a dropped connection.
	srv.Inject(Fault{Match: Match{Op: OpCreate}, Status: http.StatusBadGateway, AfterCommit: true})
	r := c.do(http.MethodPost, "/network/v2.0/networks", map[string]any{"network": map[string]any{"name": "gateway"}})
	if r.status != http.StatusBadGateway || srv.CountNamed(KindNetwork, "gateway") != 1 {
		t.Errorf("= %d with %d networks, want 502 and 1", r.status, srv.CountNamed(KindNetwork, "gateway"))
	}
}

func TestCount(t *testing.T) {
	srv, c := newFake(t, nil)
	for range 3 {
		c.do(http.MethodGet, "/network/v2.0/networks", nil)
	}
	c.do(http.MethodPost, "/network/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	got := map[string]int{
		"GET networks":  srv.Count(Match{Method: "GET", Path: "/network/v2.0/networks"}),
		"creates":       srv.Count(Match{Op: OpCreate}),
		"auth":          srv.Count(Match{Op: OpAuth}),
		"tokens issued": srv.TokensIssued(),
	}
	want := map[string]int{"GET networks": 3, "creates": 1, "auth": 1, "tokens issued": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestStepping: Step, AutoStep and StepEvery advance asynchronous work.
func TestStepping(t *testing.T) {
	tests := map[string]struct {
		opts *Options
		// the server's status in each of three GETs (requests 5 to 7: a
		// request is answered before the step it triggers)
		want []string
	}{
		"manual":         {&Options{}, []string{"BUILD", "BUILD", "BUILD"}},
		"every request":  {&Options{AutoStep: true}, []string{"ACTIVE", "ACTIVE", "ACTIVE"}},
		"every third":    {&Options{StepEvery: 3}, []string{"BUILD", "BUILD", "ACTIVE"}},
		"every fifth":    {&Options{StepEvery: 5}, []string{"BUILD", "ACTIVE", "ACTIVE"}},
		"manual, Step'd": {nil, []string{"ACTIVE", "ACTIVE", "ACTIVE"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv, c := newFake(t, tc.opts)
			net := c.network("n", "10.0.0.0/24") // requests 2 and 3 (the login is 1)
			id := c.boot("s", net, nil)          // request 4
			if tc.opts == nil {
				srv.Step()
			}
			var got []string
			for range 3 {
				got = append(got, str2(c.nova(http.StatusOK, http.MethodGet, "/servers/"+id, nil), "server", "status"))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestConcurrentUse: concurrent clients, for the race detector.
func TestConcurrentUse(t *testing.T) {
	srv, c := newFake(t, &Options{AutoStep: true})
	net := c.network("n", "10.0.0.0/16")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc := &client{t: t, srv: srv, hc: srv.Client(), token: c.token, project: c.project}
			name := fmt.Sprintf("s%d", i)
			id := cc.boot(name, net, nil)
			cc.nova(http.StatusOK, http.MethodPost, "/servers/"+id+"/metadata", map[string]any{"metadata": map[string]any{"k": name}})
			cc.must(http.StatusOK, http.MethodGet, "/network/v2.0/networks", nil)
			cc.nova(http.StatusNoContent, http.MethodDelete, "/servers/"+id, nil)
		}()
	}
	wg.Wait()
	srv.Step()
	if n := len(srv.Objects(KindServer)); n != 0 {
		t.Errorf("%d servers left", n)
	}
	c.must(http.StatusNoContent, http.MethodDelete, "/network/v2.0/networks/"+net, nil)
}
