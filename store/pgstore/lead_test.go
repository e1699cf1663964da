package pgstore

import (
	"context"
	"testing"
	"time"
)

// TestLead: one process leads a name at a time; the next leads once the
// first releases or its session dies (terminated on the server, as when
// the process is killed), and the first then sees its leadership lost.
// Another schema's leadership is separate.
func TestLead(t *testing.T) {
	c := needPG(t)
	dsn := freshSchema(t)
	ctx := t.Context()
	opts := &LeadOptions{Every: 50 * time.Millisecond}

	first, err := Lead(ctx, dsn, "reconciler", opts)
	if err != nil {
		t.Fatal(err)
	}
	if other, err := Lead(ctx, freshSchema(t), "reconciler", opts); err != nil {
		t.Fatalf("another schema: %v", err)
	} else {
		other.Release()
	}

	// Nobody else leads meanwhile: a try bounded by its context gives up.
	bounded, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := Lead(bounded, dsn, "reconciler", opts); err != context.DeadlineExceeded {
		t.Fatalf("a second Lead while the first holds = %v, want it to wait until its context ends", err)
	}
	second := make(chan *Leadership, 1)
	go func() {
		l, err := Lead(ctx, dsn, "reconciler", opts)
		if err != nil {
			t.Error(err)
		}
		second <- l
	}()

	// The first process's session dies.
	if _, err := c.admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, int64(first.pid)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.Lost():
	case <-time.After(10 * time.Second):
		t.Fatal("the first process still believes it leads after its session died")
	}
	var next *Leadership
	select {
	case next = <-second:
	case <-time.After(10 * time.Second):
		t.Fatal("nobody leads after the leader's session died")
	}
	if next == nil {
		t.Fatal("the second Lead failed")
	}

	// Release hands over at once.
	third := make(chan *Leadership, 1)
	go func() {
		l, _ := Lead(ctx, dsn, "reconciler", opts)
		third <- l
	}()
	next.Release()
	select {
	case <-next.Lost():
	default:
		t.Error("Lost is not closed after Release")
	}
	select {
	case l := <-third:
		if l == nil {
			t.Fatal("the third Lead failed")
		}
		l.Release()
	case <-time.After(10 * time.Second):
		t.Fatal("nobody leads after a release")
	}
}
