// Package memstore is an in-memory store.Store: fast, dependency-free and
// gone when the process ends. Embedders' unit tests and the demo's
// "-db memory" mode use it. It passes the same conformance suite
// (store/storetest) as the SQLite store.
//
// Reads share one lock; write transactions are run one after another by
// a combiner that holds it exclusively for a batch of them (combine.go).
package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/orca-nfv/orca/internal/jsontop"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
)

// Options configure the store; nil means defaults.
type Options struct {
	// Registry knows the kinds; nil means resource.NewBuiltinRegistry().
	Registry *resource.Registry
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
}

// New returns an empty in-memory store.
func New(opts *Options) store.Store {
	var eo engine.Options
	if opts != nil {
		eo = engine.Options{Registry: opts.Registry, Now: opts.Now}
	}
	if eo.Registry == nil {
		eo.Registry = resource.NewBuiltinRegistry()
	}
	b := newBackend()
	b.reg = eo.Registry
	return engine.New(b, &eo)
}

// memRow is a stored row with its keys in the field index and, once a
// query filters or sorts on a spec field, its spec's top-level values.
type memRow struct {
	*engine.Row
	keys []string // in byField

	// Decoded on first use: most rows (events, copies) are never
	// filtered by a spec field, and decoding at every write was a tenth
	// of the reconciler's CPU.
	fieldsOnce sync.Once
	fields     map[string]any
}

// field returns the top-level value f of the row's spec (numbers as
// json.Number), or nil.
func (r *memRow) field(f string) any {
	r.fieldsOnce.Do(func() {
		// Put checked that the spec is a JSON object.
		dec := json.NewDecoder(bytes.NewReader(r.Spec))
		dec.UseNumber()
		_ = dec.Decode(&r.fields)
	})
	return r.fields[f]
}

type backend struct {
	// mu is held shared by reads and exclusively by the write combiner.
	mu     sync.RWMutex
	writes combiner
	closed bool
	rev    int64
	rows   map[string]*memRow
	byKind map[resource.Kind]map[string]*memRow
	// Secondary indexes, so List by owner, location or a field value
	// does not scan a whole kind.
	byOwner    map[string]map[string]*memRow
	byLocation map[string]map[string]*memRow
	// byField indexes the fields the registry marks indexed (as the SQLite
	// store does): an index entry per field and row would cost more
	// memory than the rows, and other field filters scan their kind.
	byField map[string]map[string]*memRow // fieldKey → rows
	reg     *resource.Registry
	indexed sync.Map // resource.Kind → map[string]bool, from reg
	// refsOut[from] lists what from refers to; refsIn[to] maps the IDs
	// referring to to, to how they do.
	refsOut map[string][]engine.Link
	refsIn  map[string]map[string]engine.Via
}

func newBackend() *backend {
	b := &backend{
		rows:       map[string]*memRow{},
		byKind:     map[resource.Kind]map[string]*memRow{},
		byOwner:    map[string]map[string]*memRow{},
		byLocation: map[string]map[string]*memRow{},
		byField:    map[string]map[string]*memRow{},
		refsOut:    map[string][]engine.Link{},
		refsIn:     map[string]map[string]engine.Via{},
	}
	b.writes.backend = b
	return b
}

func (b *backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.rows, b.byKind, b.refsOut, b.refsIn = nil, nil, nil, nil
	return nil
}

func (b *backend) Txn(ctx context.Context, write bool, fn func(engine.RowTx) error) error {
	if write {
		return b.writes.run(ctx, fn)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return store.ErrClosed
	}
	return fn(&rowTx{b: b, startRev: b.rev})
}

// write runs one write transaction; the caller holds mu exclusively. It
// rolls back on an error or a panic, and returns the panic's value rather
// than continuing it: the combiner running it is not its caller's goroutine.
func (b *backend) write(fn func(engine.RowTx) error) (panicked bool, value any, err error) {
	if b.closed {
		return false, nil, store.ErrClosed
	}
	t := &rowTx{b: b, startRev: b.rev}
	panicked = true
	defer func() {
		if panicked {
			value = recover()
		}
		if err != nil || panicked {
			t.rollback()
		}
	}()
	err = fn(t)
	panicked = false
	return false, nil, err
}

