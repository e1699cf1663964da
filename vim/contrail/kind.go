package contrail

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// kindImpl realizes one orca kind as one Contrail type. The operations
// (Observe, Create, Update, Delete, ObserveAll) are generic over it; each
// kind's file says how its spec maps to Contrail properties.
type kindImpl struct {
	typ    string // the Contrail type, hyphen form
	parent string // the parent type: "project" or "domain"
	// listFields names the back-refs build reads, which a detailed list
	// only includes when asked.
	listFields string
	// build computes the desired state of o; r resolves the uuids of other
	// objects to fq_names.
	build func(ctx context.Context, o *vim.Object, r *resolver) (*desired, error)
	// needs lists, by Contrail type, the uuids build resolves, so that
	// ObserveAll fetches them in one call per type. Optional.
	needs func(o *vim.Object) map[string][]string
	// output adds kind-specific values to an observation's Output.
	// Optional.
	output func(c *cobject, out map[string]any)
	// afterWrite completes a create (cur nil) or an update of object id.
	// Optional.
	afterWrite func(ctx context.Context, d *Driver, id string, cur *cobject, want *desired) error
	// beforeDelete runs before the DELETE. Optional.
	beforeDelete func(ctx context.Context, d *Driver, cur *cobject) error
}

// desired is what an object should look like in Contrail.
type desired struct {
	description string
	// props are the create body's properties and refs beyond fq_name,
	// parent_type, display_name and id_perms.
	props map[string]any
	// checks compare the object with the spec, one spec field each
	// (several checks may name one field).
	checks []check
	// unresolved is set when a dependency cannot be resolved here (not in
	// Object.Deps: Invalid) or is missing in Contrail (NotFound): the
	// object cannot be written as specified, so Create and Update fail
	// with it.
	unresolved error
	// attach lists the networks a policy attaches to.
	attach []string
}

// check is one comparison of the object with the spec.
type check struct {
	field   string
	differs func(c *cobject) bool
	// put holds the properties that make the field match again; nil when
	// it cannot change in place (Update refuses it).
	put map[string]any
}

// unresolve records the first reason the object cannot be written.
func (w *desired) unresolve(err error) {
	if w.unresolved == nil {
		w.unresolved = err
	}
}

// build computes o's desired state, resolving what it names in one call
// per type (none when r already knows the names).
func (d *Driver) build(ctx context.Context, impl *kindImpl, o *vim.Object, r *resolver) (*desired, error) {
	if impl.needs != nil {
		if err := r.prefetchAll(ctx, impl, []*vim.Object{o}); err != nil {
			return nil, err
		}
	}
	want, err := impl.build(ctx, o, r)
	if err != nil {
		return nil, err
	}
	desc := want.description
	// A PUT's id_perms gives the server enable and description, so both
	// are sent: the object stays enabled.
	want.checks = append([]check{{field: "description",
		differs: func(c *cobject) bool { return c.description() != desc },
		put:     map[string]any{"id_perms": map[string]any{"enable": true, "description": desc}}}}, want.checks...)
	return want, nil
}

func specError(o *vim.Object, want any) error {
	return resource.Errorf(resource.Invalid, "contrail: a %s object needs a %T spec, not %T", o.Kind, want, o.Spec)
}

func (d *Driver) Observe(ctx context.Context, o *vim.Object) (vim.Observation, error) {
	impl, err := d.impl(o.Kind)
	if err != nil {
		return vim.Observation{}, err
	}
	cur, err := d.fetch(ctx, impl, o)
	if err != nil || cur == nil {
		return vim.Observation{}, err
	}
	r := newResolver(d)
	r.seed(cur)
	want, err := d.build(ctx, impl, o, r)
	if err != nil {
		return vim.Observation{}, err
	}
	return observation(impl, cur, want), nil
}

// observation reports c against the desired state. Contrail config objects
// are usable once created, so they are always Ready.
func observation(impl *kindImpl, c *cobject, want *desired) vim.Observation {
	obs := vim.Observation{Exists: true, ExternalID: c.UUID, State: vim.StateReady, TaskStatus: "ACTIVE",
		Output: map[string]any{"uuid": c.UUID, "fq_name": strings.Join(c.FQName, ":")}}
	if impl.output != nil {
		impl.output(c, obs.Output)
	}
	for _, ch := range want.checks {
		if !slices.Contains(obs.Drift, ch.field) && ch.differs(c) {
			obs.Drift = append(obs.Drift, ch.field)
		}
	}
	return obs
}

