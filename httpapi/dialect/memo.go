package dialect

import (
	"context"
	"sync"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Memo keeps what a surface derives from resources it shows alongside
// another (a tenant's name, a server's name and IDs), by reference and
// revision. Every write makes a new revision, so an entry is right for as
// long as its revision is the stored one, and needs no invalidation: List
// asks the store which matches the memo holds (store.Filter.Known) and
// has only the others read in full and decoded. The memo holds at most max
// entries; past that, arbitrary ones are dropped. Values are shared
// between requests: they must not be modified. It is safe for concurrent
// use.
type Memo[V any] struct {
	mu    sync.Mutex
	max   int
	items map[resource.Ref]memoEntry[V]
}

type memoEntry[V any] struct {
	rev int64
	v   V
}

// NewMemo returns a memo of at most max entries.
func NewMemo[V any](max int) *Memo[V] {
	return &Memo[V]{max: max, items: map[resource.Ref]memoEntry[V]{}}
}

func (m *Memo[V]) get(ref resource.Ref, rev int64) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.items[ref]
	if !ok || e.rev != rev {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (m *Memo[V]) put(ref resource.Ref, rev int64, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.items[ref]; ok && e.rev > rev {
		return // a later revision is held already
	}
	m.items[ref] = memoEntry[V]{rev: rev, v: v}
	for k := range m.items {
		if len(m.items) <= m.max {
			break
		}
		delete(m.items, k)
	}
}

// List lists what f matches (f.Known is the memo's) and returns each
// match's value in the store's order, derived by derive from those not
// held, and the page's Total.
func (m *Memo[V]) List(ctx context.Context, b Backend, f store.Filter, derive func(*resource.Resource) V) ([]V, int, error) {
	var held map[resource.Ref]V // what the memo answered for, kept: it may drop them meanwhile
	f.Known = func(ref resource.Ref, rev int64) bool {
		v, ok := m.get(ref, rev)
		if ok {
			if held == nil {
				held = map[resource.Ref]V{}
			}
			held[ref] = v
		}
		return ok
	}
	page, err := b.List(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]V, len(page.Items))
	for i, r := range page.Items {
		if r == nil {
			out[i] = held[page.Keys[i].Ref]
			continue
		}
		out[i] = derive(r)
		m.put(r.Ref, r.Revision, out[i])
	}
	return out, page.Total, nil
}

// Records is a memo of whole records, decoded once per revision for the
// GETs that read them most. The records are shared: whoever gets one must
// not modify it.
type Records = Memo[*resource.Resource]

// FetchShared is Fetch through a memo of records: the record is read in
// full only when it changed since the memo last held it. The record
// returned is shared, read-only.
func FetchShared(ctx context.Context, b Backend, m *Records, info resource.KindInfo, id string) (*resource.Resource, error) {
	if resource.CheckID(id) != nil {
		return nil, NotFound(info, id) // no such ID can exist
	}
	recs, _, err := m.List(ctx, b, store.Filter{Kind: info.Kind, ID: id}, func(r *resource.Resource) *resource.Resource { return r })
	if err != nil {
		return nil, err
	}
	if len(recs) != 1 || !Visible(PrincipalFrom(ctx), info, recs[0]) {
		return nil, NotFound(info, id)
	}
	return recs[0], nil
}
