package dialect

import (
	"encoding/json"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// Wrap makes h a surface's outermost handler: a panic becomes a 500 in the
// dialect's shape (details logged, never sent), every answer is counted in
// the Kit's Metrics, and responses carry X-Content-Type-Options: nosniff.
func (k *Kit) Wrap(render Render, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p) // the client left; net/http handles it quietly
				}
				k.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				if !rec.wrote {
					render(rec, r, &Problem{Status: http.StatusInternalServerError, Message: "internal error", Header: http.Header{}})
				}
			}
			k.opts.Metrics.Observe(rec.status(), time.Since(start))
		}()
		rec.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(rec, r)
	})
}

// Endpoint serves one route: it writes its answer, or returns the error to
// answer with, having written nothing.
type Endpoint func(w http.ResponseWriter, r *http.Request) error

// Answer writes err through render, classified by statuses (nil means
// DefaultStatuses).
func (k *Kit) Answer(w http.ResponseWriter, r *http.Request, render Render, statuses Statuses, err error) {
	p := k.ProblemOf(r, err, statuses)
	for name, v := range p.Header {
		w.Header()[name] = v
	}
	render(w, r, p)
}

type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.code, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.wrote {
		s.code, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if !s.wrote {
		return http.StatusOK
	}
	return s.code
}

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // a failed write means the client left
}

// BaseURL is the absolute URL a surface's links start with: configured,
// when given (a public endpoint), else the request's scheme and Host, as
// Django's build_absolute_uri and Mogan's host_url take them.
func BaseURL(r *http.Request, configured string) string {
	if configured != "" {
		return strings.TrimSuffix(configured, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
