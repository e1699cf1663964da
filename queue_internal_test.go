package orca

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

// TestQueueWakesWaitingWorkers: items added while many workers wait are
// all handed out, each once; Close then releases every worker still
// waiting.
func TestQueueWakesWaitingWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := newQueue(nil, 1)
		const workers, items = 16, 100
		var mu sync.Mutex
		got := map[resource.Ref]int{}
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for {
					ref, ok := q.Get(t.Context())
					if !ok {
						return
					}
					mu.Lock()
					got[ref]++
					mu.Unlock()
					q.Done(ref)
				}
			})
		}
		synctest.Wait() // every worker waits on an empty queue
		for i := range items {
			q.Add(resource.Ref{Kind: resource.KindNetwork, ID: fmt.Sprint("n", i)})
		}
		synctest.Wait()
		if len(got) != items {
			t.Errorf("%d of %d items handed out", len(got), items)
		}
		for ref, n := range got {
			if n != 1 {
				t.Errorf("%s handed out %d times", ref, n)
			}
		}
		q.Close()
		wg.Wait() // bounded by the bubble: a worker left waiting deadlocks it
	})
}

// TestQueueLanes: fan-lane keys go first while fewer than the cap of them
// run, work-lane keys then, and fan-lane keys past the cap only when no
// other work waits; Done frees a fan slot. Each lane keeps its order.
func TestQueueLanes(t *testing.T) {
	isFan := func(r resource.Ref) bool { return r.Kind == resource.KindNetwork }
	q := newQueue(isFan, 2)
	fan := func(id string) resource.Ref { return resource.Ref{Kind: resource.KindNetwork, ID: id} }
	work := func(id string) resource.Ref { return resource.Ref{Kind: resource.KindLocalNetwork, ID: id} }
	for _, r := range []resource.Ref{work("w1"), fan("f1"), work("w2"), fan("f2"), fan("f3"), fan("f4")} {
		q.Add(r)
	}
	get := func() resource.Ref {
		t.Helper()
		r, ok := q.Get(t.Context())
		if !ok {
			t.Fatal("Get: closed")
		}
		return r
	}
	var got []resource.Ref
	for range 4 {
		got = append(got, get())
	}
	// f1 and f2 fill the cap; the work lane's keys come next, in order.
	want := []resource.Ref{fan("f1"), fan("f2"), work("w1"), work("w2")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first four (-want +got):\n%s", diff)
	}
	// No work waits: past the cap all the same.
	if r := get(); r != fan("f3") {
		t.Errorf("with the work lane empty, got %v, want f3", r)
	}
	q.Add(work("w3"))
	if r := get(); r != work("w3") {
		t.Errorf("three fan keys running and work waiting: got %v, want w3", r)
	}
	q.Done(fan("f1"))
	q.Done(fan("f2"))
	q.Add(work("w4"))
	if r := get(); r != fan("f4") {
		t.Errorf("with a fan slot free again: got %v, want f4", r)
	}
	if r := get(); r != work("w4") {
		t.Errorf("last: got %v, want w4", r)
	}
}
