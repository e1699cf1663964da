package dialect

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds (ms) of the latency histogram.
var latencyBuckets = []float64{1, 5, 10, 50, 100, 500, 1000, 5000}

// Metrics counts requests by status and latency. One value serves every
// surface of a server, so /debug/vars shows them all. The zero value is
// ready to use.
type Metrics struct {
	requests atomic.Int64
	mu       sync.Mutex
	byStatus map[int]int64
	buckets  [9]int64 // len(latencyBuckets)+1, the last for slower ones
	sumMs    float64
	maxMs    float64
}

// Observe counts one answered request.
func (m *Metrics) Observe(status int, d time.Duration) {
	m.requests.Add(1)
	ms := float64(d) / float64(time.Millisecond)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byStatus == nil {
		m.byStatus = map[int]int64{}
	}
	m.byStatus[status]++
	i := 0
	for i < len(latencyBuckets) && ms > latencyBuckets[i] {
		i++
	}
	m.buckets[i]++
	m.sumMs += ms
	m.maxMs = max(m.maxMs, ms)
}

// Snapshot returns the counters as JSON-ready values.
func (m *Metrics) Snapshot() map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	byStatus := map[string]int64{}
	for code, n := range m.byStatus {
		byStatus[http.StatusText(code)+" ("+strconv.Itoa(code)+")"] = n
	}
	hist := map[string]int64{}
	for i, b := range latencyBuckets {
		hist["le_"+strconv.Itoa(int(b))+"ms"] = m.buckets[i]
	}
	hist["gt_"+strconv.Itoa(int(latencyBuckets[len(latencyBuckets)-1]))+"ms"] = m.buckets[len(latencyBuckets)]
	return map[string]any{
		"requests": m.requests.Load(), "by_status": byStatus,
		"latency_ms": map[string]any{"histogram": hist, "sum": m.sumMs, "max": m.maxMs},
	}
}
