package orca

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/orca-nfv/orca/resource"
)

// TestQueueWakesWaitingWorkers: items added while many workers wait are
// all handed out, each once; Close then releases every worker still
// waiting.
func TestQueueWakesWaitingWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := newQueue()
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
