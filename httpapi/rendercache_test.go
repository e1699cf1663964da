package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
)

// decodeCounter counts the items a backend's lists read in full.
type decodeCounter struct {
	*orca.Orchestrator
	decoded atomic.Int64
}

func (d *decodeCounter) List(ctx context.Context, f store.Filter) (*store.Page, error) {
	page, err := d.Orchestrator.List(ctx, f)
	if err == nil {
		for _, it := range page.Items {
			if it != nil {
				d.decoded.Add(1)
			}
		}
	}
	return page, err
}

// TestListServesRenderedFromCache: a second list reads nothing in full and
// answers the same bytes; a write is seen at once (its new revision is not
// held), and only the changed item is read again. Another tenant's list
// gets nothing of the first's.
func TestListServesRenderedFromCache(t *testing.T) {
	s := memstore.New(nil)
	b := &decodeCounter{Orchestrator: orca.New(s, &orca.Options{Logger: slog.New(slog.DiscardHandler)})}
	tokens := identity.NewTokens(0)
	h, err := New(b, &Options{Auth: tokens, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := tokens.Issue(&identity.Principal{UserName: "alice", TenantID: "t1"})
	bob, _ := tokens.Issue(&identity.Principal{UserName: "bob", TenantID: "t2"})
	ctx := t.Context()
	for i := range 3 {
		if _, err := b.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: fmt.Sprintf("n%d", i)},
			Tenant: "t1", Spec: &resource.Network{CIDR: "10.0.0.0/24", Description: "d"}}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(token string) string {
		t.Helper()
		req := httptest.NewRequest("GET", "/v1.0/tenant/networks", nil)
		req.Header.Set("X-Auth-Token", token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("list: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	first := list(alice)
	if n := b.decoded.Swap(0); n != 3 {
		t.Errorf("first list read %d items in full, want 3", n)
	}
	if again := list(alice); again != first {
		t.Errorf("a list from the cache differs:\n%s", cmp.Diff(first, again))
	}
	if n := b.decoded.Swap(0); n != 0 {
		t.Errorf("second list read %d items in full, want 0", n)
	}

	n1, err := b.Get(ctx, resource.Ref{Kind: resource.KindNetwork, ID: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	n1.Spec.(*resource.Network).Description = "changed"
	if _, err := b.Update(ctx, n1); err != nil {
		t.Fatal(err)
	}
	after := list(alice)
	if n := b.decoded.Swap(0); n != 1 {
		t.Errorf("after one write, a list read %d items in full, want 1", n)
	}
	if strings.Count(after, `"description":"changed"`) != 1 || strings.Count(after, `"description":"d"`) != 2 {
		t.Errorf("after the write: %s", after)
	}
	if other := list(bob); strings.Contains(other, `"n0"`) || !strings.Contains(other, `"networks":[]`) {
		t.Errorf("another tenant's list: %s", other)
	}
}

// TestRenderCacheBudget: entries go least recently used first within the
// budget; an older revision never replaces a newer one; what is too big is
// not kept.
func TestRenderCacheBudget(t *testing.T) {
	ref := func(id string) resource.Ref { return resource.Ref{Kind: resource.KindNetwork, ID: id} }
	obj := strings.Repeat("x", 72) // 72 + 128 per entry: 200 bytes
	c := newRenderCache(600)       // three entries
	for _, id := range []string{"a", "b", "c"} {
		c.put(ref(id), 1, []byte(obj))
	}
	if _, ok := c.get(ref("a"), 1); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put(ref("d"), 1, []byte(obj)) // evicts b, the least recent
	for id, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok := c.get(ref(id), 1); ok != want {
			t.Errorf("%s held: %v, want %v", id, ok, want)
		}
	}
	c.put(ref("a"), 5, []byte("new"))
	c.put(ref("a"), 4, []byte("old"))
	if b, ok := c.get(ref("a"), 5); !ok || string(b) != "new" {
		t.Errorf("a at 5 = %q, %v; want the newer revision kept", b, ok)
	}
	if _, ok := c.get(ref("a"), 4); ok {
		t.Error("a at the older revision 4 is held")
	}
	c.put(ref("big"), 1, make([]byte, 600))
	if _, ok := c.get(ref("big"), 1); ok {
		t.Error("an object over the whole budget is held")
	}
	if c.size > c.max {
		t.Errorf("size %d over the budget %d", c.size, c.max)
	}
	if newRenderCache(-1) != nil {
		t.Error("a negative budget must turn the cache off")
	}
}
