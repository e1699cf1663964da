// Package fake is an in-memory VIM that behaves like a real one, for
// embedders' unit tests, orca's own reconciler tests and the demo server's
// fake locations. It implements vim.Driver and every optional capability, and
// passes the same conformance suite (vim/vimtest) as the real drivers.
//
// What it models: objects tagged with their orca ID (Create adopts instead of
// duplicating); asynchronous progress (Building → Ready after
// Options.BuildTime, or on Step in Manual mode; the same for deletion);
// per-call latency that honours the context; quotas (Forbidden); immutable
// fields (Invalid on Update); dependencies that must exist at Create and that
// block Delete while used (Conflict), except a server group, which Nova lets
// go with members; compute hosts that can be disabled (a machine created with
// no enabled host goes to Error, as Nova's "No valid host" does); machines
// (every kind whose spec is a resource.MachineSpec: servers, bare-metal
// instances) with power, reboot, snapshots, console URLs, NICs (fixed IPs
// or free addresses, ports), availability zones ("zone:host" forces the
// host) and volumes attached at boot (attach.go); server groups that list
// their members; volumes, which grow in place but are never shrunk
// (Invalid, as Cinder refuses), with Cinder's status words, in use while
// a machine holds them;
// subnets, which may not overlap on one network (Invalid, as Neutron
// refuses).
//
// Faults, for tests: fail the next N calls of an operation with a code, fail
// with a probability, lose Create responses after committing (N of them, or
// at a rate), hang until the context ends (N calls, or at a rate), take the
// whole site down and up (Down, refusing or hanging; Up), and change
// (Drift), break, crash (a machine: Crash) or remove (Vanish) objects out of
// band. Inspection: Objects, Calls, Faults (what was injected).
//
// What it does not model: any data plane (MACs and ports are invented,
// nothing is reachable); IP address management beyond handing out the free
// addresses of a network's CIDR and subnets (machines.go); port types;
// Heat template processing (stacks do not create resources or outputs);
// attaching or detaching volumes after boot; extends that take time;
// Contrail fq_names and ref semantics; token expiry (inject Unauthorized
// instead); rate limiting (inject Unavailable); lists that lag behind
// writes; partial creates other than a lost response.
//
// Time comes from the time package, so tests that run it inside a
// testing/synctest bubble control BuildTime and Latency exactly.
package fake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/orca-nfv/orca/internal/jsontop"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Options configure a VIM; nil means defaults.
type Options struct {
	// Name distinguishes VIMs in external IDs and URLs; default "fake".
	Name string
	// Kinds served; nil means DefaultKinds().
	Kinds []resource.Kind
	// Registry supplies field mutability; nil means the built-in kinds.
	Registry *resource.Registry
	// BuildTime is how long objects stay Building after Create, and
	// DeleteTime how long they stay Deleting after Delete. Zero means at
	// once. Ignored in Manual mode.
	BuildTime, DeleteTime time.Duration
	// Manual keeps objects Building (and Deleting) until Step is called.
	Manual bool
	// PowerTime is how long a machine's power change (a reboot too)
	// takes: until it ends, Observe reports the machine's old power and
	// Busy naming the task, as Nova's task_state, and further power
	// changes are refused (Conflict). Zero means at once. In Manual mode,
	// with PowerTime set, tasks end on Step.
	PowerTime time.Duration
	// Latency is added to every call (or until the context ends).
	Latency time.Duration
	// Quota caps the number of objects per kind (Forbidden beyond).
	Quota map[resource.Kind]int
	// Hosts names the compute hosts; default host-1 and host-2.
	Hosts []string
	// Seed seeds the randomness of FailRate.
	Seed uint64
}

// DefaultKinds are the built-in global kinds that are realized per location.
func DefaultKinds() []resource.Kind {
	return []resource.Kind{
		resource.KindFlavor, resource.KindHeatInstance, resource.KindImage, resource.KindNetwork,
		resource.KindNetworkPolicy, resource.KindSecurityGroup, resource.KindServer, resource.KindServerGroup,
		resource.KindServiceInstance, resource.KindServiceTemplate, resource.KindBaremetalInstance, resource.KindVolume,
		resource.KindSubnet,
	}
}

