package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
)

// TestGroupCommit: write transactions that queue behind a running one are
// committed together, in one SQLite transaction; one that fails or panics
// is rolled back alone, one whose caller gave up while waiting never runs,
// and every caller gets its own outcome.
func TestGroupCommit(t *testing.T) {
	b, eo, err := openBackend(filepath.Join(t.TempDir(), "g.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := engine.New(b, eo)
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	net := func(id string) *resource.Resource {
		return &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: id}, Tenant: "t",
			Spec: &resource.Network{CIDR: "10.0.0.0/24"}}
	}
	create := func(id string) func(ctx context.Context, tx store.Tx) error {
		return func(ctx context.Context, tx store.Tx) error {
			_, err := tx.Create(ctx, net(id))
			return err
		}
	}
	before := b.commits.Load()

	inside, release := make(chan struct{}), make(chan struct{})
	leader := make(chan error, 1)
	go func() {
		leader <- s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.Create(ctx, net("lead")); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside

	refused := errors.New("refused by its function")
	type member struct {
		id      string
		ctx     context.Context
		fn      func(ctx context.Context, tx store.Tx) error
		wantErr func(error) bool
		stored  bool
	}
	gaveUp, cancel := context.WithCancel(ctx)
	members := []member{
		{id: "ok-1", fn: create("ok-1"), stored: true},
		{id: "fails", fn: func(ctx context.Context, tx store.Tx) error {
			if err := create("fails")(ctx, tx); err != nil {
				return err
			}
			return refused
		}, wantErr: func(err error) bool { return err == refused }},
		{id: "ok-2", fn: create("ok-2"), stored: true},
		{id: "panics", fn: func(ctx context.Context, tx store.Tx) error {
			if err := create("panics")(ctx, tx); err != nil {
				return err
			}
			panic("boom")
		}, wantErr: func(err error) bool { return err != nil && err.Error() == "panic: boom" }},
		{id: "duplicate", fn: create("ok-1"), wantErr: func(err error) bool { return resource.CodeOf(err) == resource.Conflict }},
		{id: "gave-up", ctx: gaveUp, fn: create("gave-up"), wantErr: func(err error) bool { return errors.Is(err, context.Canceled) }},
		{id: "ok-3", fn: create("ok-3"), stored: true},
	}
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		mctx := m.ctx
		if mctx == nil {
			mctx = ctx
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					errs[i] = fmt.Errorf("panic: %v", v)
				}
			}()
			errs[i] = s.Txn(mctx, m.fn)
		}()
		waitQueued(t, b, i+1) // in this order
	}
	cancel() // gave-up leaves the queue before it runs
	waitQueued(t, b, len(members)-1)
	close(release)
	wg.Wait()
	if err := <-leader; err != nil {
		t.Fatalf("leader: %v", err)
	}

	for i, m := range members {
		switch {
		case m.wantErr == nil && errs[i] != nil:
			t.Errorf("%s: %v, want success", m.id, errs[i])
		case m.wantErr != nil && !m.wantErr(errs[i]):
			t.Errorf("%s: %v, not the error expected", m.id, errs[i])
		}
		_, err := s.Get(ctx, resource.Ref{Kind: resource.KindNetwork, ID: m.id})
		if stored := err == nil; stored != m.stored && m.id != "duplicate" {
			t.Errorf("%s stored: %v, want %v (%v)", m.id, stored, m.stored, err)
		}
	}
	// The leader's transaction, then one for all who waited.
	if n := b.commits.Load() - before; n != 2 {
		t.Errorf("%d commits for %d write transactions, want 2", n, len(members)+1)
	}
}

// waitQueued waits until n callers wait in the write queue.
func waitQueued(t *testing.T, b *backend, n int) {
	t.Helper()
	wait.Until(t, fmt.Sprintf("%d callers queued", n), func() bool {
		b.queue.mu.Lock()
		defer b.queue.mu.Unlock()
		return len(b.queue.pending) == n
	})
}
