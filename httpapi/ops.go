package httpapi

import (
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"
)

func (h *Handler) routeOps() {
	h.router.GET("/healthz", h.healthz)
	h.router.GET("/debug/vars", h.admin(h.debugVars))
}

// healthz answers liveness without authentication: 200 while the store
// answers, 503 when it does not. With an administrator's token it also
// lists every location's state (its drivers' last ping among them).
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	health, err := h.b.Health(r.Context())
	if err != nil {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable"})
		return
	}
	out := map[string]any{"status": "ok"}
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		if p, err := h.opts.Auth.Authenticate(r.Context(), tok); err == nil && p.IsAdmin() {
			out["orchestrator"] = health
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// debugVars serves this handler's and its orchestrator's counters. Unlike
// expvar's /debug/vars it is per instance and never shows the command line,
// which may hold a password.
func (h *Handler) debugVars(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	health, err := h.b.Health(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"orchestrator": h.b.StatsSnapshot(),
		"locations":    health.Locations,
		"http":         h.metrics.snapshot(),
		"runtime": map[string]any{
			"goroutines": runtime.NumGoroutine(), "heap_alloc_bytes": ms.HeapAlloc, "gc_cycles": ms.NumGC,
		},
	})
	return nil
}

// latencyBuckets are the upper bounds (ms) of the latency histogram.
var latencyBuckets = []float64{1, 5, 10, 50, 100, 500, 1000, 5000}

// metrics counts requests by status class and latency.
type metrics struct {
	requests atomic.Int64
	mu       sync.Mutex
	byStatus map[int]int64
	buckets  [9]int64 // len(latencyBuckets)+1, the last for slower ones
	sumMs    float64
	maxMs    float64
}

func (m *metrics) observe(status int, d time.Duration) {
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

func (m *metrics) snapshot() map[string]any {
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
