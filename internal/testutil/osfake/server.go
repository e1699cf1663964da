package osfake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure a Server; nil means defaults.
type Options struct {
	// Users who can log in; default one: admin, password "secret", in
	// domain Default, with roles admin, member and reader on every
	// project.
	Users []User
	// Projects; default one: "demo", in domain Default.
	Projects []Project
	// AppCredentials are application credentials; default none.
	AppCredentials []AppCredential
	// Region names the catalog's region; default "RegionOne".
	Region string
	// TokenTTL is how long a token lives; default one hour (Keystone's
	// default). See Advance and ExpireTokens.
	TokenTTL time.Duration
	// Now is the clock; default time.Now. Advance moves the server's
	// clock ahead of it.
	Now func() time.Time
	// AutoStep advances asynchronous work (as Step does) after every
	// request; StepEvery after every StepEvery requests. Without either,
	// only Step advances it.
	AutoStep  bool
	StepEvery int
	// Quota caps what the project may use; zero fields are unlimited.
	Quota Quota
	// Images are active images present at start, with data (servers can
	// boot from them); default one public qcow2 image named "cirros".
	// Give an empty non-nil slice for none.
	Images []SeedImage
	// Flavors present at start; default m1.tiny (ID "1", 512 MB, 1 vCPU,
	// 1 GB). Give an empty non-nil slice for none.
	Flavors []SeedFlavor
	// VolumeTypes names Cinder's volume types; the first is the default.
	// Default: DefaultVolumeType alone.
	VolumeTypes []string
	// NoVolumeService leaves Cinder out of the catalog, as a cloud without
	// block storage (the loopback test cloud) has none. Its paths answer
	// all the same.
	NoVolumeService bool
}

// User is a Keystone user.
type User struct {
	Name, Password string
	// ID defaults to a generated one; Domain to "Default".
	ID, Domain string
	// Roles maps project names to the user's role names there; nil gives
	// admin, member and reader on every project.
	Roles map[string][]string
}

// Project is a Keystone project.
type Project struct {
	Name string
	// ID defaults to a generated one; Domain to "Default".
	ID, Domain string
}

// AppCredential is an application credential of User (a name) scoped to
// Project (a name).
type AppCredential struct {
	ID, Name, Secret string
	User, Project    string
}

// Quota limits, per project. Nova's answer 403, Neutron's 409, Cinder's
// 413, as the real services do.
type Quota struct {
	Instances, Cores, RAM    int // Nova
	Networks, SecurityGroups int // Neutron
	Volumes, Gigabytes       int // Cinder
}

// SeedImage is an image present at start.
type SeedImage struct {
	ID, Name   string
	DiskFormat string // default qcow2
	Visibility string // default public
}

// SeedFlavor is a flavor present at start.
type SeedFlavor struct {
	ID, Name         string
	RAM, VCPUs, Disk int
}

// Server is a stateful fake OpenStack cloud. Its methods are safe for
// concurrent use.
type Server struct {
	opts      Options
	ts        *httptest.Server
	url       string // set before the server starts
	closing   chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	offset  time.Duration
	seq     int
	nreq    int
	domain  domain
	users   []*User
	projs   []*Project
	appcred []*AppCredential
	tokens  map[string]*token
	catIDs  map[string]string // service type → catalog IDs, stable
	roleIDs map[string]string

	networks  map[string]*network
	subnets   map[string]*subnet
	secgroups map[string]*secGroup
	rules     map[string]*secRule
	flavors   map[string]*flavor
	servers   map[string]*server
	sgroups   map[string]*serverGroup
	images    map[string]*image
	stacks    map[string]*stack
	volumes   map[string]*volume
	vtypes    []*volumeType

	faults []*Fault
	log    []Request
}

type domain struct{ ID, Name string }

