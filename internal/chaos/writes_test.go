package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/sync/errgroup"
)

// ledger records what the API acknowledged, and the writes a kill cut
// (sent, with no answer) that a retry then resolved.
type ledger struct {
	mu                              sync.Mutex
	created, deleted                map[string]bool
	inDoubt, createsAcked, delAcked int
}

func newLedger() *ledger { return &ledger{created: map[string]bool{}, deleted: map[string]bool{}} }

// acked returns how many writes the API has acknowledged.
func (l *ledger) acked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.createsAcked + l.delAcked
}

// create writes one resource until the API says it exists: 2xx, or,
// after a cut attempt, 409 for the ID and the resource there to read.
func create(ctx context.Context, srv *server, l *ledger, it *item) error {
	body, err := json.Marshal(map[string]any{it.key: it.body})
	if err != nil {
		return err
	}
	a, err := srv.call(ctx, http.MethodPost, it.path, body)
	if err != nil {
		return fmt.Errorf("create %s: %w", it.ref, err)
	}
	switch {
	case a.status/100 == 2:
	case a.status == http.StatusConflict && a.cut:
		// The cut attempt was applied: the resource must be there.
		g, err := srv.call(ctx, http.MethodGet, it.path+"/"+it.ref.ID, nil)
		if err != nil {
			return fmt.Errorf("read %s after a cut create: %w", it.ref, err)
		}
		if g.status != http.StatusOK {
			return fmt.Errorf("create %s: 409 after a cut attempt, then GET %d: %s", it.ref, g.status, g.body)
		}
	default:
		return fmt.Errorf("create %s: HTTP %d (cut attempt before: %v): %s", it.ref, a.status, a.cut, a.body)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.created[it.ref.ID] = true
	l.createsAcked++
	if a.cut {
		l.inDoubt++
	}
	return nil
}

// remove deletes one resource until the API accepts: 2xx, or, after a
// cut attempt, 404 (the cut attempt was applied and finished).
func remove(ctx context.Context, srv *server, l *ledger, it *item) error {
	a, err := srv.call(ctx, http.MethodDelete, it.path+"/"+it.ref.ID, nil)
	if err != nil {
		return fmt.Errorf("delete %s: %w", it.ref, err)
	}
	if a.status/100 != 2 && !(a.status == http.StatusNotFound && a.cut) {
		return fmt.Errorf("delete %s: HTTP %d (cut attempt before: %v): %s", it.ref, a.status, a.cut, a.body)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deleted[it.ref.ID] = true
	l.delAcked++
	if a.cut {
		l.inDoubt++
	}
	return nil
}

// submit writes one wave: its creations level by level (what servers and
// rules name first), then its deletions, a few at a time.
func submit(ctx context.Context, srv *server, l *ledger, p *plan, wave int) error {
	for level := range 2 {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(8)
		for _, it := range p.items {
			if it.wave == wave && it.level == level {
				g.Go(func() error { return create(gctx, srv, l, it) })
			}
		}
		if err := g.Wait(); err != nil {
			return err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, it := range p.items {
		if it.deleteWave == wave {
			g.Go(func() error { return remove(gctx, srv, l, it) })
		}
	}
	return g.Wait()
}