// VIM is an in-memory VIM. Its methods are safe for concurrent use.
type VIM struct {
	opts  Options
	kinds []resource.Kind
	reg   *resource.Registry

	mu      sync.Mutex
	objects map[string]*object  // by orca ID
	timed   map[string]struct{} // orca IDs of objects waiting on a time (advance)
	seq     int
	hosts   []*vim.Host
	next    int // round-robin host cursor
	calls   map[Op]int
	faults  faults
	// siteMetrics apply to every machine without its own (metrics.go).
	siteMetrics map[string]float64
	rnd         *rand.Rand
	closed      bool
	log         callLog // its own lock: v.mu is held past begin
}

var (
	_ vim.Driver          = (*VIM)(nil)
	_ vim.Lister          = (*VIM)(nil)
	_ vim.Pinger          = (*VIM)(nil)
	_ vim.PowerController = (*VIM)(nil)
	_ vim.Snapshotter     = (*VIM)(nil)
	_ vim.ConsoleProvider = (*VIM)(nil)
	_ vim.HostLister      = (*VIM)(nil)
	_ vim.HostController  = (*VIM)(nil)
	_ vim.CreateObserver  = (*VIM)(nil)
)

// object is one VIM object. applied holds the spec fields as last written,
// as canonical JSON per field.
type object struct {
	kind       resource.Kind
	orcaID     string
	externalID string
	name       string
	tenant     string
	applied    map[string]json.RawMessage
	parts      []byte
	// content holds, per referencing field, the spec of each dependency
	// this VIM does not realize (a stack's template text): a change of it
	// is drift of that field, as Heat sees a changed template.
	content map[string][]byte
	uses    []string // external IDs this object depends on
	// machine objects boot a machine: they have power, a host and NICs,
	// and may be members of a server group (the group's external ID).
	machine bool
	nics    []nic
	volumes []attachment // a machine's, in order (attach.go)
	group   string
	state   vim.State
	message string
	power   vim.PowerState
	host    string
	until   time.Time // end of Building or Deleting (zero in Manual mode)
	// task is a power change under way (Nova's task_state words), which
	// leaves the machine with taskPower at taskUntil.
	task      string
	taskPower vim.PowerState
	taskUntil time.Time
	// metrics are a machine's load as SetMetric sets it (metrics.go).
	metrics map[string]float64
}

// New returns an empty VIM.
func New(opts *Options) *VIM {
	v := &VIM{objects: map[string]*object{}, calls: map[Op]int{}}
	if opts != nil {
		v.opts = *opts
	}
	if v.opts.Name == "" {
		v.opts.Name = "fake"
	}
	v.kinds = slices.Clone(v.opts.Kinds)
	if v.kinds == nil {
		v.kinds = DefaultKinds()
	}
	v.reg = v.opts.Registry
	if v.reg == nil {
		v.reg = resource.NewBuiltinRegistry()
	}
	hosts := v.opts.Hosts
	if hosts == nil {
		hosts = []string{"host-1", "host-2"}
	}
	for _, h := range hosts {
		v.hosts = append(v.hosts, &vim.Host{Name: h, Enabled: true, State: "up"})
	}
	v.rnd = rand.New(rand.NewPCG(v.opts.Seed, v.opts.Seed^0x9e3779b97f4a7c15))
	return v
}

func (v *VIM) Kinds() []resource.Kind { return slices.Clone(v.kinds) }

func (v *VIM) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.closed = true
	return nil
}

func (v *VIM) serves(k resource.Kind) bool { return slices.Contains(v.kinds, k) }

// begin is the start of every call: latency, then injected faults. It
// returns with v.mu held when err is nil.
func (v *VIM) begin(ctx context.Context, op Op) error {
	// The rest of a call holds v.mu without waiting: it ends, for the
	// log, when begin does.
	defer v.log.record(ctx, op)()
	if err := sleep(ctx, v.opts.Latency); err != nil {
		return err
	}
	v.mu.Lock()
	v.calls[op]++
	if v.closed {
		v.mu.Unlock()
		return resource.Errorf(resource.Unavailable, "fake %s: closed", v.opts.Name)
	}
	hang, err := v.faults.take(op, v.rnd)
	if hang {
		v.mu.Unlock()
		<-ctx.Done()
		return resource.Errorf(resource.Unavailable, "fake %s: %s hung: %w", v.opts.Name, op, ctx.Err())
	}
	if err != nil {
		v.mu.Unlock()
		return err
	}
	if err := ctx.Err(); err != nil {
		v.mu.Unlock()
		return resource.Errorf(resource.Unavailable, "fake %s: %w", v.opts.Name, err)
	}
	v.advance(time.Now())
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		if err := ctx.Err(); err != nil {
			return resource.Errorf(resource.Unavailable, "fake: %w", err)
		}
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return resource.Errorf(resource.Unavailable, "fake: %w", ctx.Err())
	}
}