// New starts a server on a loopback port. Close it when done.
func New(opts *Options) *Server {
	s := &Server{
		closing: make(chan struct{}), tokens: map[string]*token{}, catIDs: map[string]string{},
		networks: map[string]*network{}, subnets: map[string]*subnet{}, secgroups: map[string]*secGroup{},
		rules: map[string]*secRule{}, flavors: map[string]*flavor{}, servers: map[string]*server{},
		sgroups: map[string]*serverGroup{}, images: map[string]*image{}, stacks: map[string]*stack{},
		volumes: map[string]*volume{},
		domain:  domain{ID: "default", Name: "Default"},
	}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Region == "" {
		s.opts.Region = "RegionOne"
	}
	if s.opts.TokenTTL <= 0 {
		s.opts.TokenTTL = time.Hour
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	if s.opts.Projects == nil {
		s.opts.Projects = []Project{{Name: "demo"}}
	}
	for _, p := range s.opts.Projects {
		if p.ID == "" {
			p.ID = hexID()
		}
		if p.Domain == "" {
			p.Domain = s.domain.Name
		}
		s.projs = append(s.projs, &p)
	}
	if s.opts.Users == nil {
		s.opts.Users = []User{{Name: "admin", Password: "secret"}}
	}
	for _, u := range s.opts.Users {
		if u.ID == "" {
			u.ID = hexID()
		}
		if u.Domain == "" {
			u.Domain = s.domain.Name
		}
		if u.Roles == nil {
			u.Roles = map[string][]string{}
			for _, p := range s.projs {
				u.Roles[p.Name] = []string{"admin", "member", "reader"}
			}
		}
		s.users = append(s.users, &u)
	}
	for _, a := range s.opts.AppCredentials {
		if a.ID == "" {
			a.ID = hexID()
		}
		s.appcred = append(s.appcred, &a)
	}
	for _, t := range []string{"identity", "compute", "network", "image", "orchestration", "volumev3"} {
		s.catIDs[t] = hexID()
	}
	// Every project has its "default" security group, as Neutron makes
	// one on a project's first request.
	for _, p := range s.projs {
		s.newSecGroup(p.ID, "default", "Default security group")
	}
	if s.opts.Images == nil {
		s.opts.Images = []SeedImage{{Name: "cirros"}}
	}
	for _, si := range s.opts.Images {
		s.seedImage(si)
	}
	if s.opts.Flavors == nil {
		s.opts.Flavors = []SeedFlavor{{ID: "1", Name: "m1.tiny", RAM: 512, VCPUs: 1, Disk: 1}}
	}
	for _, sf := range s.opts.Flavors {
		s.seedFlavor(sf)
	}
	s.seedVolumeTypes()
	s.ts = httptest.NewUnstartedServer(s)
	s.url = "http://" + s.ts.Listener.Addr().String()
	s.ts.Start()
	return s
}

// Close releases hung requests and stops the server.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.ts.Close()
	})
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.url }

// AuthURL is Keystone's v3 endpoint, for gophercloud's IdentityEndpoint.
func (s *Server) AuthURL() string { return s.url + "/identity/v3" }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// ProjectID returns the ID of the named project, or "".
func (s *Server) ProjectID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.projectByName(name, s.domain.Name); p != nil {
		return p.ID
	}
	return ""
}

// Advance moves the server's clock forward by d: tokens expire by it.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

func (s *Server) now() time.Time { return s.opts.Now().Add(s.offset).UTC() }

// nextSeq orders objects by creation. Callers hold s.mu.
func (s *Server) nextSeq() int { s.seq++; return s.seq }

// Step advances every object with asynchronous work pending by one state:
// a building server becomes ACTIVE, a deleting one goes, an importing
// image becomes active, a stack in progress completes, and so on.
func (s *Server) Step() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.step()
}

func (s *Server) step() {
	s.stepServers()
	s.stepImages()
	s.stepStacks()
	s.stepVolumes()
}

// reply is a response computed under s.mu and written after.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r *reply) set(k, v string) *reply {
	if r.header == nil {
		r.header = http.Header{}
	}
	r.header.Set(k, v)
	return r
}

// jsonReply marshals v.
func jsonReply(status int, v any) *reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("osfake: marshal: %v", err))
	}
	return (&reply{status: status, body: b}).set("Content-Type", "application/json")
}

