package dialect_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// listBackend lists rows as a store does with Filter.Known: a match the
// caller holds comes back nil, and Keys name every match. Only List is
// implemented.
type listBackend struct {
	dialect.Backend
	mu   sync.Mutex
	rows []*resource.Resource
	full int // rows returned in full
}

func (b *listBackend) List(_ context.Context, f store.Filter) (*store.Page, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	page := &store.Page{}
	for _, r := range b.rows {
		if f.ID != "" && r.ID != f.ID {
			continue
		}
		page.Total++
		if f.Known != nil {
			page.Keys = append(page.Keys, store.Key{Ref: r.Ref, Revision: r.Revision})
			if f.Known(r.Ref, r.Revision) {
				page.Items = append(page.Items, nil)
				continue
			}
		}
		c := *r
		page.Items = append(page.Items, &c)
		b.full++
	}
	return page, nil
}

func (b *listBackend) set(i int, name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := *b.rows[i]
	r.Name, r.Revision = name, r.Revision+100
	b.rows[i] = &r
}

func TestMemoDecodesOnlyWhatChanged(t *testing.T) {
	b := &listBackend{}
	for i := range 5 {
		b.rows = append(b.rows, &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: fmt.Sprintf("n%d", i)},
			Name: fmt.Sprintf("name%d", i), Revision: int64(i + 1)})
	}
	m := dialect.NewMemo[string](100)
	derived := 0
	list := func() []string {
		t.Helper()
		out, total, err := m.List(context.Background(), b, store.Filter{Kind: resource.KindNetwork},
			func(r *resource.Resource) string { derived++; return r.Name })
		if err != nil || total != len(b.rows) {
			t.Fatalf("List: %v, total %d", err, total)
		}
		return out
	}
	want := []string{"name0", "name1", "name2", "name3", "name4"}
	if got := list(); !slices.Equal(got, want) || derived != 5 {
		t.Fatalf("first list %v, %d derived", got, derived)
	}
	if got := list(); !slices.Equal(got, want) || derived != 5 || b.full != 5 {
		t.Fatalf("second list %v, %d derived, %d read in full", got, derived, b.full)
	}
	b.set(2, "renamed")
	want[2] = "renamed"
	if got := list(); !slices.Equal(got, want) || derived != 6 || b.full != 6 {
		t.Fatalf("after a write %v, %d derived, %d read in full", got, derived, b.full)
	}
}

func TestMemoIsBounded(t *testing.T) {
	b := &listBackend{}
	for i := range 50 {
		b.rows = append(b.rows, &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: fmt.Sprintf("n%d", i)},
			Name: fmt.Sprint(i), Revision: 1})
	}
	m := dialect.NewMemo[string](10)
	for range 2 {
		out, _, err := m.List(context.Background(), b, store.Filter{}, func(r *resource.Resource) string { return r.Name })
		if err != nil || len(out) != 50 || out[49] != "49" {
			t.Fatalf("List: %v %v", out, err)
		}
	}
	// At most 10 held: the second list read at least 40 in full again.
	if b.full < 90 {
		t.Errorf("%d rows read in full over two lists of 50 with 10 held at most", b.full)
	}
}

// TestMemoConcurrent runs lists and writes at once (for -race): every
// answer is a name the row has had.
func TestMemoConcurrent(t *testing.T) {
	b := &listBackend{}
	for i := range 20 {
		b.rows = append(b.rows, &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: fmt.Sprintf("n%d", i)},
			Name: fmt.Sprintf("n%d-0", i), Revision: 1})
	}
	m := dialect.NewMemo[string](8)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for j := range 50 {
				if g == 0 {
					b.set(j%20, fmt.Sprintf("n%d-%d", j%20, j+1))
				}
				out, _, err := m.List(context.Background(), b, store.Filter{ID: fmt.Sprintf("n%d", j%20)},
					func(r *resource.Resource) string { return r.Name })
				if err != nil || len(out) != 1 || out[0][:len(fmt.Sprintf("n%d-", j%20))] != fmt.Sprintf("n%d-", j%20) {
					t.Errorf("List n%d: %v %v", j%20, out, err)
				}
			}
		})
	}
	wg.Wait()
}

// TestFetchSharedKeepsTenancy reads a record through a warm memo as
// another tenant's member (NotFound, as Fetch answers), its own tenant's
// member and an administrator.
func TestFetchSharedKeepsTenancy(t *testing.T) {
	b := &listBackend{rows: []*resource.Resource{{Ref: resource.Ref{Kind: resource.KindServerGroup, ID: "g1"}, Tenant: "t1", Revision: 3}}}
	info, _ := resource.NewBuiltinRegistry().Info(resource.KindServerGroup)
	m := dialect.NewMemo[*resource.Resource](10)
	as := func(p *identity.Principal) context.Context { return dialect.WithPrincipal(context.Background(), p) }
	owner := as(&identity.Principal{UserID: "alice", TenantID: "t1"})
	other := as(&identity.Principal{UserID: "bob", TenantID: "t2"})
	admin := as(&identity.Principal{UserID: "root", TenantID: "t2", Roles: []string{identity.RoleAdmin}})
	for i, c := range []struct {
		ctx   context.Context
		id    string
		found bool
	}{{owner, "g1", true}, {other, "g1", false}, {admin, "g1", true}, {owner, "g2", false}, {owner, "../x", false}} {
		r, err := dialect.FetchShared(c.ctx, b, m, info, c.id)
		switch {
		case c.found && (err != nil || r.ID != c.id):
			t.Errorf("%d: %s: %v, %v; want it found", i, c.id, r, err)
		case !c.found && resource.CodeOf(err) != resource.NotFound:
			t.Errorf("%d: %s: %v, %v; want NotFound", i, c.id, r, err)
		}
	}
	if b.full != 1 {
		t.Errorf("the record was read in full %d times, want once", b.full)
	}
}