// advance completes the builds, deletions and power changes whose time has
// come. It looks only at the objects waiting on a time (v.timed): every
// call runs it, and a VIM may hold many thousands of objects.
func (v *VIM) advance(now time.Time) {
	for id := range v.timed {
		o, ok := v.objects[id]
		if !ok {
			delete(v.timed, id)
			continue
		}
		if o.task != "" && !o.taskUntil.IsZero() && !now.Before(o.taskUntil) {
			o.endTask()
		}
		if !o.until.IsZero() && !now.Before(o.until) {
			v.finish(id, o)
		}
		if o.until.IsZero() && o.taskUntil.IsZero() {
			delete(v.timed, id)
		}
	}
}

// wait notes that an object waits on a time (its until or taskUntil).
// Callers hold v.mu.
func (v *VIM) wait(id string) {
	if v.timed == nil {
		v.timed = map[string]struct{}{}
	}
	v.timed[id] = struct{}{}
}

// endTask completes a machine's power change.
func (o *object) endTask() {
	o.power, o.task, o.taskPower, o.taskUntil = o.taskPower, "", "", time.Time{}
}

// finish moves an object out of Building or Deleting.
func (v *VIM) finish(id string, o *object) {
	switch o.state {
	case vim.StateBuilding:
		o.state, o.until = vim.StateReady, time.Time{}
		if o.machine {
			o.power = vim.PowerOn
		}
	case vim.StateDeleting:
		delete(v.objects, id)
	}
}

// Step completes every pending build, deletion and power change at once
// (Manual mode).
func (v *VIM) Step() {
	v.mu.Lock()
	defer v.mu.Unlock()
	for id, o := range v.objects {
		if o.task != "" {
			o.endTask()
		}
		if o.state == vim.StateBuilding || o.state == vim.StateDeleting {
			v.finish(id, o)
		}
	}
}

func (v *VIM) Observe(ctx context.Context, o *vim.Object) (vim.Observation, error) {
	if err := v.begin(ctx, OpObserve); err != nil {
		return vim.Observation{}, err
	}
	defer v.mu.Unlock()
	if !v.serves(o.Kind) {
		return vim.Observation{}, vim.Unsupported(o.Kind)
	}
	return v.observe(o)
}

func (v *VIM) ObserveAll(ctx context.Context, kind resource.Kind, objs []*vim.Object) ([]vim.Observation, error) {
	if err := v.begin(ctx, OpObserveAll); err != nil {
		return nil, err
	}
	defer v.mu.Unlock()
	if !v.serves(kind) {
		return nil, vim.Unsupported(kind)
	}
	out := make([]vim.Observation, len(objs))
	for i, o := range objs {
		if o.Kind != kind {
			return nil, resource.Errorf(resource.Invalid, "fake: ObserveAll(%s) given a %s", kind, o.Kind)
		}
		obs, err := v.observe(o)
		if err != nil {
			return nil, err
		}
		out[i] = obs
	}
	return out, nil
}

