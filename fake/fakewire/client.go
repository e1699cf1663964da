package fakewire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Options configure a Client; nil means defaults.
type Options struct {
	// HTTPClient makes the calls; nil means one of the Client's own,
	// keeping enough idle connections for an orchestrator's concurrent
	// calls and never using a proxy.
	HTTPClient *http.Client
	// Registry decodes specs; nil means the built-in kinds.
	Registry *resource.Registry
	// Caller, when set, names the client in every request (CallerHeader),
	// so that the server's call logs (CallLog) attribute its calls. It
	// must be ID-like (resource.CheckID), as a replica name is.
	Caller string
}

// Client talks to a Server. It is a vim.Factory (each location is the
// server's VIM of the location's ID, whatever its endpoint says) and
// reads the inspection endpoints. It is safe for concurrent use.
type Client struct {
	base   string
	hc     *http.Client
	reg    *resource.Registry
	caller string
}

var _ vim.Factory = (*Client)(nil)

// NewClient returns a client of the server at baseURL
// ("http://127.0.0.1:7070"). Errors: Invalid for a URL that is not http(s)
// or a Caller that is not ID-like.
func NewClient(baseURL string, opts *Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, resource.Errorf(resource.Invalid, "fakewire: %q is not an http(s) URL of a fake VIM server", baseURL)
	}
	c := &Client{base: strings.TrimSuffix(u.String(), "/")}
	if opts != nil {
		c.hc, c.reg, c.caller = opts.HTTPClient, opts.Registry, opts.Caller
	}
	if c.caller != "" {
		if err := checkCaller(c.caller); err != nil {
			return nil, err
		}
	}
	if c.hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		tr.MaxIdleConnsPerHost = 64
		c.hc = &http.Client{Transport: tr}
	}
	if c.reg == nil {
		c.reg = resource.NewBuiltinRegistry()
	}
	return c, nil
}

// Open returns the driver of the VIM named after the location's ID.
func (c *Client) Open(ctx context.Context, loc *resource.Resource, _ *vim.Credentials) ([]vim.Driver, error) {
	d, err := c.Dial(ctx, loc.ID)
	if err != nil {
		return nil, err
	}
	return []vim.Driver{d}, nil
}

// Dial returns a driver of the location's VIM, asking the server which
// kinds it serves.
func (c *Client) Dial(ctx context.Context, location string) (*Driver, error) {
	if err := resource.CheckID(location); err != nil {
		return nil, resource.InvalidField("location", "%v", err)
	}
	var kinds kindsResponse
	if err := c.do(ctx, http.MethodGet, location, "kinds", nil, &kinds); err != nil {
		return nil, err
	}
	return &Driver{c: c, loc: location, kinds: kinds.Kinds}, nil
}

// Locations lists the locations the server has served so far.
func (c *Client) Locations(ctx context.Context) ([]string, error) {
	var out locationsResponse
	err := c.call(ctx, http.MethodGet, c.base+"/v1/vims", "locations", nil, &out)
	return out.Locations, err
}

// Objects returns the location's VIM objects of kind ("" for every kind),
// sorted by tag.
func (c *Client) Objects(ctx context.Context, location string, kind resource.Kind) ([]Object, error) {
	op := "objects"
	if kind != "" {
		op += "?kind=" + url.QueryEscape(string(kind))
	}
	var out objectsResponse
	err := c.do(ctx, http.MethodGet, location, op, nil, &out)
	return out.Objects, err
}

// Calls returns how many calls of each operation the location's VIM has
// received (fake.Op names), failed ones included.
func (c *Client) Calls(ctx context.Context, location string) (map[string]int, error) {
	var out callsResponse
	err := c.do(ctx, http.MethodGet, location, "calls", nil, &out)
	return out.Calls, err
}

// CallLog returns the location's calls made by named callers (every
// client with a Caller), in the order they ended, with their times by the
// server's clock.
func (c *Client) CallLog(ctx context.Context, location string) ([]fake.Call, error) {
	var out callLogResponse
	if err := c.do(ctx, http.MethodGet, location, "call_log", nil, &out); err != nil {
		return nil, err
	}
	log := make([]fake.Call, len(out.Calls))
	for i, w := range out.Calls {
		log[i] = fake.Call{Op: w.Op, Caller: w.Caller, Start: w.Start, End: w.End}
	}
	return log, nil
}

// do calls op of a location's VIM.
func (c *Client) do(ctx context.Context, method, location, op string, req, resp any) error {
	return c.call(ctx, method, c.base+"/v1/vims/"+url.PathEscape(location)+"/"+op, location+" "+op, req, resp)
}

// call makes one request: no retry, as drivers never retry. A failure to
// get an answer is Unavailable, wrapping the context's error when it
// ended; an answered error keeps the code and field the server sent.
func (c *Client) call(ctx context.Context, method, target, what string, req, resp any) error {
	if err := ctx.Err(); err != nil {
		return resource.Errorf(resource.Unavailable, "fakewire %s: %w", what, err)
	}
	var body io.Reader
	if req != nil {
		raw, err := json.Marshal(req)
		if err != nil {
			return resource.Errorf(resource.Invalid, "fakewire %s: %v", what, err)
		}
		body = bytes.NewReader(raw)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return resource.Errorf(resource.Invalid, "fakewire %s: %v", what, err)
	}
	if req != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if c.caller != "" {
		hreq.Header.Set(CallerHeader, c.caller)
	}
	hresp, err := c.hc.Do(hreq)
	if err != nil {
		return unavailable(ctx, what, err)
	}
	defer hresp.Body.Close()
	if hresp.StatusCode/100 != 2 {
		return readError(hresp, what)
	}
	if err := json.NewDecoder(hresp.Body).Decode(resp); err != nil {
		// A cut connection (the server died mid-answer) or a proxy's page.
		return unavailable(ctx, what, fmt.Errorf("reading the answer: %w", err))
	}
	return nil
}