// rowTx records an undo entry for every change, newest last.
type rowTx struct {
	b        *backend
	startRev int64
	undo     []func()
}

func (t *rowTx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.b.rev = t.startRev
}

func (t *rowTx) Get(ctx context.Context, id string) (*engine.Row, error) {
	if r, ok := t.b.rows[id]; ok {
		return r.Row, nil
	}
	return nil, nil
}

func (t *rowTx) NextRevision(ctx context.Context) (int64, error) {
	t.b.rev++
	return t.b.rev, nil
}

func (t *rowTx) Put(ctx context.Context, row *engine.Row) error {
	prev, had := t.b.rows[row.ID]
	var keys []string
	if had && prev.Kind == row.Kind && bytes.Equal(prev.Spec, row.Spec) {
		keys = prev.keys // a status write: the same spec, the same keys
	} else {
		var err error
		if keys, err = t.b.indexKeys(row); err != nil {
			return resource.Errorf(resource.Unknown, "memstore: spec of %s: %v", row.Ref(), err)
		}
	}
	t.undo = append(t.undo, func() {
		if had {
			t.b.setRow(prev)
		} else {
			t.b.removeRow(row.ID)
		}
	})
	t.b.setRow(&memRow{Row: row, keys: keys})
	return nil
}

// PutStatus stores a status-only change (engine.StatusPutter): the row's
// kind, owner, location and spec are unchanged, so each index entry is
// pointed at the new row in place rather than removed and added again.
func (t *rowTx) PutStatus(ctx context.Context, row *engine.Row) error {
	prev, had := t.b.rows[row.ID]
	if !had || prev.Kind != row.Kind {
		return t.Put(ctx, row)
	}
	t.undo = append(t.undo, func() { t.b.repoint(prev) })
	t.b.repoint(&memRow{Row: row, keys: prev.keys})
	return nil
}

// repoint replaces the row with r's ID by r in the rows and every index,
// which must hold it under the same keys.
func (b *backend) repoint(r *memRow) {
	b.rows[r.ID] = r
	b.byKind[r.Kind][r.ID] = r
	if r.Owner != nil {
		b.byOwner[r.Owner.ID][r.ID] = r
	}
	if r.Location != "" {
		b.byLocation[r.Location][r.ID] = r
	}
	for _, key := range r.keys {
		b.byField[key][r.ID] = r
	}
}

// indexKeys returns the field-index keys of row's indexed scalar fields,
// and an error when its spec is not a JSON object. Kinds without indexed
// fields are only checked for the object.
func (b *backend) indexKeys(row *engine.Row) ([]string, error) {
	if !b.hasIndexed(row.Kind) {
		if spec := bytes.TrimSpace(row.Spec); len(spec) == 0 || spec[0] != '{' || !json.Valid(spec) {
			return nil, errNotObject
		}
		return nil, nil
	}
	var keys []string
	add := func(f string, v []byte) {
		if len(v) == 0 || v[0] == '{' || v[0] == '[' || string(v) == "null" {
			return // never an equality match
		}
		if b.isIndexed(row.Kind, f) {
			keys = append(keys, fieldKey(row.Kind, f, v))
		}
	}
	if json.Valid(row.Spec) && jsontop.Members(row.Spec, add) {
		return keys, nil
	}
	keys = nil
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(row.Spec, &raw); err != nil {
		return nil, err
	}
	for f, v := range raw {
		add(f, v)
	}
	return keys, nil
}

var errNotObject = errors.New("not a JSON object")

// isIndexed reports whether a kind's field is in the field index; the
// registry's answer is kept per kind. Safe for concurrent use.
func (b *backend) isIndexed(k resource.Kind, field string) bool {
	if b.reg == nil {
		return true
	}
	return b.indexedSet(k)[field]
}