// observeAs is observe; made says want was just created from, so it
// cannot have drifted and its spec need not be compared (encoding it again
// was a tenth of a convergence benchmark's CPU).
func (v *VIM) observeAs(want *vim.Object, made bool) (vim.Observation, error) {
	o, ok := v.objects[want.Ref.ID]
	if !ok || o.kind != want.Kind {
		return vim.Observation{}, nil
	}
	obs := vim.Observation{
		Exists: true, ExternalID: o.externalID, State: o.state, Message: o.message,
		TaskStatus: taskStatus(o), Power: o.power, Busy: o.task,
		Output: map[string]any{"vim": v.opts.Name, "external_id": o.externalID},
	}
	if o.host != "" {
		obs.Output["host"] = o.host
	}
	if o.machine {
		machineOutput(o, obs.Output)
	}
	if pfx, ok := appliedCIDR(o); ok && o.kind == resource.KindNetwork {
		obs.Output["cidr"] = pfx.String() // as Neutron reports its subnet's
	}
	v.attachmentOutput(o, &obs)
	if o.kind == resource.KindServerGroup {
		obs.Output["members"] = v.members(o.externalID)
	}
	if made {
		return obs, nil
	}
	desired, parts, err := encode(want)
	if err != nil {
		return vim.Observation{}, err
	}
	for _, f := range fieldNames(desired, o.applied) {
		if !bytes.Equal(desired[f], o.applied[f]) {
			obs.Drift = append(obs.Drift, f)
		}
	}
	for field, c := range v.content(want) {
		if !bytes.Equal(c, o.content[field]) && !slices.Contains(obs.Drift, field) {
			obs.Drift = append(obs.Drift, field)
		}
	}
	slices.Sort(obs.Drift)
	if !bytes.Equal(parts, o.parts) {
		obs.Drift = append(obs.Drift, vim.PartsField)
	}
	return obs, nil
}

func taskStatus(o *object) string {
	switch o.kind {
	case resource.KindHeatInstance:
		return map[vim.State]string{vim.StateBuilding: "CREATE_IN_PROGRESS", vim.StateReady: "CREATE_COMPLETE",
			vim.StateError: "CREATE_FAILED", vim.StateDeleting: "DELETE_IN_PROGRESS"}[o.state]
	case resource.KindVolume: // Cinder's words
		return map[vim.State]string{vim.StateBuilding: "creating", vim.StateReady: "available",
			vim.StateError: "error", vim.StateDeleting: "deleting"}[o.state]
	}
	if o.state == vim.StateReady && o.power == vim.PowerOff {
		return "SHUTOFF"
	}
	return map[vim.State]string{vim.StateBuilding: "BUILD", vim.StateReady: "ACTIVE",
		vim.StateError: "ERROR", vim.StateDeleting: "DELETING"}[o.state]
}

// content returns the canonical JSON of the specs of o's dependencies that
// this VIM does not realize, keyed by the field naming each.
func (v *VIM) content(o *vim.Object) map[string][]byte {
	if len(o.Deps) == 0 {
		return nil // as good as empty to every reader
	}
	out := map[string][]byte{}
	probe := &resource.Resource{Ref: resource.Ref{Kind: o.Kind, ID: o.Ref.ID}, Spec: o.Spec}
	for ref, dep := range o.Deps {
		if v.serves(ref.Kind) || dep.Spec == nil {
			continue
		}
		if field := v.reg.RefField(probe, ref); field != "" {
			out[field], _ = json.Marshal(dep.Spec)
		}
	}
	return out
}

// encode returns an object's spec fields and parts as canonical JSON.
func encode(o *vim.Object) (map[string]json.RawMessage, []byte, error) {
	if o.Spec == nil {
		return nil, nil, resource.InvalidField("spec", "required")
	}
	raw, err := json.Marshal(o.Spec)
	if err != nil {
		return nil, nil, resource.Errorf(resource.Invalid, "fake: spec: %v", err)
	}
	fields := map[string]json.RawMessage{}
	// Split without decoding: every create and observe encodes one.
	if !jsontop.Members(raw, func(name string, v []byte) { fields[name] = v }) {
		fields = nil
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, nil, resource.Errorf(resource.Invalid, "fake: spec is not an object: %v", err)
		}
	}
	parts := slices.Clone(o.Parts)
	slices.SortFunc(parts, func(a, b vim.Part) int {
		switch {
		case a.Ref.ID < b.Ref.ID:
			return -1
		case a.Ref.ID > b.Ref.ID:
			return 1
		}
		return 0
	})
	partsJSON, err := json.Marshal(parts)
	if err != nil {
		return nil, nil, resource.Errorf(resource.Invalid, "fake: parts: %v", err)
	}
	return fields, partsJSON, nil
}

// fieldNames is the sorted union of two field sets.
func fieldNames(a, b map[string]json.RawMessage) []string {
	var names []string
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}