func unavailable(ctx context.Context, what string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return resource.Errorf(resource.Unavailable, "fakewire %s: %w", what, err)
}

// readError turns an error answer back into the error the VIM returned.
func readError(hresp *http.Response, what string) error {
	raw, _ := io.ReadAll(io.LimitReader(hresp.Body, 1<<20))
	var eb errorBody
	if json.Unmarshal(raw, &eb) == nil && eb.Error.Message != "" {
		code, ok := codeByName(eb.Error.Code)
		if !ok {
			code = codeOfStatus(hresp.StatusCode)
		}
		return &resource.Error{Code: code, Field: eb.Error.Field, Err: errors.New(eb.Error.Message)}
	}
	return resource.Errorf(codeOfStatus(hresp.StatusCode), "fakewire %s: HTTP %d: %.200s", what, hresp.StatusCode, raw)
}

// Driver is one location's VIM on a Server. It implements vim.Driver and
// every optional capability the in-process fake has.
type Driver struct {
	c     *Client
	loc   string
	kinds []resource.Kind
}

var (
	_ vim.Driver          = (*Driver)(nil)
	_ vim.Lister          = (*Driver)(nil)
	_ vim.Pinger          = (*Driver)(nil)
	_ vim.PowerController = (*Driver)(nil)
	_ vim.Snapshotter     = (*Driver)(nil)
	_ vim.ConsoleProvider = (*Driver)(nil)
	_ vim.HostLister      = (*Driver)(nil)
	_ vim.HostController  = (*Driver)(nil)
	_ vim.MetricReader    = (*Driver)(nil)
)

func (d *Driver) Kinds() []resource.Kind { return slices.Clone(d.kinds) }

// Close does nothing: connections belong to the Client, and the VIM
// outlives its drivers.
func (d *Driver) Close() error { return nil }

// objectCall sends a request naming one object.
func (d *Driver) objectCall(ctx context.Context, op string, o *vim.Object, req func(*wireObject) any, resp any) error {
	w, err := encodeObject(o)
	if err != nil {
		return err
	}
	return d.c.do(ctx, http.MethodPost, d.loc, op, req(w), resp)
}

func single(w *wireObject) any { return objectRequest{Object: w} }

func (d *Driver) Observe(ctx context.Context, o *vim.Object) (vim.Observation, error) {
	var obs vim.Observation
	err := d.objectCall(ctx, "observe", o, single, &obs)
	return obs, err
}

func (d *Driver) ObserveAll(ctx context.Context, kind resource.Kind, objs []*vim.Object) ([]vim.Observation, error) {
	req := observeAllRequest{Kind: kind, Objects: make([]*wireObject, len(objs))}
	for i, o := range objs {
		w, err := encodeObject(o)
		if err != nil {
			return nil, err
		}
		req.Objects[i] = w
	}
	var out observeAllResponse
	if err := d.c.do(ctx, http.MethodPost, d.loc, "observe_all", req, &out); err != nil {
		return nil, err
	}
	if len(out.Observations) != len(objs) {
		return nil, resource.Errorf(resource.Unavailable, "fakewire %s observe_all: %d observations for %d objects",
			d.loc, len(out.Observations), len(objs))
	}
	return out.Observations, nil
}

func (d *Driver) Create(ctx context.Context, o *vim.Object) (string, error) {
	var out createResponse
	err := d.objectCall(ctx, "create", o, single, &out)
	return out.ExternalID, err
}

func (d *Driver) Update(ctx context.Context, o *vim.Object) error {
	return d.objectCall(ctx, "update", o, single, &struct{}{})
}

func (d *Driver) Delete(ctx context.Context, o *vim.Object) error {
	return d.objectCall(ctx, "delete", o, single, &struct{}{})
}

func (d *Driver) Ping(ctx context.Context) error {
	return d.c.do(ctx, http.MethodPost, d.loc, "ping", struct{}{}, &struct{}{})
}

func (d *Driver) Power(ctx context.Context, o *vim.Object, action vim.PowerAction) error {
	return d.objectCall(ctx, "power", o, func(w *wireObject) any { return powerRequest{Object: w, Action: action} }, &struct{}{})
}

func (d *Driver) Snapshot(ctx context.Context, o *vim.Object, imageName, key string) (string, error) {
	var out snapshotResponse
	err := d.objectCall(ctx, "snapshot", o, func(w *wireObject) any {
		return snapshotRequest{Object: w, ImageName: imageName, Key: key}
	}, &out)
	return out.ImageID, err
}

func (d *Driver) ConsoleURL(ctx context.Context, o *vim.Object) (string, error) {
	var out consoleResponse
	err := d.objectCall(ctx, "console", o, single, &out)
	return out.URL, err
}

func (d *Driver) Hosts(ctx context.Context) ([]vim.Host, error) {
	var out hostsResponse
	err := d.c.do(ctx, http.MethodPost, d.loc, "hosts", struct{}{}, &out)
	return out.Hosts, err
}

func (d *Driver) SetHostEnabled(ctx context.Context, host string, enabled bool) error {
	return d.c.do(ctx, http.MethodPost, d.loc, "set_host", setHostRequest{Host: host, Enabled: enabled}, &struct{}{})
}

func (d *Driver) Metric(ctx context.Context, o *vim.Object, name string) (float64, error) {
	var out metricResponse
	err := d.objectCall(ctx, "metric", o, func(w *wireObject) any { return metricRequest{Object: w, Name: name} }, &out)
	return out.Value, err
}