// hasIndexed reports whether any field of the kind is indexed.
func (b *backend) hasIndexed(k resource.Kind) bool {
	return b.reg == nil || len(b.indexedSet(k)) > 0
}

func (b *backend) indexedSet(k resource.Kind) map[string]bool {
	if set, ok := b.indexed.Load(k); ok {
		return set.(map[string]bool)
	}
	set := map[string]bool{}
	for _, f := range b.reg.IndexedFields()[k] {
		set[f.Name] = true
	}
	b.indexed.Store(k, set)
	return set
}

func (t *rowTx) SetRefs(ctx context.Context, from string, to []engine.Link) error {
	prev := t.b.refsOut[from]
	t.undo = append(t.undo, func() { t.b.setRefs(from, prev) })
	t.b.setRefs(from, slices.Clone(to))
	return nil
}

func (t *rowTx) Delete(ctx context.Context, id string) error {
	prev, had := t.b.rows[id]
	if !had {
		return nil
	}
	prevRefs := t.b.refsOut[id]
	t.undo = append(t.undo, func() {
		t.b.setRow(prev)
		t.b.setRefs(id, prevRefs)
	})
	t.b.setRefs(id, nil)
	t.b.removeRow(id)
	return nil
}

func (t *rowTx) Referrers(ctx context.Context, id string, limit int, via ...engine.Via) ([]resource.Ref, error) {
	var out []resource.Ref
	for from, how := range t.b.refsIn[id] {
		if len(via) > 0 && !slices.Contains(via, how) {
			continue
		}
		if r, ok := t.b.rows[from]; ok {
			out = append(out, r.Ref())
		}
	}
	slices.SortFunc(out, compareRefs)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func compareRefs(a, b resource.Ref) int {
	if c := compareStrings(string(a.Kind), string(b.Kind)); c != 0 {
		return c
	}
	return compareStrings(a.ID, b.ID)
}

func (b *backend) setRow(r *memRow) {
	b.removeRow(r.ID)
	b.rows[r.ID] = r
	index(b.byKind, r.Kind, r)
	if r.Owner != nil {
		index(b.byOwner, r.Owner.ID, r)
	}
	if r.Location != "" {
		index(b.byLocation, r.Location, r)
	}
	for _, key := range r.keys {
		index(b.byField, key, r)
	}
}

func (b *backend) removeRow(id string) {
	old, ok := b.rows[id]
	if !ok {
		return
	}
	delete(b.rows, id)
	unindex(b.byKind, old.Kind, id)
	if old.Owner != nil {
		unindex(b.byOwner, old.Owner.ID, id)
	}
	if old.Location != "" {
		unindex(b.byLocation, old.Location, id)
	}
	for _, key := range old.keys {
		unindex(b.byField, key, id)
	}
}

func index[K comparable](m map[K]map[string]*memRow, k K, r *memRow) {
	set := m[k]
	if set == nil {
		set = map[string]*memRow{}
		m[k] = set
	}
	set[r.ID] = r
}

func unindex[K comparable](m map[K]map[string]*memRow, k K, id string) {
	if set := m[k]; set != nil {
		delete(set, id)
		if len(set) == 0 {
			delete(m, k)
		}
	}
}

// fieldKey names one value of one field of one kind. Values are canonical
// JSON: a filter's value marshals to the same bytes as the stored one.
func fieldKey(k resource.Kind, field string, v json.RawMessage) string {
	return string(k) + "\x00" + field + "\x00" + string(v)
}

func (b *backend) setRefs(from string, to []engine.Link) {
	for _, l := range b.refsOut[from] {
		delete(b.refsIn[l.To.ID], from)
		if len(b.refsIn[l.To.ID]) == 0 {
			delete(b.refsIn, l.To.ID)
		}
	}
	if len(to) == 0 {
		delete(b.refsOut, from)
		return
	}
	b.refsOut[from] = to
	for _, l := range to {
		in := b.refsIn[l.To.ID]
		if in == nil {
			in = map[string]engine.Via{}
			b.refsIn[l.To.ID] = in
		}
		in[from] = l.Via
	}
}