func (v *VIM) Create(ctx context.Context, o *vim.Object) (string, error) {
	if err := v.begin(ctx, OpCreate); err != nil {
		return "", err
	}
	defer v.mu.Unlock()
	return v.create(o)
}

// CreateObserve is Create answering with the object's state, in the one
// call (counted as a create), as a VIM whose create response carries the
// object does (vim.CreateObserver).
func (v *VIM) CreateObserve(ctx context.Context, o *vim.Object) (vim.Observation, error) {
	if err := v.begin(ctx, OpCreate); err != nil {
		return vim.Observation{}, err
	}
	defer v.mu.Unlock()
	existed := v.objects[o.Ref.ID] != nil
	if _, err := v.create(o); err != nil {
		return vim.Observation{}, err
	}
	return v.observeAs(o, !existed)
}

func (v *VIM) observe(want *vim.Object) (vim.Observation, error) {
	return v.observeAs(want, false)
}

// create is Create's work; callers hold v.mu.
func (v *VIM) create(o *vim.Object) (string, error) {
	if !v.serves(o.Kind) {
		return "", vim.Unsupported(o.Kind)
	}
	if existing, ok := v.objects[o.Ref.ID]; ok {
		if existing.kind != o.Kind {
			return "", resource.Errorf(resource.Conflict, "fake: tag %s is on a %s, not a %s", o.Ref.ID, existing.kind, o.Kind)
		}
		return existing.externalID, nil // adopt: never a second object for one tag
	}
	if err := o.Spec.Validate(); err != nil {
		return "", err
	}
	uses, err := v.checkDeps(o)
	if err != nil {
		return "", err
	}
	if err := v.checkSubnet(o); err != nil {
		return "", err
	}
	if q, ok := v.opts.Quota[o.Kind]; ok && v.count(o.Kind) >= q {
		return "", resource.Errorf(resource.Forbidden, "fake %s: quota exceeded: at most %d %s objects", v.opts.Name, q, o.Kind)
	}
	fields, parts, err := encode(o)
	if err != nil {
		return "", err
	}
	v.seq++
	obj := &object{
		kind: o.Kind, orcaID: o.Ref.ID, name: o.Name, tenant: o.Tenant,
		externalID: fmt.Sprintf("%s-%s-%06d", v.opts.Name, o.Kind, v.seq),
		applied:    fields, parts: parts, uses: uses, state: vim.StateBuilding, content: v.content(o),
	}
	if m, ok := o.Spec.(resource.MachineSpec); ok {
		if err := v.boot(obj, m.Boot(), o.Deps); err != nil {
			return "", err
		}
	}
	v.objects[o.Ref.ID] = obj
	if obj.state == vim.StateBuilding {
		v.startTimer(o.Ref.ID, obj, v.opts.BuildTime)
	}
	if v.faults.loseCreates > 0 {
		v.faults.loseCreates--
		return "", resource.Errorf(resource.Unavailable, "fake %s: connection reset after the create was accepted", v.opts.Name)
	}
	return obj.externalID, nil
}

// startTimer schedules the end of Building or Deleting, or finishes it now.
func (v *VIM) startTimer(id string, o *object, d time.Duration) {
	switch {
	case v.opts.Manual:
	case d <= 0:
		v.finish(id, o)
	default:
		o.until = time.Now().Add(d)
		v.wait(id)
	}
}

// schedule picks the next enabled host, round robin, or "".
func (v *VIM) schedule() string {
	for range v.hosts {
		h := v.hosts[v.next%len(v.hosts)]
		v.next++
		if h.Enabled {
			return h.Name
		}
	}
	return ""
}

func (v *VIM) count(k resource.Kind) int {
	n := 0
	for _, o := range v.objects {
		if o.kind == k {
			n++
		}
	}
	return n
}

// checkDeps verifies that every dependency realized in this VIM exists here,
// and that kinds without a VIM copy (heat templates) come with their spec.
// It returns the external IDs used.
func (v *VIM) checkDeps(o *vim.Object) ([]string, error) {
	var uses []string
	for _, ref := range o.Spec.Dependencies() {
		dep, ok := o.Deps[ref]
		if !v.serves(ref.Kind) {
			if !ok || dep.Spec == nil {
				return nil, resource.Errorf(resource.Invalid, "fake: %s needs the spec of %s", o.Kind, ref)
			}
			continue
		}
		if !ok || dep.ExternalID == "" || v.byExternal(ref.Kind, dep.ExternalID) == nil {
			return nil, resource.Errorf(resource.NotFound, "fake %s: %s %s not found (external ID %q)", v.opts.Name, ref.Kind, ref.ID, dep.ExternalID)
		}
		if ref.Kind == resource.KindServerGroup {
			continue // members do not hold a group: Nova deletes it under them
		}
		uses = append(uses, dep.ExternalID)
	}
	return uses, nil
}

