package resource

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Scope says who may see and change resources of a kind.
type Scope int

const (
	// ScopeTenant kinds are owned by a tenant: members manage their own,
	// administrators all. Resource.Tenant is required.
	ScopeTenant Scope = iota
	// ScopeAdmin kinds are for administrators only (id pools).
	ScopeAdmin
	// ScopeShared kinds are read by every authenticated user and written by
	// administrators (locations).
	ScopeShared
)

func (s Scope) String() string {
	switch s {
	case ScopeTenant:
		return "tenant"
	case ScopeAdmin:
		return "admin"
	case ScopeShared:
		return "shared"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

// KindInfo describes a kind: its Go spec type, its wire spellings and its
// relations. Names and paths are spelled as the seed spells them, irregular
// ones included; aliases accept the regular spellings too.
type KindInfo struct {
	Kind Kind
	// Singular wraps one object in a body: {"network": {...}}.
	Singular        string
	SingularAliases []string
	// Plural wraps a list: {"networks": [...]}.
	Plural        string
	PluralAliases []string
	// Path is the collection's URL path, e.g. "/v1.0/tenant/networks".
	Path        string
	PathAliases []string
	Scope       Scope

	// Parent is the kind of Resource.Owner; ParentField is its wire name
	// ("network_id" on a local_network). Kinds without a parent have no
	// owner.
	Parent      Kind
	ParentField string
	// Local is the per-location counterpart of a global kind ("network" →
	// "local_network").
	Local Kind
	// Located kinds live at one location: Resource.Location is required.
	Located bool
	// Composite kinds have no copies of their own but own resources that
	// do (a deployment's servers): their placement is their members'.
	Composite bool
	// NoName and NoTenant mark kinds whose wire form has no name or no
	// tenant_id (seed 000's id pools and route-target associations).
	NoName, NoTenant bool
	// ReadOnly kinds are written by the orchestrator alone (events, id
	// allocations, webhooks, watches, leases): the APIs list and show
	// them, and refuse writes.
	ReadOnly bool

	// New returns a new zero spec of the kind's Go type (a struct pointer).
	New func() Spec

	// Fields is filled by Register from the spec type's tags; it is
	// ignored on input.
	Fields []Field
}

// IsMetaField reports whether name is a wire field that maps to resource
// metadata rather than to the spec.
func (k *KindInfo) IsMetaField(name string) bool {
	switch name {
	case "id", "name", "tenant_id":
		return true
	case "location_id", "status", "output", "task_status":
		return k.Located
	}
	return name != "" && name == k.ParentField
}

func (k *KindInfo) clone() KindInfo {
	c := *k
	c.SingularAliases = slices.Clone(k.SingularAliases)
	c.PluralAliases = slices.Clone(k.PluralAliases)
	c.PathAliases = slices.Clone(k.PathAliases)
	c.Fields = slices.Clone(k.Fields)
	return c
}

type entry struct {
	info   KindInfo
	typ    reflect.Type
	fields map[string]*Field
	plain  bool // plainType(typ): normalize copies by assignment
}

// Registry knows every kind a process handles. It is safe for concurrent use;
// kinds can be registered at any time, but are usually registered at start-up.
// Stores, the reconciler and the HTTP layer all consult the same registry.
type Registry struct {
	mu    sync.RWMutex
	kinds map[Kind]*entry
	paths map[string]Kind
}

// NewRegistry returns an empty registry. Most callers want
// NewBuiltinRegistry, then Register their own kinds on top.
func NewRegistry() *Registry {
	return &Registry{kinds: map[Kind]*entry{}, paths: map[string]Kind{}}
}

var kindName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

func checkKindName(k Kind) error {
	if !kindName.MatchString(string(k)) {
		return fmt.Errorf("kind %q is not a lowercase snake_case name", k)
	}
	return nil
}

// Register adds a kind. It returns an error if the kind or one of its paths is
// already registered, the spec type's tags are malformed, a spec field
// shadows a metadata field, or the kind disagrees with a registered
// global/local counterpart.
func (r *Registry) Register(info KindInfo) error {
	if err := checkKindName(info.Kind); err != nil {
		return err
	}
	if info.New == nil {
		return fmt.Errorf("kind %s: New is nil", info.Kind)
	}
	spec := info.New()
	if spec == nil {
		return fmt.Errorf("kind %s: New returned nil", info.Kind)
	}
	fields, err := specFields(reflect.TypeOf(spec))
	if err != nil {
		return fmt.Errorf("kind %s: %w", info.Kind, err)
	}
	if info.Singular == "" || info.Plural == "" {
		return fmt.Errorf("kind %s: Singular and Plural are required", info.Kind)
	}
	if (info.Parent == "") != (info.ParentField == "") {
		return fmt.Errorf("kind %s: Parent and ParentField go together", info.Kind)
	}
	if info.Located && info.Parent == "" {
		return fmt.Errorf("kind %s: a located kind needs a Parent", info.Kind)
	}
	for _, f := range fields {
		if info.IsMetaField(f.Name) {
			return fmt.Errorf("kind %s: spec field %q shadows a metadata field", info.Kind, f.Name)
		}
	}
	paths := append([]string{info.Path}, info.PathAliases...)
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
			return fmt.Errorf("kind %s: path %q must start and not end with /", info.Kind, p)
		}
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.kinds[info.Kind]; dup {
		return fmt.Errorf("kind %s is already registered", info.Kind)
	}
	for _, p := range paths {
		if k, dup := r.paths[p]; dup {
			return fmt.Errorf("kind %s: path %s already serves kind %s", info.Kind, p, k)
		}
	}
	if err := r.checkCounterparts(&info); err != nil {
		return err
	}
	info.Fields = fields
	e := &entry{info: info, typ: reflect.TypeOf(spec), fields: map[string]*Field{},
		// A New that presets fields would show through omitted ones.
		plain: plainType(reflect.TypeOf(spec)) && reflect.ValueOf(spec).Elem().IsZero()}
	for i := range e.info.Fields {
		e.fields[e.info.Fields[i].Name] = &e.info.Fields[i]
	}
	r.kinds[info.Kind] = e
	for _, p := range paths {
		r.paths[p] = info.Kind
	}
	return nil
}

// checkCounterparts verifies a global/local pair whichever half is
// registered second.
func (r *Registry) checkCounterparts(info *KindInfo) error {
	if info.Local != "" {
		if l, ok := r.kinds[info.Local]; ok && (!l.info.Located || l.info.Parent != info.Kind) {
			return fmt.Errorf("kind %s: local kind %s must be Located with Parent %s", info.Kind, info.Local, info.Kind)
		}
	}
	if info.Located {
		if g, ok := r.kinds[info.Parent]; ok && g.info.Local != info.Kind {
			return fmt.Errorf("kind %s: parent %s names %q as its local kind", info.Kind, info.Parent, g.info.Local)
		}
	}
	return nil
}

func (r *Registry) entry(k Kind) (*entry, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.kinds[k]
	return e, ok
}

// Has reports whether k is registered; cheaper than Info, which copies.
func (r *Registry) Has(k Kind) bool {
	_, ok := r.entry(k)
	return ok
}

// Local is the kind's per-location counterpart (KindInfo.Local; "" for a
// kind without one, or not registered), without Info's copy.
func (r *Registry) Local(k Kind) Kind {
	if e, ok := r.entry(k); ok {
		return e.info.Local
	}
	return ""
}

// Info returns a copy of the kind's description.
func (r *Registry) Info(k Kind) (KindInfo, bool) {
	e, ok := r.entry(k)
	if !ok {
		return KindInfo{}, false
	}
	return e.info.clone(), true
}

// Kinds returns every registered kind, sorted.
func (r *Registry) Kinds() []Kind {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Kind, 0, len(r.kinds))
	for k := range r.kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// KindForPath returns the kind served at a collection path (the Path or one
// of its PathAliases).
func (r *Registry) KindForPath(path string) (Kind, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.paths[path]
	return k, ok
}

// IndexedFields returns every indexed field of every registered kind, for
// stores to build their indexes.
func (r *Registry) IndexedFields() map[Kind][]Field {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := map[Kind][]Field{}
	for k, e := range r.kinds {
		for _, f := range e.info.Fields {
			if f.Indexed {
				out[k] = append(out[k], f)
			}
		}
	}
	return out
}

// Field returns the description of one spec field of a kind.
func (r *Registry) Field(k Kind, name string) (Field, bool) {
	e, ok := r.entry(k)
	if !ok {
		return Field{}, false
	}
	f, ok := e.fields[name]
	if !ok {
		return Field{}, false
	}
	return *f, true
}

func unknownKind(k Kind) error {
	return &Error{Code: Invalid, Field: "kind", Err: fmt.Errorf("kind: unknown kind %q", k)}
}

// NewSpec returns a new zero spec of the kind. The error is Invalid for an
// unregistered kind.
func (r *Registry) NewSpec(k Kind) (Spec, error) {
	e, ok := r.entry(k)
	if !ok {
		return nil, unknownKind(k)
	}
	return e.info.New(), nil
}

// DecodeOptions control DecodeSpec.
type DecodeOptions struct {
	// Strict refuses unknown fields and trailing data, as request bodies
	// must; stored data is decoded leniently so that old rows survive a
	// field's removal.
	Strict bool
}

// DecodeSpec decodes the JSON of a kind's spec. Errors are Invalid and name
// the offending field where JSON says which.
func (r *Registry) DecodeSpec(k Kind, data []byte, opts *DecodeOptions) (Spec, error) {
	e, ok := r.entry(k)
	if !ok {
		return nil, unknownKind(k)
	}
	spec := e.info.New()
	if err := decodeJSON(data, spec, opts != nil && opts.Strict); err != nil {
		return nil, err
	}
	return spec, nil
}

// decodeJSON decodes data into v and classifies failures as Invalid.
func decodeJSON(data []byte, v any, strict bool) error {
	if !strict {
		// Mostly the store's own JSON, read back: json.Unmarshal needs no
		// decoder buffer. The decoder below reads what it refuses (data
		// after the value, which lenient decoding ignores).
		if err := json.Unmarshal(data, v); err == nil {
			return nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil && strict {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("unexpected data after the JSON value")
		}
	}
	return classifyJSONError(err)
}

func classifyJSONError(err error) error {
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return InvalidField(typeErr.Field, "expected %s, got JSON %s", goTypeWord(typeErr.Type), typeErr.Value)
	case errors.As(err, &typeErr):
		return Errorf(Invalid, "expected a JSON object, got %s", typeErr.Value)
	case errors.As(err, &syntaxErr):
		return Errorf(Invalid, "malformed JSON at byte %d: %v", syntaxErr.Offset, err)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(Invalid, "empty or truncated JSON")
	}
	// encoding/json reports unknown fields only as text.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return InvalidField(strings.Trim(name, `"`), "unknown field")
	}
	return Errorf(Invalid, "invalid JSON: %v", err)
}

func goTypeWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return fieldType(t).String()
}

// Encoded is a resource's normalized, serialized form: what a store persists.
type Encoded struct {
	// Spec is the canonical JSON of the spec with defaults applied.
	Spec []byte
	// Status is the canonical JSON of the status, Phase defaulted to Pending.
	Status []byte
	// Refs lists, sorted and without duplicates, every resource that must
	// exist for this one to be stored: the spec's dependencies, the owner
	// and the location.
	Refs []Ref

	// SpecValue and StatusValue, when not nil, are exactly what Spec and
	// Status decode to (DecodeSpec and json.Unmarshal), fresh values
	// sharing nothing with the resource encoded: a store returns them
	// after a write instead of decoding what it just encoded. They are
	// nil where building them without decoding would not be exact.
	SpecValue   Spec
	StatusValue *Status
}

// MaxLabels bounds the labels of one resource.
const MaxLabels = 64

var labelKey = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$`)

// Encode validates res completely (metadata, labels, spec, status), applies
// the spec's defaults and returns its serialized form. It never modifies res.
// Errors are Invalid and name the field. Referential integrity (do the refs
// exist?) is the store's to check.
func (r *Registry) Encode(res *Resource) (*Encoded, error) {
	e, ok := r.entry(res.Kind)
	if !ok {
		return nil, unknownKind(res.Kind)
	}
	info := &e.info
	var p problems
	if err := CheckID(res.ID); err != nil {
		p.add("id", "%v", err)
	}
	p.text("name", res.Name, MaxIDLen)
	switch {
	case res.Tenant != "":
		if err := CheckID(res.Tenant); err != nil {
			p.add("tenant_id", "%v", err)
		}
	case info.Scope == ScopeTenant:
		p.add("tenant_id", "required for %s", res.Kind)
	}
	switch {
	case info.Located:
		p.ref("location_id", res.Location, true)
	case res.Location != "":
		p.add("location_id", "%s is not a per-location kind", res.Kind)
	}
	switch {
	case info.Parent == "" && res.Owner != nil:
		p.add("owner", "%s has no parent kind", res.Kind)
	case info.Parent != "" && res.Owner == nil:
		p.add(info.ParentField, "required")
	case info.Parent != "" && res.Owner.Kind != info.Parent:
		p.add(info.ParentField, "owner must be a %s, not a %s", info.Parent, res.Owner.Kind)
	case info.Parent != "":
		p.ref(info.ParentField, res.Owner.ID, true)
	}
	if len(res.Labels) > MaxLabels {
		p.add("labels", "more than %d labels", MaxLabels)
	}
	for k, v := range res.Labels {
		if !labelKey.MatchString(k) {
			p.add("labels", "key %q must be 1 to 63 characters from [A-Za-z0-9._/-], starting and ending with a letter or digit", k)
		}
		p.text("labels."+k, v, MaxIDLen)
	}
	if pl := res.Placement; pl != nil {
		switch {
		case info.Local == "" && !info.Composite:
			p.add("placement", "%s resources are not placed at locations", res.Kind)
		case len(pl.Locations) == 0 && len(pl.Selector) == 0:
			p.add("placement", "give locations, a selector or both (omit placement for every location)")
		case len(pl.Locations) > MaxLabels || len(pl.Selector) > MaxLabels:
			p.add("placement", "more than %d locations or selector labels", MaxLabels)
		}
		for _, id := range pl.Locations {
			if err := CheckID(id); err != nil {
				p.add("placement.locations", "%v", err)
			}
		}
		for k, v := range pl.Selector {
			if !labelKey.MatchString(k) {
				p.add("placement.selector", "key %q is not a valid label key", k)
			}
			p.text("placement.selector."+k, v, MaxIDLen)
		}
	}
	if res.Status.Phase != "" && !res.Status.Phase.Valid() {
		p.add("status.phase", "%q is not a phase", res.Status.Phase)
	}
	if err := p.err(); err != nil {
		return nil, err
	}

	spec, specJSON, exact, err := r.normalize(e, res.Spec)
	if err != nil {
		return nil, err
	}
	if err := spec.Validate(); err != nil {
		if CodeOf(err) != Invalid {
			err = Wrap(Invalid, err)
		}
		return nil, err
	}

	statusJSON, statusValue, err := EncodeStatus(res.Status)
	if err != nil {
		return nil, err
	}

	refs := spec.Dependencies()
	for _, d := range refs {
		if _, ok := r.entry(d.Kind); !ok {
			return nil, Errorf(Invalid, "%s depends on unknown kind %q", res.Kind, d.Kind)
		}
		if err := CheckID(d.ID); err != nil {
			return nil, Errorf(Invalid, "reference to %s: %v", d.Kind, err)
		}
	}
	if res.Owner != nil {
		refs = append(refs, *res.Owner)
	}
	if info.Located {
		refs = append(refs, Ref{KindLocation, res.Location})
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Kind != refs[j].Kind {
			return refs[i].Kind < refs[j].Kind
		}
		return refs[i].ID < refs[j].ID
	})
	refs = slices.Compact(refs)
	out := &Encoded{Spec: specJSON, Status: statusJSON, Refs: refs}
	if exact {
		out.SpecValue = spec
	}
	out.StatusValue = statusValue
	return out, nil
}

// EncodeStatus returns a status's canonical JSON, Phase defaulted to
// Pending, and when it can be built without decoding, exactly what that
// JSON decodes to (else nil; see Encoded.StatusValue). The error is
// Invalid for an unknown phase or an output that is not representable as
// JSON.
func EncodeStatus(st Status) ([]byte, *Status, error) {
	if st.Phase == "" {
		st.Phase = PhasePending
	}
	if !st.Phase.Valid() {
		return nil, nil, InvalidField("status.phase", "%q is not a phase", st.Phase)
	}
	st.CreatePendingSince = st.CreatePendingSince.UTC()
	raw, ok := appendStatus(make([]byte, 0, statusSize(&st)), &st)
	if !ok {
		var err error
		if raw, err = json.Marshal(st); err != nil {
			return nil, nil, InvalidField("status.output", "not representable as JSON: %v", err)
		}
	}
	if v, ok := decodedStatus(st); ok {
		return raw, &v, nil
	}
	return raw, nil, nil
}

// normalize copies spec through JSON into a fresh value of the kind's type and
// applies its defaults, returning the copy and its canonical JSON. exact
// says the copy is what the JSON decodes to: so it is unless defaults
// changed it after decoding.
func (r *Registry) normalize(e *entry, spec Spec) (_ Spec, _ []byte, exact bool, _ error) {
	if spec == nil || reflect.ValueOf(spec).IsNil() {
		return nil, nil, false, InvalidField("spec", "required")
	}
	if t := reflect.TypeOf(spec); t != e.typ {
		return nil, nil, false, InvalidField("spec", "a %s spec must be a %v, not a %v", e.info.Kind, e.typ, t)
	}
	var out Spec
	if e.plain {
		out = plainCopy(spec) // nil: a string that is not UTF-8
	}
	if out == nil {
		raw, err := json.Marshal(spec)
		if err != nil {
			return nil, nil, false, InvalidField("spec", "not representable as JSON: %v", err)
		}
		out = e.info.New()
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, nil, false, InvalidField("spec", "does not survive a JSON round trip: %v", err)
		}
		if _, ok := out.(Defaulter); !ok {
			return out, raw, true, nil
		}
	}
	d, defaulted := out.(Defaulter)
	if defaulted {
		d.Default()
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, nil, false, InvalidField("spec", "not representable as JSON: %v", err)
	}
	return out, raw, !defaulted, nil
}

// UpdateValidator is implemented by specs whose allowed changes depend on
// the stored value, beyond what field mutability says (a volume may grow,
// never shrink). CheckUpdate calls it with both specs defaulted; its error
// should be Invalid and name the field.
type UpdateValidator interface {
	ValidateUpdate(old Spec) error
}

// CheckUpdate compares a stored spec with a requested one (defaults applied
// to both). It returns Invalid naming every immutable field that changed, or
// the new spec's UpdateValidator refusal, and otherwise the Replace fields
// that changed (the reconciler must recreate the VIM object for those).
func (r *Registry) CheckUpdate(k Kind, old, new Spec) (replace []string, err error) {
	e, ok := r.entry(k)
	if !ok {
		return nil, unknownKind(k)
	}
	oldSpec, oldJSON, _, err := r.normalize(e, old)
	if err != nil {
		return nil, err
	}
	newSpec, newJSON, _, err := r.normalize(e, new)
	if err != nil {
		return nil, err
	}
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal(oldJSON, &a); err != nil {
		return nil, Wrap(Invalid, err)
	}
	if err := json.Unmarshal(newJSON, &b); err != nil {
		return nil, Wrap(Invalid, err)
	}
	var p problems
	for _, f := range e.info.Fields {
		if bytes.Equal(a[f.Name], b[f.Name]) {
			continue
		}
		switch f.Mutability {
		case Immutable:
			p.add(f.Name, "cannot be changed after creation; create a new %s instead", k)
		case Replace:
			replace = append(replace, f.Name)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if uv, ok := newSpec.(UpdateValidator); ok {
		if err := uv.ValidateUpdate(oldSpec); err != nil {
			if CodeOf(err) != Invalid {
				err = Wrap(Invalid, err)
			}
			return nil, err
		}
	}
	return replace, nil
}

// RefField returns the wire name of the field through which res refers to
// ref ("network_id", "location_id", the parent field), or "" if no top-level
// field holds it. It is used to point error messages at the right field.
func (r *Registry) RefField(res *Resource, ref Ref) string {
	e, ok := r.entry(res.Kind)
	if !ok {
		return ""
	}
	if res.Owner != nil && *res.Owner == ref {
		return e.info.ParentField
	}
	if e.info.Located && ref == (Ref{KindLocation, res.Location}) {
		return "location_id"
	}
	if res.Spec == nil || reflect.TypeOf(res.Spec) != e.typ || reflect.ValueOf(res.Spec).IsNil() {
		return ""
	}
	v := reflect.ValueOf(res.Spec)
	for i := range e.info.Fields {
		f := &e.info.Fields[i]
		if f.Ref == ref.Kind && f.stringAt(v) == ref.ID {
			return f.Name
		}
	}
	return ""
}
