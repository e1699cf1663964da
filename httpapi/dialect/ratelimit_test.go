package dialect

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/identity"
)

// limited is a handler behind a limiter, counting what reaches it.
type limited struct {
	l       *RateLimiter
	h       http.Handler
	reached atomic.Int64
}

func newLimited(t *testing.T, opts *RateLimitOptions) *limited {
	t.Helper()
	l, err := NewRateLimiter(opts)
	if err != nil {
		t.Fatal(err)
	}
	lt := &limited{l: l}
	lt.h = l.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lt.reached.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	return lt
}

// send makes a request from addr with headers (name, value, ...).
func (lt *limited) send(addr string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/v1.0/tenant/networks", nil)
	req.RemoteAddr = addr + ":40000"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	lt.h.ServeHTTP(w, req)
	return w
}

// TestRateLimitBucket: a quiet client may make Burst requests at once,
// then one per 1/Rate; a refused request is 429 with Retry-After and a
// message, and never reaches the handler.
func TestRateLimitBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lt := newLimited(t, &RateLimitOptions{Rate: 0.5, Burst: 3})
		var codes []int
		for range 4 {
			codes = append(codes, lt.send("192.0.2.1").Code)
		}
		if diff := cmp.Diff([]int{204, 204, 204, 429}, codes); diff != "" {
			t.Errorf("a burst of 4 (-want +got):\n%s", diff)
		}
		w := lt.send("192.0.2.1")
		var body struct {
			Error struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != 429 ||
			!strings.Contains(body.Error.Message, "too many requests") || w.Header().Get("Retry-After") != "2" {
			t.Errorf("refusal: %d Retry-After %q %s (%v)", w.Code, w.Header().Get("Retry-After"), w.Body, err)
		}
		if n := lt.reached.Load(); n != 3 {
			t.Errorf("%d requests reached the handler, want 3", n)
		}
		time.Sleep(2 * time.Second) // one more request's worth
		if c := lt.send("192.0.2.1").Code; c != 204 {
			t.Errorf("after Retry-After: %d", c)
		}
		if c := lt.send("192.0.2.1").Code; c != 429 {
			t.Errorf("the refilled request spent, again: %d", c)
		}
		time.Sleep(time.Hour) // refills to Burst, no more
		codes = nil
		for range 4 {
			codes = append(codes, lt.send("192.0.2.1").Code)
		}
		if diff := cmp.Diff([]int{204, 204, 204, 429}, codes); diff != "" {
			t.Errorf("after an hour's rest (-want +got):\n%s", diff)
		}
	})
}

// TestRateLimitKeys: a valid token's user is the client wherever it
// connects from; anything else is its address, so minting bad tokens or
// naming other users in basic credentials buys no budget.
func TestRateLimitKeys(t *testing.T) {
	tokens := identity.NewTokens(time.Hour)
	alice, _ := tokens.Issue(&identity.Principal{UserID: "alice", TenantID: "t1", Roles: []string{identity.RoleMember}})
	alice2, _ := tokens.Issue(&identity.Principal{UserID: "alice", TenantID: "t1", Roles: []string{identity.RoleMember}})
	bob, _ := tokens.Issue(&identity.Principal{UserID: "bob", TenantID: "t2", Roles: []string{identity.RoleMember}})
	type req struct {
		addr    string
		headers []string
	}
	tests := map[string]struct {
		spend, then req
		want        int // the answer to then, once spend has used the budget
	}{
		"one user, two addresses": {req{"192.0.2.1", []string{"X-Auth-Token", alice}}, req{"192.0.2.2", []string{"X-Auth-Token", alice}}, 429},
		"one user, two sessions":  {req{"192.0.2.1", []string{"X-Auth-Token", alice}}, req{"192.0.2.1", []string{"Authorization", "Token " + alice2}}, 429},
		"bearer is the user too":  {req{"192.0.2.1", []string{"X-Auth-Token", alice}}, req{"192.0.2.3", []string{"Authorization", "Bearer " + alice}}, 429},
		"two users, one proxy":    {req{"192.0.2.1", []string{"X-Auth-Token", alice}}, req{"192.0.2.1", []string{"X-Auth-Token", bob}}, 204},
		"a user and the address":  {req{"192.0.2.1", []string{"X-Auth-Token", alice}}, req{"192.0.2.1", nil}, 204},
		"anonymous, one address":  {req{"192.0.2.1", nil}, req{"192.0.2.1", nil}, 429},
		"anonymous, two":          {req{"192.0.2.1", nil}, req{"192.0.2.2", nil}, 204},
		"minted tokens":           {req{"192.0.2.1", []string{"X-Auth-Token", "forged-1"}}, req{"192.0.2.1", []string{"X-Auth-Token", "forged-2"}}, 429},
		"basic, other names":      {req{"192.0.2.1", []string{"Authorization", "Basic YWxpY2U6eA=="}}, req{"192.0.2.1", []string{"Authorization", "Basic Ym9iOng="}}, 429},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			lt := newLimited(t, &RateLimitOptions{Rate: 1e-6, Burst: 2, Auth: tokens})
			for i := range 2 {
				if c := lt.send(tc.spend.addr, tc.spend.headers...).Code; c != 204 {
					t.Fatalf("request %d within the budget: %d", i+1, c)
				}
			}
			if c := lt.send(tc.then.addr, tc.then.headers...).Code; c != tc.want {
				t.Errorf("then: %d, want %d", c, tc.want)
			}
		})
	}
}

