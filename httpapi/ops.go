package httpapi

import (
	"net/http"
	"runtime"

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
		"http":         h.kit.Metrics().Snapshot(),
		"runtime": map[string]any{
			"goroutines": runtime.NumGoroutine(), "heap_alloc_bytes": ms.HeapAlloc, "gc_cycles": ms.NumGC,
			"mallocs": ms.Mallocs, // allocations per request, for the benchmarks
		},
	})
	return nil
}
