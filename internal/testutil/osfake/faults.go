package osfake

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Op is a category of request, for faults and counts.
type Op string

const (
	// OpAny matches every request except Keystone's.
	OpAny Op = ""
	// OpRead is a GET (or HEAD) to a service other than Keystone.
	OpRead Op = "read"
	// OpCreate is a POST that makes an object: to a collection such as
	// /servers or /v2.0/networks.
	OpCreate Op = "create"
	// OpUpdate is a PUT or PATCH, or a POST to an object's action,
	// metadata, import or remote-consoles.
	OpUpdate Op = "update"
	// OpDelete is a DELETE.
	OpDelete Op = "delete"
	// OpAuth is any request to Keystone (token issue and validation,
	// version documents). Only OpAuth, or a Path under /identity, matches
	// them, so that a fault on a service does not also break the
	// re-authentication a 401 triggers.
	OpAuth Op = "auth"
)

// Match selects requests.
type Match struct {
	// Method is the HTTP method; "" for any.
	Method string
	// Path is a prefix of the URL path, such as "/compute/v2.1/servers";
	// "" for any.
	Path string
	// Op is the category; OpAny for every request but Keystone's.
	Op Op
}

func (m Match) matches(method, path string, op Op) bool {
	if m.Method != "" && !strings.EqualFold(m.Method, method) || !strings.HasPrefix(path, m.Path) {
		return false
	}
	switch {
	case m.Op == OpAny:
		return op != OpAuth || m.Path != ""
	default:
		return m.Op == op
	}
}

func (m Match) String() string {
	return fmt.Sprintf("%s %s [%s]", orStar(m.Method), orStar(m.Path), orStar(string(m.Op)))
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// Fault makes matching requests fail, hang or lose their response. Faults
// queue: a request takes the first pending fault that matches it.
type Fault struct {
	Match
	// Times is how many matching requests the fault takes; 0 means 1.
	Times int
	// Status is the HTTP status answered, with the service's usual error
	// body.
	Status int
	// Hang blocks the request until the client gives up (its context
	// ends) or the server closes.
	Hang bool
	// AfterCommit handles the request first, so its change is made, and
	// then fails, hangs or drops: a response lost after the cloud acted.
	AfterCommit bool
	// Drop closes the connection without an answer.
	Drop bool
}

// Inject queues a fault.
func (s *Server) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Fail makes the next n requests matching m fail with status, before they
// change anything.
func (s *Server) Fail(m Match, status, n int) {
	s.Inject(Fault{Match: m, Times: n, Status: status})
}

// Hang makes the next n requests matching m block until the client gives
// up.
func (s *Server) Hang(m Match, n int) {
	s.Inject(Fault{Match: m, Times: n, Hang: true})
}

// LoseResponse makes the next n requests matching m take effect and then
// lose their answer: the connection is closed without one.
func (s *Server) LoseResponse(m Match, n int) {
	s.Inject(Fault{Match: m, Times: n, AfterCommit: true, Drop: true})
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults returns how many faults still wait for a request.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		n += f.Times
	}
	return n
}

// takeFault returns a copy of the fault due for a request, if any.
// Callers hold s.mu.
func (s *Server) takeFault(method, path string, op Op) *Fault {
	for i, f := range s.faults {
		if f.matches(method, path, op) {
			f.Times--
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
			c := *f
			return &c
		}
	}
	return nil
}

// serveFault answers a request a fault took. An AfterCommit fault's
// request has been handled already; its answer is thrown away.
func (s *Server) serveFault(w http.ResponseWriter, r *req, f *Fault, authURL string) {
	if f.Hang {
		s.waitDone(r.Context())
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection too
	}
	if f.Hang && f.Status == 0 {
		// The client has gone; nobody reads this.
		writeReply(w, errorReply(r.svc, http.StatusServiceUnavailable, "osfake: hung request released", ""))
		return
	}
	status := f.Status
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	var rep *reply
	if status == http.StatusUnauthorized && r.svc != svcIdentity {
		rep = unauthorizedReply(r.svc, authURL)
	} else {
		rep = errorReply(r.svc, status, fmt.Sprintf("osfake: injected %d %s", status, http.StatusText(status)), injectedType(r.svc, status))
	}
	writeReply(w, rep)
}

// injectedType names an injected error as Neutron and Heat name errors.
func injectedType(svc service, status int) string {
	switch status {
	case http.StatusNotFound:
		if svc == svcOrchestration {
			return "EntityNotFound"
		}
		return "NotFound"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusBadRequest:
		return "HTTPBadRequest"
	case http.StatusForbidden:
		return "Forbidden"
	}
	return "HTTP" + strings.ReplaceAll(http.StatusText(status), " ", "")
}