// TestRateLimitMemory: the clients remembered stay within MaxClients
// however many come; idle ones are forgotten first, so a busy client keeps
// its spent budget while others come and go.
func TestRateLimitMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lt := newLimited(t, &RateLimitOptions{Rate: 1, Burst: 1, MaxClients: 3})
		remembered := func() int {
			lt.l.mu.Lock()
			defer lt.l.mu.Unlock()
			return len(lt.l.buckets)
		}
		for i := range 1000 { // a crowd, each client once
			lt.send(fmt.Sprintf("198.51.%d.%d", i/250, i%250))
			if n := remembered(); n > 3 {
				t.Fatalf("%d clients remembered, want at most 3", n)
			}
		}
		// A busy client (a request every 100ms, one a second allowed)
		// while a new client comes every 2 seconds: 10 seconds allow it
		// 10 requests, or 11 with its first.
		allowed := 0
		for i := range 100 {
			if lt.send("192.0.2.1").Code == 204 {
				allowed++
			}
			if i%20 == 0 {
				lt.send(fmt.Sprintf("203.0.113.%d", i))
			}
			time.Sleep(100 * time.Millisecond)
		}
		if allowed > 11 || allowed < 9 {
			t.Errorf("the busy client was allowed %d requests in 10s, want about 10", allowed)
		}
	})
}

func TestRateLimitOptions(t *testing.T) {
	for name, opts := range map[string]*RateLimitOptions{
		"nil": nil, "zero": {}, "negative": {Rate: -1}, "NaN": {Rate: math.NaN()}, "infinite": {Rate: math.Inf(1)},
	} {
		if _, err := NewRateLimiter(opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	l, err := NewRateLimiter(&RateLimitOptions{Rate: 0.1})
	if err != nil || l.opts.Burst != 1 || l.opts.MaxClients != 10000 {
		t.Errorf("defaults: burst %d, max clients %d, %v", l.opts.Burst, l.opts.MaxClients, err)
	}
	// A dialect's own shape.
	lt := newLimited(t, &RateLimitOptions{Rate: 1e-6, Burst: 1, Render: func(w http.ResponseWriter, _ *http.Request, p *Problem) {
		w.WriteHeader(p.Status)
		w.Write([]byte(p.Message + "\n"))
	}})
	lt.send("192.0.2.1")
	if w := lt.send("192.0.2.1"); w.Code != 429 || !strings.HasPrefix(w.Body.String(), "too many requests") || w.Header().Get("Retry-After") == "" {
		t.Errorf("rendered: %d %q", w.Code, w.Body)
	}
}
