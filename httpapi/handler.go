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
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/julienschmidt/httprouter"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// Backend is what the handler needs from orca (dialect.Backend, which
// every surface shares). *orca.Orchestrator implements it.
type Backend = dialect.Backend

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
	// Metrics counts requests; nil means the handler's own. Give every
	// surface of a server the same one.
	Metrics *dialect.Metrics
	// BaseURL is the path prefix the handler is mounted under (with
	// http.StripPrefix), used in Location headers; default "".
	BaseURL string
	// MaxBodyBytes bounds request bodies; default 1 MiB.
	MaxBodyBytes int64
	// MaxPageSize bounds list pages (limit); default 1000.
	MaxPageSize int
	// RenderCacheBytes bounds the memory that keeps wire objects as
	// rendered, by revision, so that lists need not read and decode what
	// did not change; default 32 MiB, negative turns it off.
	RenderCacheBytes int
	// Logger receives request errors; nil means slog.Default().
	Logger *slog.Logger
}

// Handler serves the API.
type Handler struct {
	b       Backend
	reg     *resource.Registry
	opts    Options
	kit     *dialect.Kit
	log     *slog.Logger
	router  *httprouter.Router
	serve0  http.Handler // the router behind the kit's wrapper
	kinds   sync.Map     // kind → *wireKind (wire.go)
	renders *renderCache // nil: off
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
	if h.opts.RenderCacheBytes == 0 {
		h.opts.RenderCacheBytes = 32 << 20
	}
	h.renders = newRenderCache(h.opts.RenderCacheBytes)
	h.opts.BaseURL = strings.TrimSuffix(h.opts.BaseURL, "/")
	if h.opts.LoginThrottle == nil {
		h.opts.LoginThrottle = identity.NewThrottle(nil)
	}
	kit, err := dialect.New(&dialect.Options{Auth: opts.Auth, Passwords: opts.Passwords, Throttle: h.opts.LoginThrottle,
		MaxBodyBytes: h.opts.MaxBodyBytes, Metrics: opts.Metrics, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	h.kit, h.log = kit, kit.Log()
	r := httprouter.New()
	// Trailing slashes are stripped before routing (ServeHTTP), so the
	// router never redirects; a wrong method is 405 with Allow.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.HandleOPTIONS = false
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.answer(w, req, resource.Errorf(resource.NotFound, "no such path: %s", req.URL.Path))
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.answer(w, req, dialect.Status(http.StatusMethodNotAllowed, "%s is not allowed on %s (see the Allow header)", req.Method, req.URL.Path))
	})
	h.router = r
	h.serve0 = kit.Wrap(renderProblem, http.HandlerFunc(h.route))
	h.routeIdentity()
	h.routeOps()
	for _, k := range h.reg.Kinds() {
		h.routeKind(k)
	}
	return h, nil
}

// Backend is what the handler serves.
func (h *Handler) Backend() Backend { return h.b }

// Kit is the toolkit this handler is built on: the seed dialects of the
// same server are built on it too, so they share its users, throttle,
// limits and metrics.
func (h *Handler) Kit() *dialect.Kit { return h.kit }

// ServeHTTP serves one request: trailing slash stripped, panics turned into
// 500s, latency and status counted.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.serve0.ServeHTTP(w, r)
}

// route strips a trailing slash and routes.
func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		// Deliberate: /v1.0/tenant/networks/ is /v1.0/tenant/networks.
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimRight(p, "/")
		r2.URL.RawPath = ""
		r = r2
	}
	h.router.ServeHTTP(w, r)
}

// principal returns the caller authenticated by authed.
func principal(r *http.Request) *identity.Principal { return dialect.Caller(r) }

// handler serves a route: it writes the answer, or returns the error to
// answer with, having written nothing.
type handler func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error

// serve makes a handler a route, answering its error.
func (h *Handler) serve(fn handler) httprouter.Handle {
	return func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		if err := fn(w, r, ps); err != nil {
			h.answer(w, r, err)
		}
	}
}

// authed makes a route that needs a caller.
func (h *Handler) authed(fn handler) httprouter.Handle {
	return h.serve(func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) error {
		p, err := h.kit.Authenticate(r, dialect.XAuthToken)
		if err != nil {
			return err
		}
		return fn(w, r.WithContext(dialect.WithPrincipal(r.Context(), p)), ps)
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
