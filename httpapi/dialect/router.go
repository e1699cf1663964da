package dialect

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// Router dispatches a surface's requests by method and path pattern.
// Patterns are paths whose segments are literals or {name} parameters
// ("/v1/instances/{id}/states"); a request's parameters are read with
// r.PathValue. Where patterns overlap, a literal segment beats a
// parameter at the same position, so /v1/instances/detail and
// /v1/instances/{id} can coexist. A trailing slash is insignificant
// (Waldur's paths end in one, Mogan's do not; both forms are served). A
// path that matches no pattern is NotFound, and a known path with another
// method is 405 with Allow; both are answered through the surface's
// Render, like every error its endpoints return.
//
// Parameters are matched on the escaped path and then unescaped, so an
// encoded slash stays inside its segment ("a%2Fb" is the parameter "a/b",
// which no resource ID can be).
type Router struct {
	kit      *Kit
	render   Render
	statuses Statuses
	routes   []route
}

type route struct {
	method string
	segs   []string // literal, or "{name}"
	e      Endpoint
}

// NewRouter returns a router answering errors through render, classified
// by statuses (nil: DefaultStatuses).
func (k *Kit) NewRouter(render Render, statuses Statuses) *Router {
	return &Router{kit: k, render: render, statuses: statuses}
}

// Handle adds a route. HEAD is served by GET routes.
func (rt *Router) Handle(method, pattern string, e Endpoint) {
	rt.routes = append(rt.routes, route{method: method, segs: split(pattern), e: e})
}

func split(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

// match reports whether segs (escaped) fit the route, and how many of the
// route's segments are literals (the more, the more specific).
func (rt *route) match(segs []string) (literals int, ok bool) {
	if len(segs) != len(rt.segs) {
		return 0, false
	}
	for i, s := range rt.segs {
		if isParam(s) {
			continue
		}
		if s != segs[i] {
			return 0, false
		}
		literals++
	}
	return literals, true
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// ServeHTTP dispatches r.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	segs := split(r.URL.EscapedPath())
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	// The most specific pattern matching the path decides; among equally
	// specific ones, the method.
	best, bestLit := -1, -1
	var allow []string
	for i := range rt.routes {
		lit, ok := rt.routes[i].match(segs)
		if !ok {
			continue
		}
		switch {
		case lit > bestLit:
			bestLit, allow, best = lit, nil, -1
			fallthrough
		case lit == bestLit:
			allow = append(allow, rt.routes[i].method)
			if rt.routes[i].method == method && best < 0 {
				best = i
			}
		}
	}
	var err error
	switch {
	case bestLit < 0:
		err = resource.Errorf(resource.NotFound, "no such path: %s", r.URL.Path)
	case best < 0:
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		slices.Sort(allow)
		w.Header().Set("Allow", strings.Join(slices.Compact(allow), ", "))
		err = MethodNotAllowed(r.Method)
	default:
		route := &rt.routes[best]
		for i, s := range route.segs {
			if isParam(s) {
				v, uerr := url.PathUnescape(segs[i])
				if uerr != nil {
					err = resource.Errorf(resource.NotFound, "no such path: %s", r.URL.Path)
					break
				}
				r.SetPathValue(s[1:len(s)-1], v)
			}
		}
		if err == nil {
			err = route.e(w, r)
		}
	}
	if err != nil {
		rt.kit.Answer(w, r, rt.render, rt.statuses, err)
	}
}

// MethodNotAllowed is the 405 error; the router sets Allow.
func MethodNotAllowed(method string) error {
	return Status(http.StatusMethodNotAllowed, "method %q is not allowed here (see the Allow header)", method)
}

// Serve makes the router the surface's handler: Wrap around it.
func (rt *Router) Serve() http.Handler { return rt.kit.Wrap(rt.render, rt) }
