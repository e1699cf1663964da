package orca

import (
	"context"
	"sync"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// fenceKey carries the lease a pass runs under (see LeaseOptions).
type fenceKey struct{}

// withFence makes the writes and VIM calls made with ctx depend on h.
func withFence(ctx context.Context, h *heldLease) context.Context {
	return context.WithValue(ctx, fenceKey{}, h)
}

func fenceOf(ctx context.Context) *heldLease {
	h, _ := ctx.Value(fenceKey{}).(*heldLease)
	return h
}

// fencedStore is the store as the orchestrator writes it when replicas
// share it: a write made under a lease (a pass's) checks, in its own
// transaction, that the lease is still held at its epoch, so a replica that
// lost a lease cannot write what the new holder may be writing; and the
// revisions this replica writes are noted, so that following the store
// does not schedule again what this replica itself just did.
type fencedStore struct {
	store.Store
	leases *leaser    // nil without LeaseOptions
	own    *ownWrites // nil when not following
}

// GetSpec passes store.SpecGetter through: reads are not fenced.
func (s *fencedStore) GetSpec(ctx context.Context, ref resource.Ref) (*resource.Resource, error) {
	return store.GetSpec(ctx, s.Store, ref)
}

func (s *fencedStore) Create(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	return s.write(ctx, func(ctx context.Context, w store.Writer) (*resource.Resource, error) { return w.Create(ctx, r) })
}

func (s *fencedStore) Update(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	return s.write(ctx, func(ctx context.Context, w store.Writer) (*resource.Resource, error) { return w.Update(ctx, r) })
}

func (s *fencedStore) UpdateStatus(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	return s.write(ctx, func(ctx context.Context, w store.Writer) (*resource.Resource, error) { return w.UpdateStatus(ctx, r) })
}

func (s *fencedStore) Delete(ctx context.Context, ref resource.Ref, revision int64) error {
	_, err := s.write(ctx, func(ctx context.Context, w store.Writer) (*resource.Resource, error) {
		return nil, w.Delete(ctx, ref, revision)
	})
	return err
}

// write runs one write, in a transaction with the fence check when ctx
// carries a lease.
func (s *fencedStore) write(ctx context.Context, op func(context.Context, store.Writer) (*resource.Resource, error)) (*resource.Resource, error) {
	h := fenceOf(ctx)
	if h == nil || s.leases == nil {
		out, err := op(ctx, s.Store)
		if err == nil {
			s.own.note(out)
		}
		return out, err
	}
	var out *resource.Resource
	err := s.Store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.leases.check(ctx, tx, h); err != nil {
			return err
		}
		var err error
		out, err = op(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.own.note(out)
	return out, nil
}

func (s *fencedStore) Txn(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	h := fenceOf(ctx)
	var rec *recordingTx
	err := s.Store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		if h != nil && s.leases != nil {
			if err := s.leases.check(ctx, tx, h); err != nil {
				return err
			}
		}
		if s.own == nil {
			return fn(ctx, tx)
		}
		rec = &recordingTx{Tx: tx} // a retried fn starts afresh
		return fn(ctx, rec)
	})
	if err == nil && rec != nil {
		for _, r := range rec.wrote {
			s.own.note(r)
		}
	}
	return err
}

// recordingTx notes what a transaction wrote, for after its commit.
type recordingTx struct {
	store.Tx
	wrote []*resource.Resource
}

func (t *recordingTx) Create(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	return t.keep(t.Tx.Create(ctx, r))
}

func (t *recordingTx) Update(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	return t.keep(t.Tx.Update(ctx, r))
}

func (t *recordingTx) UpdateStatus(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	return t.keep(t.Tx.UpdateStatus(ctx, r))
}

func (t *recordingTx) keep(r *resource.Resource, err error) (*resource.Resource, error) {
	if err == nil {
		t.wrote = append(t.wrote, r)
	}
	return r, err
}

// ownWrites are the revisions this process wrote that following the store
// has not seen yet. It forgets everything when it grows past its bound:
// the cost of forgetting is a pass that finds nothing to do.
type ownWrites struct {
	mu  sync.Mutex
	rev map[resource.Ref]int64
}

const maxOwnWrites = 1 << 17

func (w *ownWrites) note(r *resource.Resource) {
	if w == nil || r == nil {
		return
	}
	w.mu.Lock()
	if len(w.rev) >= maxOwnWrites {
		clear(w.rev)
	}
	w.rev[r.Ref] = r.Revision
	w.mu.Unlock()
}

// take reports whether this process wrote ref at revision, and forgets it.
func (w *ownWrites) take(ref resource.Ref, revision int64) bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	rev, ok := w.rev[ref]
	if ok && rev <= revision {
		delete(w.rev, ref)
	}
	return ok && rev == revision
}
