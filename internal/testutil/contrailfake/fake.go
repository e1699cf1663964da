// Package contrailfake is an in-process Contrail (Tungsten Fabric) config API
// server for tests: an httptest.Server that keeps state and answers the VNC
// REST API the way /work/shared/reference/contrail-vnc.md documents it. The
// Contrail driver's tests (vim/contrail) import it; nothing else should.
//
// What it promises: the reference's wire behaviour, quirks included. Create
// answers 200 (not 201) with the short body; errors are plain text;
// collections are the type plus a literal "s" (/network-policys); fq_names
// are unique per type (409) and name their parent (400 when it is missing);
// refs are resolved by "to" on create and by "uuid" or "to" on update (404
// when unknown) and carry hrefs; PUT merges at the top level and a *_refs
// list replaces every ref of its type; DELETE answers 409 while children or
// back-refs remain; lists come plain or, with detail, wrapped once more per
// item; /fqname-to-id, /id-to-fqname and /ref-update work. It validates
// what the reference says the server refuses: unknown keys in complex
// types, route targets in the reserved range, policy rules (direction,
// protocol, ports, action_list, "local" in security-group rules, a subnet's
// IP version against the ethertype, duplicates), the server-set network and
// security-group IDs (403), service-template and -instance enumerations.
//
// Tests can inject faults (fail or hang the next requests, before or after
// the server acts), require Keystone tokens and expire them, and inspect
// objects and the requests received.
//
// What it does not model: RBAC and multi-tenancy, quotas, pagination,
// svc-monitor (service instances launch nothing), routing instances and
// ACLs derived from networks, IP allocation, and types beyond those the
// orchestrator uses.
package contrailfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
)

// Options configure a Server; nil means defaults.
type Options struct {
	// Project is the tenant project created at start under
	// default-domain; default "admin".
	Project string
	// RequireToken turns on Keystone mode: every request but GET / needs
	// an X-Auth-Token from IssueToken, or it gets 401.
	RequireToken bool
	// AllowNetworkID accepts a client-set virtual_network_network_id on
	// create, as releases up to 3.2 did; later ones answer 403.
	AllowNetworkID bool
	// GlobalASN is the autonomous system of global-system-config; default
	// 64512. Route targets in its reserved range are refused.
	GlobalASN int64
}

// Server is a stateful fake Contrail config API. Its methods are safe for
// concurrent use.
type Server struct {
	opts      Options
	ts        *httptest.Server
	closing   chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	objs     map[string]*object // by uuid
	names    map[string]string  // nameKey → uuid
	nextVNID int64
	nextSGID int64
	faults   []*Fault
	tokens   map[string]bool
	log      []Request
}

// New starts a server holding default-domain, default-domain:default-project
// with its default-network-ipam and default virtual networks, and the
// project default-domain:<Options.Project>.
func New(opts *Options) *Server {
	s := &Server{closing: make(chan struct{}), objs: map[string]*object{}, names: map[string]string{},
		tokens: map[string]bool{}, nextSGID: 8000000}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Project == "" {
		s.opts.Project = "admin"
	}
	if s.opts.GlobalASN == 0 {
		s.opts.GlobalASN = 64512
	}
	seed := []struct {
		typ string
		fq  []string
	}{
		{"domain", []string{"default-domain"}},
		{"project", []string{"default-domain", "default-project"}},
		{"network-ipam", []string{"default-domain", "default-project", "default-network-ipam"}},
		{"virtual-network", []string{"default-domain", "default-project", "default-virtual-network"}},
		{"virtual-network", []string{"default-domain", "default-project", "ip-fabric"}},
		{"virtual-network", []string{"default-domain", "default-project", "__link_local__"}},
		{"project", []string{"default-domain", s.opts.Project}},
	}
	for _, o := range seed {
		if s.lookup(o.typ, o.fq) != nil {
			continue // Project is default-project
		}
		fq := make([]any, len(o.fq))
		for i, n := range o.fq {
			fq[i] = n
		}
		if _, err := s.create(o.typ, map[string]any{"fq_name": fq}); err != nil {
			panic("contrailfake: seeding " + o.typ + ": " + err.msg)
		}
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the API's base URL.
func (s *Server) URL() string { return s.ts.URL }

// Close releases hung requests and shuts the server down.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.ts.Close()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	s.mu.Lock()
	i := len(s.log)
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery})
	f := s.takeFault(r)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.log[i].Status = sw.status
		s.mu.Unlock()
	}()
	if f != nil {
		s.serveFault(sw, r, f, s.route)
		return
	}
	s.route(sw, r)
}

// route dispatches a request by path, the way the real server's routes do.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ok := s.authorized(r)
	s.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", "Keystone uri='http://keystone.invalid:5000/v3'")
		http.Error(w, "Authentication required", http.StatusUnauthorized)
		return
	}
	path := strings.Trim(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	switch {
	case path == "" && r.Method == http.MethodGet:
		s.home(w, r)
	case path == "fqname-to-id" && r.Method == http.MethodPost:
		s.fqnameToID(w, r)
	case path == "id-to-fqname" && r.Method == http.MethodPost:
		s.idToFqname(w, r)
	case path == "ref-update" && r.Method == http.MethodPost:
		s.refUpdate(w, r)
	case len(parts) == 1 && collection(parts[0]) != "":
		switch r.Method {
		case http.MethodGet:
			s.list(w, r, collection(parts[0]))
		case http.MethodPost:
			s.createHandler(w, r, collection(parts[0]))
		default:
			http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
		}
	case len(parts) == 2 && types[parts[0]] != nil:
		s.objectHandler(w, r, parts[0], parts[1])
	default:
		http.Error(w, "Not found: '"+r.URL.Path+"'", http.StatusNotFound)
	}
}

