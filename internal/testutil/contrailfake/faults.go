package contrailfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
)

// Fault makes matching requests fail or hang. Faults queue: each request
// takes the first pending fault that matches it.
type Fault struct {
	// Method and Path select the requests: the method ("" for any) and a
	// path prefix ("" for any), such as "/virtual-network".
	Method, Path string
	// Times is how many matching requests the fault takes; 0 means 1.
	Times int
	// Status is the HTTP status answered, with a plain-text body.
	Status int
	// Hang makes the request block until the client gives up (or the
	// server closes) instead of answering Status.
	Hang bool
	// AfterCommit handles the request first, so its change is made, and
	// only then fails or hangs: a response lost after the server acted.
	AfterCommit bool
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

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault due for r, if any. Callers hold s.mu.
func (s *Server) takeFault(r *http.Request) *Fault {
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.Path) {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
			c := *f
			return &c
		}
	}
	return nil
}

// serveFault answers r as f says. For an AfterCommit fault, next handles
// the request first and its answer is thrown away.
func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, f *Fault, next http.HandlerFunc) {
	if f.AfterCommit {
		next(httptest.NewRecorder(), r)
	}
	if f.Hang {
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		http.Error(w, "contrailfake: hung request released", http.StatusServiceUnavailable)
		return
	}
	http.Error(w, "contrailfake: injected fault", f.Status)
}

// IssueToken returns a new token the server accepts when RequireToken is
// set. Tokens are never logged.
func (s *Server) IssueToken() string {
	t := "tok-" + newUUID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t] = true
	return t
}

// ExpireTokens makes every token issued so far invalid, as Keystone does
// when tokens expire.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// authorized reports whether r carries a valid token (or needs none).
// Callers hold s.mu.
func (s *Server) authorized(r *http.Request) bool {
	if !s.opts.RequireToken || r.Method == http.MethodGet && r.URL.Path == "/" {
		return true
	}
	return s.tokens[r.Header.Get("X-Auth-Token")]
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  string
	// Status is the status answered (for a fault, the injected one).
	Status int
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// statusWriter records the status a handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