func emptyReply(status int) *reply { return &reply{status: status} }

// req is one request as the handlers see it.
type req struct {
	*http.Request
	svc   service
	path  []string // segments after the service's prefix (and version)
	body  []byte
	tok   *token
	mv    microversion // compute only
	query map[string][]string
}

// decode unmarshals the request body into v.
func (r *req) decode(v any) error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return fmt.Errorf("the request body is empty")
	}
	return json.Unmarshal(r.body, v)
}

func (r *req) q(k string) string {
	if v := r.query[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// ServeHTTP answers one request: faults first, then authentication, then
// the service.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	body, err := io.ReadAll(io.LimitReader(hr.Body, 64<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	svc, rest := route(hr.URL.Path)
	op := opOf(hr.Method, svc, rest)
	r := &req{Request: hr, svc: svc, path: rest, body: body, query: hr.URL.Query()}

	s.mu.Lock()
	idx := len(s.log)
	s.log = append(s.log, Request{Method: hr.Method, Path: hr.URL.Path, Query: hr.URL.RawQuery, Op: op})
	f := s.takeFault(hr.Method, hr.URL.Path, op)
	var rep *reply
	if f == nil || f.AfterCommit {
		rep = s.handle(r)
		s.nreq++
		if s.opts.AutoStep || s.opts.StepEvery > 0 && s.nreq%s.opts.StepEvery == 0 {
			s.step()
		}
	}
	if f != nil {
		s.log[idx].Fault = true
		if f.Status != 0 {
			s.log[idx].Status = f.Status
		}
	} else {
		s.log[idx].Status = rep.status
	}
	authURL := s.url + "/identity"
	s.mu.Unlock()

	if f != nil {
		s.serveFault(w, r, f, authURL)
		return
	}
	writeReply(w, rep)
}

func writeReply(w http.ResponseWriter, rep *reply) {
	for k, vs := range rep.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if rep.body == nil && rep.status != http.StatusNoContent && rep.status != http.StatusNotModified {
		w.Header().Set("Content-Length", "0")
	}
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

// handle dispatches a request. Callers hold s.mu.
func (s *Server) handle(r *req) *reply {
	switch r.svc {
	case svcIdentity:
		return s.identity(r)
	case svcNone:
		return errorReply(svcNone, http.StatusNotFound, "The resource could not be found.", "")
	}
	if len(r.path) == 0 && r.Method == http.MethodGet {
		return s.versions(r)
	}
	tok, ok := s.validToken(r.Header.Get("X-Auth-Token"))
	if !ok {
		return s.unauthorized(r.svc)
	}
	r.tok = tok
	switch r.svc {
	case svcCompute:
		return s.compute(r)
	case svcNetwork:
		return s.network(r)
	case svcImage:
		return s.image(r)
	case svcOrchestration:
		return s.orchestration(r)
	case svcVolume:
		return s.blockStorage(r)
	}
	return errorReply(svcNone, http.StatusNotFound, "The resource could not be found.", "")
}

// service is an API the server speaks.
type service int

const (
	svcNone service = iota
	svcIdentity
	svcCompute
	svcNetwork
	svcImage
	svcOrchestration
	svcVolume
)

// Service path prefixes, as the catalog publishes them.
const (
	prefixIdentity      = "/identity"
	prefixCompute       = "/compute"
	prefixNetwork       = "/network"
	prefixImage         = "/image"
	prefixOrchestration = "/heat-api"
	prefixVolume        = "/volume"
)

// route splits a path into its service and the segments after the
// service's version (nil for the service's root, where versions are
// listed). For Heat and Cinder the project ID stays the first segment.
func route(path string) (service, []string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		return svcIdentity, nil // Keystone also answers at the root
	}
	version := func(v string) []string {
		if len(segs) < 2 {
			return nil
		}
		if segs[1] != v {
			return []string{"\x00"} // another version: a path no handler knows (404)
		}
		if len(segs) == 2 {
			return []string{}
		}
		return segs[2:]
	}
	switch "/" + segs[0] {
	case prefixIdentity:
		return svcIdentity, version("v3")
	case "/v3":
		return svcIdentity, append([]string{}, segs[1:]...)
	case prefixCompute:
		return svcCompute, version("v2.1")
	case prefixNetwork:
		return svcNetwork, version("v2.0")
	case prefixImage:
		return svcImage, version("v2")
	case prefixOrchestration:
		return svcOrchestration, version("v1")
	case prefixVolume:
		return svcVolume, version("v3")
	}
	return svcNone, segs
}

// opOf classifies a request for faults and counts.
func opOf(method string, svc service, rest []string) Op {
	if svc == svcIdentity {
		return OpAuth
	}
	switch method {
	case http.MethodGet, http.MethodHead:
		return OpRead
	case http.MethodDelete:
		return OpDelete
	case http.MethodPut, http.MethodPatch:
		return OpUpdate
	case http.MethodPost:
		if n := len(rest); n > 0 && slices.Contains([]string{"action", "metadata", "import", "remote-consoles"}, rest[n-1]) {
			return OpUpdate
		}
		return OpCreate
	}
	return OpUpdate
}

// versions answers GET on a service's root with its version document, as
// the real services do (no token needed).
func (s *Server) versions(r *req) *reply {
	base := s.url
	switch r.svc {
	case svcCompute:
		v21 := map[string]any{"id": "v2.1", "status": "CURRENT", "version": maxMicroversion.String(), "min_version": "2.1",
			"updated": "2013-07-23T11:33:21Z", "links": []any{map[string]any{"rel": "self", "href": base + prefixCompute + "/v2.1/"}},
			"media-types": []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}}}
		if r.path != nil { // GET /compute/v2.1
			return s.novaHeaders(jsonReply(http.StatusOK, map[string]any{"version": v21}), microversion{2, 1})
		}
		return jsonReply(http.StatusOK, map[string]any{"versions": []any{v21}})
	case svcNetwork:
		return jsonReply(http.StatusOK, map[string]any{"versions": []any{map[string]any{"id": "v2.0", "status": "CURRENT",
			"links": []any{map[string]any{"rel": "self", "href": base + prefixNetwork + "/v2.0/"}}}}})
	case svcImage:
		return jsonReply(http.StatusMultipleChoices, map[string]any{"versions": []any{map[string]any{"id": "v2.15", "status": "CURRENT",
			"links": []any{map[string]any{"rel": "self", "href": base + prefixImage + "/v2/"}}}}})
	case svcOrchestration:
		return jsonReply(http.StatusMultipleChoices, map[string]any{"versions": []any{map[string]any{"id": "v1.0", "status": "CURRENT",
			"links": []any{map[string]any{"rel": "self", "href": base + prefixOrchestration + "/v1/"}}}}})
	case svcVolume:
		return jsonReply(http.StatusMultipleChoices, map[string]any{"versions": []any{map[string]any{"id": "v3.0", "status": "CURRENT",
			"version": "3.70", "min_version": "3.0", "updated": "2023-08-31T00:00:00Z",
			"links":       []any{map[string]any{"rel": "self", "href": base + prefixVolume + "/v3/"}},
			"media-types": []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}}}}})
	}
	return errorReply(r.svc, http.StatusNotFound, "The resource could not be found.", "")
}

// Request is one request the server received.
type Request struct {
	Method, Path, Query string
	Op                  Op
	// Status is the status answered (for a fault, the injected one; 0
	// for a hung or dropped request).
	Status int
	// Fault tells that an injected fault took the request.
	Fault bool
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// Count returns how many requests received so far match m.
func (s *Server) Count(m Match) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if m.matches(r.Method, r.Path, r.Op) {
			n++
		}
	}
	return n
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// hexID returns a Keystone-style ID: 32 hex digits.
func hexID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// stamp formats a time as the services do.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// waitDone blocks until ctx ends or the server closes.
func (s *Server) waitDone(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}