// collection returns the type a collection name stands for: the type plus
// a literal "s", never an English plural.
func collection(name string) string {
	typ, ok := strings.CutSuffix(name, "s")
	if !ok || types[typ] == nil {
		return ""
	}
	return typ
}

// readBody decodes a JSON object body, keeping numbers exact.
func readBody(r *http.Request) (map[string]any, *apiError) {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		return nil, errorf(400, "Bad Request, invalid JSON body: %v", err)
	}
	return body, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeBytes(w, b)
}

func writeBytes(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", `application/json; charset="UTF-8"`)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (s *Server) createHandler(w http.ResponseWriter, r *http.Request, typ string) {
	body, aerr := readBody(r)
	if aerr != nil {
		aerr.write(w)
		return
	}
	in, ok := body[typ].(map[string]any)
	if !ok {
		errorf(400, "Bad Request, no %s in POST body", typ).write(w)
		return
	}
	s.mu.Lock()
	o, aerr := s.create(typ, in)
	var out []byte
	if aerr == nil {
		short := map[string]any{"name": o.fq[len(o.fq)-1], "fq_name": o.fq, "uuid": o.uuid, "href": s.href(r.Host, o)}
		if o.parent != "" {
			short["parent_type"], short["parent_uuid"] = o.parentType, o.parent
			short["parent_href"] = s.href(r.Host, s.objs[o.parent])
		}
		out, _ = json.Marshal(map[string]any{typ: short})
	}
	s.mu.Unlock()
	if aerr != nil {
		aerr.write(w)
		return
	}
	writeBytes(w, out)
}

func (s *Server) objectHandler(w http.ResponseWriter, r *http.Request, typ, id string) {
	var body map[string]any
	if r.Method == http.MethodPut {
		var aerr *apiError
		if body, aerr = readBody(r); aerr != nil {
			aerr.write(w)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.objs[id]
	if o != nil && o.typ != typ {
		o = nil // a uuid of another type is not found either
	}
	switch r.Method {
	case http.MethodGet:
		if o == nil {
			errorf(404, "No %s object found for id %s", typ, id).write(w)
			return
		}
		q := r.URL.Query()
		v := view{host: r.Host, props: true, refs: true, backRefs: !q.Has("exclude_back_refs"),
			child: !q.Has("exclude_children"), hrefs: !q.Has("exclude_hrefs"), fields: fieldList(q.Get("fields"))}
		etag := `"` + asString(asMap(o.props["id_perms"])["last_modified"]) + `"`
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		writeJSON(w, map[string]any{typ: s.render(o, v)})
	case http.MethodPut:
		if o == nil {
			errorf(404, "No %s object found for id %s", typ, id).write(w)
			return
		}
		if in := asMap(body[typ]); len(in) > 0 {
			if aerr := s.update(o, in); aerr != nil {
				aerr.write(w)
				return
			}
		}
		writeJSON(w, map[string]any{typ: map[string]any{"uuid": o.uuid, "href": s.href(r.Host, o)}})
	case http.MethodDelete:
		if o == nil {
			errorf(404, "ID %s does not exist", id).write(w)
			return
		}
		if aerr := s.deleteObject(o, r.Host); aerr != nil {
			aerr.write(w)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
	}
}

// fieldList splits a fields= value; nil when absent.
func fieldList(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// Count returns how many objects of type typ exist (the pre-created ones
// included).
func (s *Server) Count(typ string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, o := range s.objs {
		if o.typ == typ {
			n++
		}
	}
	return n
}

// Objects returns every object of type typ as GET shows it (refs,
// back-refs and children included), decoded as a client decodes it, in
// fq_name order. The values are copies.
func (s *Server) Objects(typ string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, o := range s.sorted() {
		if o.typ == typ {
			out = append(out, decoded(s.render(o, s.fullView())))
		}
	}
	return out
}

// Get returns the object of type typ named fq as GET shows it.
func (s *Server) Get(typ string, fq ...string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.lookup(typ, fq)
	if o == nil {
		return nil, false
	}
	return decoded(s.render(o, s.fullView())), true
}

func (s *Server) fullView() view {
	return view{host: strings.TrimPrefix(s.ts.URL, "http://"), props: true, refs: true, backRefs: true, child: true, hrefs: true}
}

// decoded is v as a client decodes the JSON of it (numbers are float64).
func decoded(v map[string]any) map[string]any {
	b, _ := json.Marshal(v)
	var out map[string]any
	json.Unmarshal(b, &out)
	return out
}

// typeNames lists the served types, sorted.
func typeNames() []string {
	var out []string
	for t := range types {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
