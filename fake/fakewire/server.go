package fakewire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// ServerOptions configure a Server; nil means defaults.
type ServerOptions struct {
	// Factory holds the VIMs, one per location name, made on first use.
	// Nil means fake.NewFactory(nil): objects ready at once. Tests keep
	// the factory to fault and inspect the VIMs in process.
	Factory *fake.Factory
	// Registry decodes specs; nil means the built-in kinds.
	Registry *resource.Registry
	// MaxBody bounds a request body; default 32 MiB (an ObserveAll of
	// thousands of objects).
	MaxBody int64
}

// Server serves fake VIMs over the wire. It is safe for concurrent use.
type Server struct {
	vims    *fake.Factory
	reg     *resource.Registry
	maxBody int64
	mux     *http.ServeMux

	mu      sync.Mutex
	globals map[string]map[string]resource.Ref // location → tag → global
}

// NewServer returns a Server.
func NewServer(opts *ServerOptions) *Server {
	s := &Server{globals: map[string]map[string]resource.Ref{}, maxBody: 32 << 20}
	if opts != nil {
		s.vims, s.reg = opts.Factory, opts.Registry
		if opts.MaxBody > 0 {
			s.maxBody = opts.MaxBody
		}
	}
	if s.vims == nil {
		s.vims = fake.NewFactory(nil)
	}
	if s.reg == nil {
		s.reg = resource.NewBuiltinRegistry()
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /v1/vims", s.locations)
	s.mux.HandleFunc("GET /v1/vims/{loc}/kinds", s.withVIM(s.kinds))
	s.mux.HandleFunc("GET /v1/vims/{loc}/objects", s.withVIM(s.objects))
	s.mux.HandleFunc("GET /v1/vims/{loc}/calls", s.withVIM(s.calls))
	s.mux.HandleFunc("GET /v1/vims/{loc}/call_log", s.withVIM(s.callLog))
	s.mux.HandleFunc("POST /v1/vims/{loc}/{op}", s.withVIM(s.operation))
	return s
}

// ServeHTTP serves a request, its VIM calls tagged with the caller its
// CallerHeader names.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	caller, err := callerOf(r.Header)
	if err != nil {
		writeError(w, err)
		return
	}
	if caller != "" {
		r = r.WithContext(fake.WithCaller(r.Context(), caller))
	}
	s.mux.ServeHTTP(w, r)
}

// VIM returns the location's VIM, making it on first use.
func (s *Server) VIM(location string) *fake.VIM {
	s.mu.Lock()
	if s.globals[location] == nil {
		s.globals[location] = map[string]resource.Ref{}
	}
	s.mu.Unlock()
	return s.vims.VIM(location)
}

// withVIM resolves the {loc} of the path to its VIM.
func (s *Server) withVIM(h func(w http.ResponseWriter, r *http.Request, loc string, v *fake.VIM)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		loc := r.PathValue("loc")
		if err := resource.CheckID(loc); err != nil {
			writeError(w, resource.InvalidField("location", "%v", err))
			return
		}
		h(w, r, loc, s.VIM(loc))
	}
}

func (s *Server) locations(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	out := locationsResponse{Locations: []string{}}
	for loc := range s.globals {
		out.Locations = append(out.Locations, loc)
	}
	s.mu.Unlock()
	slices.Sort(out.Locations)
	writeJSON(w, out)
}

func (s *Server) kinds(w http.ResponseWriter, _ *http.Request, _ string, v *fake.VIM) {
	writeJSON(w, kindsResponse{Kinds: v.Kinds()})
}

func (s *Server) calls(w http.ResponseWriter, _ *http.Request, _ string, v *fake.VIM) {
	out := callsResponse{Calls: map[string]int{}}
	for _, op := range []fake.Op{fake.OpObserve, fake.OpObserveAll, fake.OpCreate, fake.OpUpdate, fake.OpDelete,
		fake.OpPing, fake.OpPower, fake.OpSnapshot, fake.OpConsole, fake.OpHosts, fake.OpSetHost} {
		out.Calls[string(op)] = v.Calls(op)
	}
	writeJSON(w, out)
}

// callLog lists the location's tagged calls (fake.VIM.CallLog), in the
// order they ended.
func (s *Server) callLog(w http.ResponseWriter, _ *http.Request, _ string, v *fake.VIM) {
	log := v.CallLog()
	out := callLogResponse{Calls: make([]wireCall, len(log))}
	for i, c := range log {
		out.Calls[i] = wireCall{Op: c.Op, Caller: c.Caller, Start: c.Start, End: c.End}
	}
	writeJSON(w, out)
}

// objects is the inspection endpoint: every object of the location (of
// ?kind= only, when given), with the global resource its tag was created
// for.
func (s *Server) objects(w http.ResponseWriter, r *http.Request, loc string, v *fake.VIM) {
	kind := resource.Kind(r.URL.Query().Get("kind"))
	infos := v.Objects(kind)
	s.mu.Lock()
	globals := s.globals[loc]
	out := objectsResponse{Objects: make([]Object, 0, len(infos))}
	for _, i := range infos {
		out.Objects = append(out.Objects, Object{
			Kind: i.Kind, OrcaID: i.OrcaID, ExternalID: i.ExternalID, Name: i.Name, Tenant: i.Tenant,
			State: i.State, Message: i.Message, Power: i.Power, Host: i.Host, Spec: i.Spec, Parts: i.Parts,
			Global: globals[i.OrcaID],
		})
	}
	s.mu.Unlock()
	writeJSON(w, out)
}