// live returns o's object unless it is absent or being deleted. Callers
// hold v.mu.
func (v *VIM) live(o *vim.Object) *object {
	obj := v.objects[o.Ref.ID]
	if obj == nil || obj.kind != o.Kind || obj.state == vim.StateDeleting {
		return nil
	}
	return obj
}

func (v *VIM) byExternal(k resource.Kind, ext string) *object {
	for _, o := range v.objects {
		if o.kind == k && o.externalID == ext {
			return o
		}
	}
	return nil
}

func (v *VIM) Update(ctx context.Context, o *vim.Object) error {
	if err := v.begin(ctx, OpUpdate); err != nil {
		return err
	}
	defer v.mu.Unlock()
	if !v.serves(o.Kind) {
		return vim.Unsupported(o.Kind)
	}
	obj := v.live(o)
	if obj == nil {
		return resource.Errorf(resource.NotFound, "fake %s: %s not found", v.opts.Name, o)
	}
	if err := o.Spec.Validate(); err != nil {
		return err
	}
	fields, parts, err := encode(o)
	if err != nil {
		return err
	}
	for _, name := range fieldNames(fields, obj.applied) {
		if bytes.Equal(fields[name], obj.applied[name]) {
			continue
		}
		if f, ok := v.reg.Field(o.Kind, name); !ok || f.Mutability != resource.Mutable {
			return resource.InvalidField(name, "fake %s: cannot be changed in place on %s", v.opts.Name, o)
		}
	}
	if err := v.validateUpdate(o, obj); err != nil {
		return err
	}
	if err := v.checkReaddress(obj, fields); err != nil {
		return err
	}
	uses, err := v.checkDeps(o)
	if err != nil {
		return err
	}
	obj.applied, obj.parts, obj.uses, obj.name, obj.content = fields, parts, uses, o.Name, v.content(o)
	return nil
}

// validateUpdate applies the spec's own update rule (a volume cannot
// shrink) against the object as applied, as a VIM refuses what it cannot
// do. An applied spec that no longer decodes (drifted out of band) has no
// rule to break.
func (v *VIM) validateUpdate(o *vim.Object, obj *object) error {
	uv, ok := o.Spec.(resource.UpdateValidator)
	if !ok {
		return nil
	}
	raw, err := json.Marshal(obj.applied)
	if err != nil {
		return nil
	}
	applied, err := v.reg.DecodeSpec(o.Kind, raw, nil)
	if err != nil {
		return nil
	}
	if err := uv.ValidateUpdate(applied); err != nil {
		return resource.Errorf(resource.Invalid, "fake %s: %s: %w", v.opts.Name, o, err)
	}
	return nil
}

func (v *VIM) Delete(ctx context.Context, o *vim.Object) error {
	if err := v.begin(ctx, OpDelete); err != nil {
		return err
	}
	defer v.mu.Unlock()
	if !v.serves(o.Kind) {
		return vim.Unsupported(o.Kind)
	}
	obj := v.live(o)
	if obj == nil {
		return nil
	}
	if err := v.checkDetached(obj); err != nil {
		return err
	}
	for _, other := range v.objects {
		if other.state != vim.StateDeleting && slices.Contains(other.uses, obj.externalID) {
			return resource.Errorf(resource.Conflict, "fake %s: %s is in use by %s %s", v.opts.Name, o, other.kind, other.orcaID)
		}
	}
	obj.state, obj.until = vim.StateDeleting, time.Time{}
	v.startTimer(o.Ref.ID, obj, v.opts.DeleteTime)
	return nil
}

func (v *VIM) Ping(ctx context.Context) error {
	if err := v.begin(ctx, OpPing); err != nil {
		return err
	}
	v.mu.Unlock()
	return nil
}