// fetch reads o's object: by its recorded uuid, else by its fq_name. It
// returns nil, nil only when the fq_name is unknown too: a 404 for a uuid
// the name still maps to is NotFound.
func (d *Driver) fetch(ctx context.Context, impl *kindImpl, o *vim.Object) (*cobject, error) {
	fq := d.fqName(impl, o)
	if o.ExternalID != "" {
		c, err := d.get(ctx, impl.typ, o.ExternalID)
		switch {
		case err == nil && slices.Equal(c.FQName, fq):
			return c, nil
		case err != nil && resource.CodeOf(err) != resource.NotFound:
			return nil, err
		}
		// Gone, or the uuid is not ours: the name decides.
		id, lerr := d.fqToID(ctx, impl.typ, fq)
		switch {
		case resource.CodeOf(lerr) == resource.NotFound:
			return nil, nil
		case lerr != nil:
			return nil, lerr
		case id == o.ExternalID && err != nil:
			return nil, resource.Errorf(resource.NotFound, "%w (yet %s still names it)", err, strings.Join(fq, ":"))
		}
		return d.getOrAbsent(ctx, impl.typ, id)
	}
	id, err := d.fqToID(ctx, impl.typ, fq)
	if resource.CodeOf(err) == resource.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return d.getOrAbsent(ctx, impl.typ, id)
}

// getOrAbsent reads an object just looked up by name; deleted in between
// means absent.
func (d *Driver) getOrAbsent(ctx context.Context, typ, id string) (*cobject, error) {
	c, err := d.get(ctx, typ, id)
	if resource.CodeOf(err) == resource.NotFound {
		return nil, nil
	}
	return c, err
}

func (d *Driver) Create(ctx context.Context, o *vim.Object) (string, error) {
	impl, err := d.impl(o.Kind)
	if err != nil {
		return "", err
	}
	want, err := d.build(ctx, impl, o, newResolver(d))
	if err != nil {
		return "", err
	}
	if want.unresolved != nil {
		return "", want.unresolved
	}
	fq := d.fqName(impl, o)
	body := map[string]any{"fq_name": fq, "parent_type": impl.parent,
		"id_perms": map[string]any{"enable": true, "description": want.description}}
	if o.Name != "" {
		body["display_name"] = o.Name
	}
	maps.Copy(body, want.props)
	var out map[string]struct {
		UUID string `json:"uuid"`
	}
	err = d.do(ctx, "POST", "/"+impl.typ+"s", map[string]any{impl.typ: body}, &out)
	id := out[impl.typ].UUID
	switch {
	case resource.CodeOf(err) == resource.Conflict:
		// The fq_name is taken (an earlier create whose answer was lost)
		// or the 409 is about something else: the name tells which.
		var lerr error
		if id, lerr = d.fqToID(ctx, impl.typ, fq); resource.CodeOf(lerr) == resource.NotFound {
			return "", err
		} else if lerr != nil {
			return "", lerr
		}
	case err != nil:
		return "", err
	case id == "":
		return "", resource.Errorf(resource.Unavailable, "contrail: POST /%ss: no uuid in the answer", impl.typ)
	}
	if impl.afterWrite != nil {
		if err := impl.afterWrite(ctx, d, id, nil, want); err != nil {
			return "", err
		}
	}
	return id, nil
}

func (d *Driver) Update(ctx context.Context, o *vim.Object) error {
	impl, err := d.impl(o.Kind)
	if err != nil {
		return err
	}
	cur, err := d.fetch(ctx, impl, o)
	if err != nil {
		return err
	}
	if cur == nil {
		return resource.Errorf(resource.NotFound, "contrail: %s %s does not exist", impl.typ, strings.Join(d.fqName(impl, o), ":"))
	}
	r := newResolver(d)
	r.seed(cur)
	want, err := d.build(ctx, impl, o, r)
	if err != nil {
		return err
	}
	// Refuse before writing anything, so a refused update changes nothing.
	put := map[string]any{}
	for _, ch := range want.checks {
		if !ch.differs(cur) {
			continue
		}
		if ch.put == nil {
			return resource.InvalidField(ch.field, "cannot change in place in Contrail; the object must be replaced")
		}
		maps.Copy(put, ch.put)
	}
	if want.unresolved != nil {
		return want.unresolved
	}
	if o.Name != "" && cur.DisplayName != o.Name {
		put["display_name"] = o.Name
	}
	if len(put) > 0 {
		if err := d.do(ctx, "PUT", "/"+impl.typ+"/"+url.PathEscape(cur.UUID), map[string]any{impl.typ: put}, nil); err != nil {
			return err
		}
	}
	if impl.afterWrite != nil {
		return impl.afterWrite(ctx, d, cur.UUID, cur, want)
	}
	return nil
}

