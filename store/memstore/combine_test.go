package memstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
)

// TestCombinedWrites: write transactions that queue while one runs are run
// by one combiner, in one hold of the lock; one that fails or panics is
// rolled back alone, one whose caller gave up while waiting never runs, and
// every caller gets its own outcome.
func TestCombinedWrites(t *testing.T) {
	b := newBackend()
	b.reg = resource.NewBuiltinRegistry()
	s := engine.New(b, &engine.Options{Registry: b.reg})
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

	inside, release := make(chan struct{}), make(chan struct{})
	lead := make(chan error, 1)
	go func() {
		lead <- s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
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
	gaveUp, cancel := context.WithCancel(ctx)
	members := []struct {
		id  string
		ctx context.Context
		fn  func(ctx context.Context, tx store.Tx) error
	}{
		{"ok-1", ctx, create("ok-1")},
		{"fails", ctx, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.Create(ctx, net("fails")); err != nil {
				return err
			}
			return refused
		}},
		{"panics", ctx, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.Create(ctx, net("panics")); err != nil {
				return err
			}
			panic("boom")
		}},
		{"duplicate", ctx, create("lead")},
		{"gave-up", gaveUp, create("gave-up")},
		{"ok-2", ctx, create("ok-2")},
	}
	got := make(map[string]string, len(members))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, m := range members {
		wg.Go(func() {
			outcome := "ok"
			func() {
				defer func() {
					if r := recover(); r != nil {
						outcome = fmt.Sprint("panic: ", r)
					}
				}()
				switch err := s.Txn(m.ctx, m.fn); {
				case errors.Is(err, refused):
					outcome = "refused"
				case resource.CodeOf(err) == resource.Conflict:
					outcome = "conflict"
				case errors.Is(err, context.Canceled):
					outcome = "canceled"
				case err != nil:
					outcome = err.Error()
				}
			}()
			mu.Lock()
			got[m.id] = outcome
			mu.Unlock()
		})
	}
	// Every member waits behind the leader, which holds the lock.
	wait.Until(t, "every member queued", func() bool {
		b.writes.mu.Lock()
		defer b.writes.mu.Unlock()
		return len(b.writes.queue) == len(members)
	})
	cancel()
	close(release)
	if err := <-lead; err != nil {
		t.Fatalf("leader: %v", err)
	}
	wg.Wait()

	want := map[string]string{"ok-1": "ok", "fails": "refused", "panics": "panic: boom",
		"duplicate": "conflict", "gave-up": "canceled", "ok-2": "ok"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	page, err := s.List(ctx, store.Filter{Kind: resource.KindNetwork, Sort: "id"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range page.Items {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"lead", "ok-1", "ok-2"}, ids); diff != "" {
		t.Errorf("stored (-want +got):\n%s", diff)
	}
	// Nothing is left queued or combining, and the store still writes.
	if b.writes.combining || len(b.writes.queue) != 0 {
		t.Errorf("combiner left busy: combining %v, %d queued", b.writes.combining, len(b.writes.queue))
	}
	if _, err := s.Create(ctx, net("after")); err != nil {
		t.Errorf("write after the batch: %v", err)
	}
}