// record notes the global resource a tag was created for (the first
// time: the fake adopts a tag, it never moves it).
func (s *Server) record(loc string, o *vim.Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.globals[loc][o.Ref.ID]; !ok {
		s.globals[loc][o.Ref.ID] = o.Global
	}
}

// operation runs one driver call. The request's context is the call's:
// when the client gives up, a hung call ends.
func (s *Server) operation(w http.ResponseWriter, r *http.Request, loc string, v *fake.VIM) {
	ctx := r.Context()
	body := http.MaxBytesReader(w, r.Body, s.maxBody)
	var out any
	var err error
	switch op := r.PathValue("op"); op {
	case "observe", "create", "update", "delete", "console":
		var req objectRequest
		var o *vim.Object
		if o, err = s.decodeWith(body, &req, func() *wireObject { return req.Object }); err == nil {
			out, err = s.objectOp(ctx, op, loc, v, o)
		}
	case "observe_all":
		var req observeAllRequest
		if err = decodeBody(body, &req); err == nil {
			out, err = s.observeAll(ctx, v, &req)
		}
	case "ping":
		if err = decodeBody(body, &struct{}{}); err == nil {
			out, err = struct{}{}, v.Ping(ctx)
		}
	case "power":
		var req powerRequest
		var o *vim.Object
		if o, err = s.decodeWith(body, &req, func() *wireObject { return req.Object }); err == nil {
			out, err = struct{}{}, v.Power(ctx, o, req.Action)
		}
	case "snapshot":
		var req snapshotRequest
		var o *vim.Object
		if o, err = s.decodeWith(body, &req, func() *wireObject { return req.Object }); err == nil {
			var id string
			id, err = v.Snapshot(ctx, o, req.ImageName, req.Key)
			out = snapshotResponse{ImageID: id}
		}
	case "hosts":
		if err = decodeBody(body, &struct{}{}); err == nil {
			var hosts []vim.Host
			hosts, err = v.Hosts(ctx)
			out = hostsResponse{Hosts: hosts}
		}
	case "set_host":
		var req setHostRequest
		if err = decodeBody(body, &req); err == nil {
			out, err = struct{}{}, v.SetHostEnabled(ctx, req.Host, req.Enabled)
		}
	case "metric":
		var req metricRequest
		var o *vim.Object
		if o, err = s.decodeWith(body, &req, func() *wireObject { return req.Object }); err == nil {
			var val float64
			val, err = v.Metric(ctx, o, req.Name)
			out = metricResponse{Value: val}
		}
	default:
		err = resource.Errorf(resource.NotFound, "fakewire: no operation %q (want observe, observe_all, create, update, "+
			"delete, ping, power, snapshot, console, hosts, set_host or metric)", op)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, out)
}

func (s *Server) objectOp(ctx context.Context, op, loc string, v *fake.VIM, o *vim.Object) (any, error) {
	switch op {
	case "observe":
		return v.Observe(ctx, o)
	case "create":
		// Before the call: whatever it makes (even when its
		// response is lost) is the global's.
		s.record(loc, o)
		ext, err := v.Create(ctx, o)
		return createResponse{ExternalID: ext}, err
	case "update":
		return struct{}{}, v.Update(ctx, o)
	case "delete":
		return struct{}{}, v.Delete(ctx, o)
	default: // console
		url, err := v.ConsoleURL(ctx, o)
		return consoleResponse{URL: url}, err
	}
}

func (s *Server) observeAll(ctx context.Context, v *fake.VIM, req *observeAllRequest) (any, error) {
	objs := make([]*vim.Object, len(req.Objects))
	for i, w := range req.Objects {
		o, err := decodeObject(s.reg, w)
		if err != nil {
			return nil, fieldError(fmt.Sprintf("objects[%d]", i), err)
		}
		objs[i] = o
	}
	obs, err := v.ObserveAll(ctx, req.Kind, objs)
	return observeAllResponse{Observations: obs}, err
}

// decodeWith decodes a request holding one object and rebuilds it.
func (s *Server) decodeWith(body io.Reader, req any, object func() *wireObject) (*vim.Object, error) {
	if err := decodeBody(body, req); err != nil {
		return nil, err
	}
	return decodeObject(s.reg, object())
}

// decodeBody decodes a request strictly: unknown fields and trailing data
// are refused, as every orca API refuses them.
func decodeBody(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("unexpected data after the JSON value")
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return resource.Errorf(resource.Invalid, "fakewire: request body larger than %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return resource.Errorf(resource.Invalid, "fakewire: empty request body (want a JSON object)")
	}
	return resource.Errorf(resource.Invalid, "fakewire: bad request body: %v", err)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v) // a failed write is the client's gone connection
}

func writeError(w http.ResponseWriter, err error) {
	code := resource.CodeOf(err)
	status, ok := codeStatus[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{Error: wireError{Code: code.String(), Field: resource.FieldOf(err), Message: err.Error()}})
}