func (d *Driver) Delete(ctx context.Context, o *vim.Object) error {
	impl, err := d.impl(o.Kind)
	if err != nil {
		return err
	}
	cur, err := d.fetch(ctx, impl, o)
	if err != nil || cur == nil {
		return err
	}
	if impl.beforeDelete != nil {
		if err := impl.beforeDelete(ctx, d, cur); err != nil {
			return err
		}
	}
	// 409 while children or back-refs remain: Conflict, which the
	// orchestrator waits out.
	err = d.do(ctx, "DELETE", "/"+impl.typ+"/"+url.PathEscape(cur.UUID), nil, nil)
	if resource.CodeOf(err) == resource.NotFound {
		return nil // deleted meanwhile
	}
	return err
}

// resolver maps uuids of objects other than the one at hand to fq_names,
// from what the driver has already read or with one list call per type.
type resolver struct {
	d  *Driver
	fq map[string][]string // a nil value: known to be missing
}

func newResolver(d *Driver) *resolver { return &resolver{d: d, fq: map[string][]string{}} }

// seed records the fq_names c's refs and back-refs name.
func (r *resolver) seed(c *cobject) {
	for _, l := range [][]cref{c.NetworkIpamRefs, c.VirtualNetworkBackRefs, c.ServiceTemplateRefs} {
		for _, x := range l {
			if x.UUID != "" && len(x.To) > 0 {
				r.fq[x.UUID] = x.To
			}
		}
	}
}

// prefetch looks up the uuids of typ not known yet, in one call.
func (r *resolver) prefetch(ctx context.Context, typ string, uuids []string) error {
	var missing []string
	for _, u := range uuids {
		if _, ok := r.fq[u]; !ok && u != "" && !slices.Contains(missing, u) {
			missing = append(missing, u)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	found, err := r.d.names(ctx, typ, missing)
	if err != nil {
		return err
	}
	for _, u := range missing {
		r.fq[u] = found[u]
	}
	return nil
}

// prefetchAll looks up, in one call per type, what building objs needs.
func (r *resolver) prefetchAll(ctx context.Context, impl *kindImpl, objs []*vim.Object) error {
	need := map[string][]string{}
	for _, o := range objs {
		for typ, ids := range impl.needs(o) {
			need[typ] = append(need[typ], ids...)
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(need)) {
		if err := r.prefetch(ctx, typ, need[typ]); err != nil {
			return err
		}
	}
	return nil
}

// dep resolves the dependency (k, id) of o, realized in Contrail as typ.
// It returns the uuid and fq_name, or a problem when the dependency is not
// in o.Deps (Invalid, naming field) or not in Contrail (NotFound); err is
// for failed calls only.
func (r *resolver) dep(ctx context.Context, o *vim.Object, k resource.Kind, id, typ, field string) (uuid string, fq []string, problem, err error) {
	dp, ok := o.Deps[resource.Ref{Kind: k, ID: id}]
	if !ok || dp.ExternalID == "" {
		return "", nil, resource.InvalidField(field, "%s %q is not resolved at this location", k, id), nil
	}
	if err := r.prefetch(ctx, typ, []string{dp.ExternalID}); err != nil {
		return "", nil, nil, err
	}
	if fq = r.fq[dp.ExternalID]; fq == nil {
		return dp.ExternalID, nil, &resource.Error{Code: resource.NotFound, Field: field,
			Err: resource.Errorf(resource.NotFound, "contrail: %s %q (%s %s) does not exist", k, id, typ, dp.ExternalID)}, nil
	}
	return dp.ExternalID, fq, nil, nil
}

// depUUID is the recorded ExternalID of a dependency, or "".
func depUUID(o *vim.Object, k resource.Kind, id string) string {
	return o.Deps[resource.Ref{Kind: k, ID: id}].ExternalID
}

// canonical is v's JSON with the server's defaults pruned (see prune), so
// what was sent compares equal to what the server echoes.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var x any
	if json.Unmarshal(b, &x) != nil {
		return ""
	}
	b, _ = json.Marshal(prune(x))
	return string(b)
}

// prune drops null, false, zero, "" and empty lists and objects from
// decoded JSON (and the server-set rule keys), the values a server fills in
// by default. Map keys come out sorted when marshalled.
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			if k == "rule_uuid" || k == "created" || k == "last_modified" {
				continue
			}
			if p := prune(e); p != nil {
				m[k] = p
			}
		}
		if len(m) == 0 {
			return nil
		}
		return m
	case []any:
		var l []any
		for _, e := range x {
			if p := prune(e); p != nil {
				l = append(l, p)
			}
		}
		if len(l) == 0 {
			return nil
		}
		return l
	case string:
		if x == "" {
			return nil
		}
	case bool:
		if !x {
			return nil
		}
	case float64:
		if x == 0 {
			return nil
		}
	case nil:
		return nil
	}
	return v
}

// canonicalRules is the canonical form of each rule of a list.
func canonicalRules[T any](rules []T) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = canonical(r)
	}
	return out
}
