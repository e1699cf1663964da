// Package httpapi serves orca over HTTP: the Keystone-style identity
// endpoint (/v3/auth/tokens), every kind of the registry at its seed 000
// path (/v1.0/...) with the seed's wrapped JSON bodies, actions, events,
// /healthz and an admin-only /debug/vars. It is an http.Handler over the
// small Backend interface (the Orchestrator satisfies it), so another Go
// service can mount it under any prefix; the seed dialects (ESC, Waldur,
// Mogan, Trema) are separate packages over the same Backend.
//
// What it promises: every request is authenticated (X-Auth-Token) except
// login and the liveness check; members see and touch only their tenant's
// resources (another tenant's answers 404) and nothing under /v1.0/admin;
// bad input is a 4xx with a JSON body naming the problem and changes
// nothing; no panic escapes (a 500 with a generic message, the details
// logged); responses carry ETags, and If-Match makes writes conditional
// (412 when stale).
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// Backend is what the handler needs from orca. *orca.Orchestrator
// implements it.
type Backend interface {
	Registry() *resource.Registry
	Get(ctx context.Context, ref resource.Ref) (*resource.Resource, error)
	List(ctx context.Context, f store.Filter) (*store.Page, error)
	Create(ctx context.Context, r *resource.Resource) (*resource.Resource, error)
	Update(ctx context.Context, r *resource.Resource) (*resource.Resource, error)
	Delete(ctx context.Context, ref resource.Ref, revision int64) error
	Act(ctx context.Context, target resource.Ref, verb string, params map[string]string) (*resource.Resource, error)
	SetCredentials(ctx context.Context, id string, creds vim.Credentials) (*resource.Resource, error)
	Health(ctx context.Context) (*orca.Health, error)
	StatsSnapshot() orca.StatsSnapshot
}

var _ Backend = (*orca.Orchestrator)(nil)

// Options configure a Handler.
type Options struct {
	// Auth resolves X-Auth-Token; required.
	Auth identity.Authenticator
	// Passwords and Tokens enable POST /v3/auth/tokens (login). Without
	// them tokens come from elsewhere (a real Keystone).
	Passwords identity.PasswordChecker
	Tokens    *identity.Tokens
	// LoginThrottle slows password guessing per user and client address;
	// nil means identity.NewThrottle(nil). Behind a proxy every client has
	// the proxy's address, so the throttle then works per user.
	LoginThrottle *identity.Throttle
	// BaseURL is the path prefix the handler is mounted under (with
	// http.StripPrefix), used in Location headers; default "".
	BaseURL string
	// MaxBodyBytes bounds request bodies; default 1 MiB.
	MaxBodyBytes int64
	// MaxPageSize bounds list pages (limit); default 1000.
	MaxPageSize int
	// Logger receives request errors; nil means slog.Default().
	Logger *slog.Logger
}

// Handler serves the API.
type Handler struct {
	b       Backend
	reg     *resource.Registry
	opts    Options
	log     *slog.Logger
	router  *httprouter.Router
	metrics metrics
}

// New returns the handler. An API without authentication is a
// configuration error, not a mode: opts.Auth is required, and so is Tokens
// when Passwords is given.
func New(b Backend, opts *Options) (*Handler, error) {
	if opts == nil || opts.Auth == nil {
		return nil, fmt.Errorf("httpapi: Options.Auth is required")
	}
	if opts.Passwords != nil && opts.Tokens == nil {
		return nil, fmt.Errorf("httpapi: Options.Tokens is required with Passwords")
	}
	h := &Handler{b: b, reg: b.Registry(), opts: *opts}
	if h.opts.MaxBodyBytes <= 0 {
		h.opts.MaxBodyBytes = 1 << 20
	}
	if h.opts.MaxPageSize <= 0 {
		h.opts.MaxPageSize = 1000
	}
	h.opts.BaseURL = strings.TrimSuffix(h.opts.BaseURL, "/")
	h.log = h.opts.Logger
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.opts.LoginThrottle == nil {
		h.opts.LoginThrottle = identity.NewThrottle(nil)
	}
	r := httprouter.New()
	// Trailing slashes are stripped before routing (ServeHTTP), so the
	// router never redirects; a wrong method is 405 with Allow.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.HandleOPTIONS = false
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeError(w, req, h.log, resource.Errorf(resource.NotFound, "no such path: %s", req.URL.Path))
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeStatusError(w, http.StatusMethodNotAllowed, "", fmt.Sprintf("%s is not allowed on %s (see the Allow header)", req.Method, req.URL.Path))
	})
	h.router = r
	h.routeIdentity()
	h.routeOps()
	for _, k := range h.reg.Kinds() {
		h.routeKind(k)
	}
	return h, nil
}

// ServeHTTP serves one request: trailing slash stripped, panics turned into
// 500s, latency and status counted.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			h.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			if !rec.wrote {
				writeStatusError(rec, http.StatusInternalServerError, "", "internal error")
			}
		}
		h.metrics.observe(rec.status(), time.Since(start))
	}()
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		// Deliberate: /v1.0/tenant/networks/ is /v1.0/tenant/networks.
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimRight(p, "/")
		r2.URL.RawPath = ""
		r = r2
	}
	rec.Header().Set("X-Content-Type-Options", "nosniff")
	h.router.ServeHTTP(rec, r)
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

func (s *statusRecorder) status() int {
	if !s.wrote {
		return http.StatusOK
	}
	return s.code
}

type principalKey struct{}

// principal returns the caller authenticated by authed.
func principal(r *http.Request) *identity.Principal {
	p, _ := r.Context().Value(principalKey{}).(*identity.Principal)
	return p
}

// handler serves a route: it writes the answer, or returns the error to
// answer with, having written nothing.
type handler func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error

// serve makes a handler a route, answering its error.
func (h *Handler) serve(fn handler) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if err := fn(w, r, ps); err != nil {
			writeError(w, r, h.log, err)
		}
	}
}

// authed makes a route that needs a caller.
func (h *Handler) authed(fn handler) httprouter.Handle {
	return h.serve(func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		p, err := h.opts.Auth.Authenticate(r.Context(), r.Header.Get("X-Auth-Token"))
		if err != nil {
			return err
		}
		return fn(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)), ps)
	})
}

// admin makes a route for administrators only.
func (h *Handler) admin(fn handler) httprouter.Handle {
	return h.authed(func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		if !principal(r).IsAdmin() {
			return resource.Errorf(resource.Forbidden, "administrators only")
		}
		return fn(w, r, ps)
	})
}
