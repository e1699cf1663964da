package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Options configure a Store. A nil *Options means all defaults.
type Options struct {
	// Registry knows the kinds; nil means resource.NewBuiltinRegistry().
	Registry *resource.Registry
	// Now is the clock for CreatedAt and UpdatedAt; nil means time.Now.
	Now func() time.Time
}

// Store implements store.Store over a Backend.
type Store struct {
	b      Backend
	reg    *resource.Registry
	now    func() time.Time
	closed atomic.Bool
	writes atomic.Int64
}

// Writes is how many write transactions the store committed, for
// benchmarks that count store writes per unit of work.
func (s *Store) Writes() int64 { return s.writes.Load() }

var _ store.Store = (*Store)(nil)

// New returns a Store keeping its rows in b. The Store owns b: closing the
// Store closes b.
func New(b Backend, opts *Options) *Store {
	s := &Store{b: b, reg: resource.NewBuiltinRegistry(), now: time.Now}
	if opts != nil {
		if opts.Registry != nil {
			s.reg = opts.Registry
		}
		if opts.Now != nil {
			s.now = opts.Now
		}
	}
	return s
}

// Registry returns the registry the store validates against.
func (s *Store) Registry() *resource.Registry { return s.reg }

// Close closes the backend once.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.b.Close()
}

func (s *Store) usable(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

func (s *Store) run(ctx context.Context, write bool, fn func(RowTx) error) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	err := s.b.Txn(ctx, write, fn)
	if write && err == nil {
		s.writes.Add(1)
	}
	return err
}

// Get and List decode the rows they read after their transaction: rows
// are read-only and outlive it, and decoding while a read transaction is
// open keeps writers waiting (the in-memory store's lock).
func (s *Store) Get(ctx context.Context, ref resource.Ref) (*resource.Resource, error) {
	row, err := s.getRow(ctx, ref)
	if err != nil {
		return nil, err
	}
	return s.decode(row)
}

// GetSpec is Get without decoding the status (store.SpecGetter).
func (s *Store) GetSpec(ctx context.Context, ref resource.Ref) (*resource.Resource, error) {
	row, err := s.getRow(ctx, ref)
	if err != nil {
		return nil, err
	}
	spec, err := s.decodeSpec(row)
	if err != nil {
		return nil, err
	}
	return s.fromRow(row, spec, resource.Status{}), nil
}

// getRow reads the row of ref; NotFound when absent or of another kind.
func (s *Store) getRow(ctx context.Context, ref resource.Ref) (*Row, error) {
	var row *Row
	var err error
	if g, ok := s.b.(RowGetter); ok {
		if err = s.usable(ctx); err != nil {
			return nil, err
		}
		if row, err = g.GetRow(ctx, ref.ID); err == nil && (row == nil || row.Kind != ref.Kind) {
			err = notFound(ref)
		}
	} else {
		err = s.run(ctx, false, func(rtx RowTx) (err error) {
			row, err = s.current(ctx, rtx, ref)
			return err
		})
	}
	return row, err
}

func (s *Store) List(ctx context.Context, f store.Filter) (*store.Page, error) {
	q, err := Compile(s.reg, f)
	if err != nil {
		return nil, err
	}
	if g, ok := s.b.(RowGetter); ok && q.byIDOnly() {
		return s.listByID(ctx, g, q)
	}
	if l, ok := s.b.(RowLister); ok && q.Limit == 0 {
		// Unlimited: its one SELECT finds every match and so the total
		// (a limited list's page is often full, and then counted).
		if page, err := s.listOutside(ctx, l, q); page != nil || err != nil {
			return page, err
		}
	}
	var rows []*Row
	var page *store.Page
	err = s.run(ctx, false, func(rtx RowTx) (err error) {
		page, rows, err = s.listRows(ctx, rtx, q)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.decodePage(page, rows)
}

// errInSnapshot is listOutside's signal that a row must be read in a
// transaction.
var errInSnapshot = errors.New("engine: to be read in one snapshot")

// listOutside lists with l outside a transaction, when one statement
// answers q: the BEGIN and COMMIT around a read were a quarter of its cost
// (SQLite). It returns nil, nil when a transaction is needed: a full
// page's count, or a keys-only page with rows the caller does not hold.
func (s *Store) listOutside(ctx context.Context, l RowLister, q *Query) (*store.Page, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	rows, total, complete, err := l.ListRows(ctx, q)
	if err != nil || !complete {
		return nil, err
	}
	page := &store.Page{Total: total}
	var full func(resource.Ref) (*Row, error)
	if q.KeysOnly {
		// A row the caller does not hold is to be read in full, in one
		// snapshot with its key: in a transaction.
		full = func(resource.Ref) (*Row, error) { return nil, errInSnapshot }
	}
	if err := s.withKeys(page, rows, q, full); err != nil {
		if errors.Is(err, errInSnapshot) {
			return nil, nil
		}
		return nil, err
	}
	return s.decodePage(page, rows)
}

func (s *Store) Referrers(ctx context.Context, ref resource.Ref) (out []resource.Ref, err error) {
	err = s.run(ctx, false, func(rtx RowTx) error {
		out, err = s.referrers(ctx, rtx, ref)
		return err
	})
	return out, err
}

func (s *Store) Create(ctx context.Context, r *resource.Resource) (out *resource.Resource, err error) {
	p, err := s.prepare(r, true)
	if err != nil {
		return nil, err
	}
	err = s.run(ctx, true, func(rtx RowTx) error {
		out, err = s.create(ctx, rtx, p)
		return err
	})
	return out, err
}

func (s *Store) Update(ctx context.Context, r *resource.Resource) (out *resource.Resource, err error) {
	p, err := s.prepare(r, false)
	if err != nil {
		return nil, err
	}
	err = s.run(ctx, true, func(rtx RowTx) error {
		out, err = s.update(ctx, rtx, p)
		return err
	})
	return out, err
}

func (s *Store) UpdateStatus(ctx context.Context, r *resource.Resource) (out *resource.Resource, err error) {
	if r == nil {
		return nil, resource.Errorf(resource.Invalid, "store: nil resource")
	}
	raw, value, err := resource.EncodeStatus(r.Status)
	if err != nil {
		return nil, err
	}
	err = s.run(ctx, true, func(rtx RowTx) error {
		out, err = s.updateStatus(ctx, rtx, r, raw, value)
		return err
	})
	return out, err
}

func (s *Store) Delete(ctx context.Context, ref resource.Ref, revision int64) error {
	return s.run(ctx, true, func(rtx RowTx) error {
		return s.delete(ctx, rtx, ref, revision)
	})
}

func (s *Store) Txn(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	return s.run(ctx, true, func(rtx RowTx) error {
		t := &tx{s: s, rtx: rtx}
		defer t.done.Store(true)
		return fn(ctx, t)
	})
}

// tx is the store.Tx handed to Txn's fn.
type tx struct {
	s    *Store
	rtx  RowTx
	done atomic.Bool
}

func (t *tx) usable(ctx context.Context) error {
	if t.done.Load() {
		return resource.Errorf(resource.Invalid, "store: transaction already finished")
	}
	return t.s.usable(ctx)
}

func (t *tx) Get(ctx context.Context, ref resource.Ref) (*resource.Resource, error) {
	if err := t.usable(ctx); err != nil {
		return nil, err
	}
	return t.s.get(ctx, t.rtx, ref)
}

func (t *tx) List(ctx context.Context, f store.Filter) (*store.Page, error) {
	if err := t.usable(ctx); err != nil {
		return nil, err
	}
	q, err := Compile(t.s.reg, f)
	if err != nil {
		return nil, err
	}
	return t.s.list(ctx, t.rtx, q)
}

func (t *tx) Referrers(ctx context.Context, ref resource.Ref) ([]resource.Ref, error) {
	if err := t.usable(ctx); err != nil {
		return nil, err
	}
	return t.s.referrers(ctx, t.rtx, ref)
}

func (t *tx) Create(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	if err := t.usable(ctx); err != nil {
		return nil, err
	}
	p, err := t.s.prepare(r, true)
	if err != nil {
		return nil, err
	}
	return t.s.create(ctx, t.rtx, p)
}

func (t *tx) Update(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	if err := t.usable(ctx); err != nil {
		return nil, err
	}
	p, err := t.s.prepare(r, false)
	if err != nil {
		return nil, err
	}
	return t.s.update(ctx, t.rtx, p)
}

func (t *tx) UpdateStatus(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	if err := t.usable(ctx); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, resource.Errorf(resource.Invalid, "store: nil resource")
	}
	raw, value, err := resource.EncodeStatus(r.Status)
	if err != nil {
		return nil, err
	}
	return t.s.updateStatus(ctx, t.rtx, r, raw, value)
}

func (t *tx) Delete(ctx context.Context, ref resource.Ref, revision int64) error {
	if err := t.usable(ctx); err != nil {
		return err
	}
	return t.s.delete(ctx, t.rtx, ref, revision)
}

// prepared is a validated write: the caller's resource copied (ID filled in),
// encoded, and its references with how it holds them.
type prepared struct {
	res   resource.Resource
	enc   *resource.Encoded
	links []Link
}

func (s *Store) prepare(r *resource.Resource, create bool) (*prepared, error) {
	if r == nil {
		return nil, resource.Errorf(resource.Invalid, "store: nil resource")
	}
	p := &prepared{res: *r}
	if create {
		if p.res.ID == "" {
			p.res.ID = resource.NewID()
		}
		if p.res.Deleting {
			return nil, resource.InvalidField("deleting", "a new resource cannot be marked deleting")
		}
	}
	enc, err := s.reg.Encode(&p.res)
	if err != nil {
		return nil, err
	}
	p.enc = enc
	for _, ref := range enc.Refs {
		via := ViaSpec
		switch {
		case p.res.Owner != nil && ref == *p.res.Owner:
			via = ViaOwner
		case ref == (resource.Ref{Kind: resource.KindLocation, ID: p.res.Location}):
			via = ViaLocation
		}
		p.links = append(p.links, Link{To: ref, Via: via})
	}
	return p, nil
}

func (s *Store) get(ctx context.Context, rtx RowTx, ref resource.Ref) (*resource.Resource, error) {
	row, err := s.current(ctx, rtx, ref)
	if err != nil {
		return nil, err
	}
	return s.decode(row)
}

// current returns the stored row of ref, or NotFound.
func (s *Store) current(ctx context.Context, rtx RowTx, ref resource.Ref) (*Row, error) {
	row, err := rtx.Get(ctx, ref.ID)
	if err != nil {
		return nil, err
	}
	if row == nil || row.Kind != ref.Kind {
		return nil, notFound(ref)
	}
	return row, nil
}

func notFound(ref resource.Ref) error {
	return resource.Errorf(resource.NotFound, "%s %q not found", ref.Kind, ref.ID)
}

func (s *Store) list(ctx context.Context, rtx RowTx, q *Query) (*store.Page, error) {
	page, rows, err := s.listRows(ctx, rtx, q)
	if err != nil {
		return nil, err
	}
	return s.decodePage(page, rows)
}

// listByID answers a list of at most one row, by ID and kind alone, with
// one read outside a transaction, as Get does: the surfaces' memos ask
// this (Filter{ID, Known}) to learn whether a record changed.
func (s *Store) listByID(ctx context.Context, g RowGetter, q *Query) (*store.Page, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	if kg, ok := g.(KeyGetter); ok && q.known != nil && q.Offset == 0 {
		key, err := kg.GetKey(ctx, q.ID)
		if err != nil {
			return nil, err
		}
		if key == nil || (q.Kind != "" && key.Kind != q.Kind) {
			return &store.Page{Items: []*resource.Resource{}, Keys: []store.Key{}}, nil
		}
		if k := (store.Key{Ref: key.Ref(), Revision: key.Revision}); q.known(k.Ref, k.Revision) {
			return &store.Page{Total: 1, Items: []*resource.Resource{nil}, Keys: []store.Key{k}}, nil
		}
		// Not held: read in full below.
	}
	row, err := g.GetRow(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	var rows []*Row
	if row != nil && (q.Kind == "" || row.Kind == q.Kind) {
		rows = []*Row{row}
	}
	page := &store.Page{Total: len(rows)}
	if q.Offset > 0 {
		rows = nil // past the offset; any limit keeps one row
	}
	if err := s.withKeys(page, rows, q, nil); err != nil {
		return nil, err
	}
	return s.decodePage(page, rows)
}

// listRows reads a page's rows: rows[i] is nil where q.known knows item i
// (its Items entry stays nil).
func (s *Store) listRows(ctx context.Context, rtx RowTx, q *Query) (*store.Page, []*Row, error) {
	rows, total, err := rtx.List(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	page := &store.Page{Total: total}
	var full func(resource.Ref) (*Row, error)
	if q.KeysOnly {
		// The same snapshot: the row is at the revision its key says.
		full = func(ref resource.Ref) (*Row, error) { return s.current(ctx, rtx, ref) }
	}
	if err := s.withKeys(page, rows, q, full); err != nil {
		return nil, nil, err
	}
	return page, rows, nil
}

// withKeys fills page.Keys when q has Known and sets to nil the rows it
// knows; full, when rows were read as keys only, reads each other row.
func (s *Store) withKeys(page *store.Page, rows []*Row, q *Query, full func(resource.Ref) (*Row, error)) error {
	if q.known == nil {
		return nil
	}
	page.Keys = make([]store.Key, 0, len(rows))
	for i, row := range rows {
		k := store.Key{Ref: row.Ref(), Revision: row.Revision}
		page.Keys = append(page.Keys, k)
		switch {
		case q.known(k.Ref, k.Revision):
			rows[i] = nil
		case full != nil:
			var err error
			if rows[i], err = full(k.Ref); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodePage fills page.Items from rows, nil for nil.
func (s *Store) decodePage(page *store.Page, rows []*Row) (*store.Page, error) {
	page.Items = make([]*resource.Resource, len(rows))
	for i, row := range rows {
		if row == nil {
			continue
		}
		r, err := s.decode(row)
		if err != nil {
			return nil, err
		}
		page.Items[i] = r
	}
	return page, nil
}

func (s *Store) referrers(ctx context.Context, rtx RowTx, ref resource.Ref) ([]resource.Ref, error) {
	if _, err := s.current(ctx, rtx, ref); err != nil {
		return nil, err
	}
	return rtx.Referrers(ctx, ref.ID, 0)
}

func (s *Store) create(ctx context.Context, rtx RowTx, p *prepared) (*resource.Resource, error) {
	inserter, insert := rtx.(Inserter)
	if !insert {
		existing, err := rtx.Get(ctx, p.res.ID)
		if err != nil {
			return nil, err
		}
		if existing != nil {
			return nil, idInUse(p.res.ID)
		}
	}
	if err := s.checkRefs(ctx, rtx, &p.res, p.links, true); err != nil {
		return nil, err
	}
	now := s.clock()
	row, err := s.row(ctx, rtx, p, 1, now, now)
	if err != nil {
		return nil, err
	}
	if insert {
		err = inserter.Insert(ctx, row)
		if errors.Is(err, ErrExists) {
			return nil, idInUse(p.res.ID)
		}
	} else {
		err = rtx.Put(ctx, row)
	}
	if err != nil {
		return nil, err
	}
	// A new row has no refs yet (a deleted row's went with it): only
	// links need writing.
	if len(p.links) > 0 {
		if err := rtx.SetRefs(ctx, row.ID, p.links); err != nil {
			return nil, err
		}
	}
	return s.written(row, p)
}

func idInUse(id string) error {
	return &resource.Error{Code: resource.Conflict, Field: "id", Err: fmt.Errorf("id %q is already in use", id)}
}

func (s *Store) update(ctx context.Context, rtx RowTx, p *prepared) (*resource.Resource, error) {
	r := &p.res
	cur, err := s.current(ctx, rtx, r.Ref)
	if err != nil {
		return nil, err
	}
	if r.Revision != cur.Revision {
		return nil, store.Stale(r.Ref, r.Revision, cur.Revision)
	}
	switch {
	case r.Tenant != cur.Tenant:
		return nil, resource.InvalidField("tenant_id", "cannot be changed")
	case r.Location != cur.Location:
		return nil, resource.InvalidField("location_id", "cannot be changed")
	case !sameOwner(r.Owner, cur.Owner):
		info, _ := s.reg.Info(r.Kind)
		return nil, resource.InvalidField(info.ParentField, "cannot be changed")
	case cur.Deleting && !r.Deleting:
		return nil, resource.Errorf(resource.Conflict, "%s %q is being deleted; that cannot be undone", r.Kind, r.ID)
	case !cur.Deleting && r.Deleting:
		// Children and locals may stay: they are removed as part of the
		// deletion. What names it in a spec must go first.
		if err := s.unreferenced(ctx, rtx, r.Ref, ViaSpec); err != nil {
			return nil, err
		}
	}
	specChanged := !bytes.Equal(p.enc.Spec, cur.Spec)
	placementChanged := !reflect.DeepEqual(r.Placement, cur.Placement)
	if specChanged {
		// Owner and location cannot change, so the refs change only
		// with the spec; status writes skip these checks.
		if err := s.checkRefs(ctx, rtx, r, p.links, false); err != nil {
			return nil, err
		}
	}
	gen := cur.Generation
	if specChanged || placementChanged {
		gen++ // both are desired state
	}
	row, err := s.row(ctx, rtx, p, gen, cur.CreatedAt, s.clock())
	if err != nil {
		return nil, err
	}
	if err := rtx.Put(ctx, row); err != nil {
		return nil, err
	}
	if specChanged {
		if err := rtx.SetRefs(ctx, row.ID, p.links); err != nil {
			return nil, err
		}
	}
	return s.written(row, p)
}

// updateStatus writes a status-only change: the stored row with the new
// status, revision and update time. Its refs cannot have changed.
func (s *Store) updateStatus(ctx context.Context, rtx RowTx, r *resource.Resource, raw []byte, value *resource.Status) (*resource.Resource, error) {
	put := rtx.Put
	get := rtx.Get
	if sp, ok := rtx.(StatusPutter); ok {
		// It stores the status columns alone: the rest of the row is
		// only read back into the answer, with r's spec.
		put = sp.PutStatus
		if mg, ok := rtx.(MetaGetter); ok {
			get = mg.GetMeta
		}
	}
	cur, err := get(ctx, r.ID)
	if err == nil && (cur == nil || cur.Kind != r.Kind) {
		err = notFound(r.Ref)
	}
	if err != nil {
		return nil, err
	}
	if r.Revision != cur.Revision {
		return nil, store.Stale(r.Ref, r.Revision, cur.Revision)
	}
	rev, err := rtx.NextRevision(ctx)
	if err != nil {
		return nil, err
	}
	row := *cur
	row.Revision, row.UpdatedAt = rev, s.clock()
	row.Status = raw
	row.Phase = r.Status.Phase
	if row.Phase == "" {
		row.Phase = resource.PhasePending
	}
	if err := put(ctx, &row); err != nil {
		return nil, err
	}
	var st resource.Status
	if value != nil {
		st = *value
	} else if st, err = resource.DecodeStatus(raw); err != nil {
		return nil, resource.Errorf(resource.Unknown, "status of %s cannot be decoded: %v", r.Ref, err)
	}
	return s.fromRow(&row, r.Spec, st), nil
}

func (s *Store) delete(ctx context.Context, rtx RowTx, ref resource.Ref, revision int64) error {
	cur, err := s.current(ctx, rtx, ref)
	if err != nil {
		return err
	}
	if revision != 0 && revision != cur.Revision {
		return store.Stale(ref, revision, cur.Revision)
	}
	if err := s.unreferenced(ctx, rtx, ref); err != nil {
		return err
	}
	return rtx.Delete(ctx, ref.ID)
}

// maxNamedReferrers bounds how many referrers an error message lists.
const maxNamedReferrers = 5

// unreferenced returns Conflict naming the referrers if anything refers to
// ref (in one of the given ways, when via is not empty).
func (s *Store) unreferenced(ctx context.Context, rtx RowTx, ref resource.Ref, via ...Via) error {
	refs, err := rtx.Referrers(ctx, ref.ID, maxNamedReferrers+1, via...)
	if err != nil || len(refs) == 0 {
		return err
	}
	names := make([]string, 0, len(refs))
	for i, r := range refs {
		if i == maxNamedReferrers {
			names = append(names, "and more")
			break
		}
		names = append(names, fmt.Sprintf("%s %q", r.Kind, r.ID))
	}
	return resource.Errorf(resource.Conflict, "%s %q is still referenced by %s", ref.Kind, ref.ID, strings.Join(names, ", "))
}

// checkRefs verifies that every resource r names exists and may be used by
// r's tenant. A resource of another tenant is reported as missing, so its
// existence does not leak. A target being deleted may not gain referrers: no
// new spec reference to it, and no new child or local under it (creating);
// the children it already has may still change while they are removed.
func (s *Store) checkRefs(ctx context.Context, rtx RowTx, r *resource.Resource, links []Link, creating bool) error {
	get := rtx.Get
	if mg, ok := rtx.(MetaGetter); ok {
		get = mg.GetMeta // usableBy reads the spec when it needs it
	}
	for _, l := range links {
		ref := l.To
		target, err := get(ctx, ref.ID)
		if err != nil {
			return err
		}
		field := s.reg.RefField(r, ref)
		usable := false
		if target != nil && target.Kind == ref.Kind {
			if usable, err = s.usableBy(ctx, rtx, r, target); err != nil {
				return err
			}
		}
		if !usable {
			return refError(resource.Invalid, field, "%s %q does not exist", ref.Kind, ref.ID)
		}
		if target.Deleting && (creating || l.Via == ViaSpec) {
			return refError(resource.Conflict, field, "%s %q is being deleted", ref.Kind, ref.ID)
		}
	}
	return nil
}

func refError(code resource.ErrorCode, field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	return &resource.Error{Code: code, Field: field, Err: fmt.Errorf("%s", msg)}
}

// usableBy reports whether r may refer to target: always, unless both are
// owned by tenants and the tenants differ, in which case only a shared target
// (resource.Sharer, e.g. a public image) may be named.
func (s *Store) usableBy(ctx context.Context, rtx RowTx, r *resource.Resource, target *Row) (bool, error) {
	if r.Tenant == "" || target.Tenant == "" || r.Tenant == target.Tenant {
		return true, nil
	}
	if info, ok := s.reg.Info(target.Kind); !ok || info.Scope != resource.ScopeTenant {
		return true, nil
	}
	if target.Spec == nil { // read by GetMeta
		full, err := rtx.Get(ctx, target.ID)
		if err != nil || full == nil {
			return false, err
		}
		target = full
	}
	spec, err := s.reg.DecodeSpec(target.Kind, target.Spec, nil)
	if err != nil {
		return false, nil
	}
	sh, ok := spec.(resource.Sharer)
	return ok && sh.SharedWithAllTenants(), nil
}

func sameOwner(a, b *resource.Ref) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// row builds the row to store for p with a fresh revision.
func (s *Store) row(ctx context.Context, rtx RowTx, p *prepared, generation int64, created, updated time.Time) (*Row, error) {
	rev, err := rtx.NextRevision(ctx)
	if err != nil {
		return nil, err
	}
	r := &p.res
	phase := r.Status.Phase
	if phase == "" {
		phase = resource.PhasePending
	}
	row := &Row{
		Kind: r.Kind, ID: r.ID, Tenant: r.Tenant, Name: r.Name, Location: r.Location,
		Revision: rev, Generation: generation, Deleting: r.Deleting, Phase: phase,
		Spec: p.enc.Spec, Status: p.enc.Status, CreatedAt: created, UpdatedAt: updated,
	}
	if r.Owner != nil {
		o := *r.Owner
		row.Owner = &o
	}
	if len(r.Labels) > 0 {
		row.Labels = maps.Clone(r.Labels)
	}
	row.Placement = r.Placement.Clone()
	return row, nil
}

// clock returns now in UTC at the nanosecond precision every backend keeps.
func (s *Store) clock() time.Time { return time.Unix(0, s.now().UnixNano()).UTC() }

// written returns what decode(row) would of a row just written from p,
// from the values its encoding kept where it has them (a prepared value is
// written once, so they are the result's own).
func (s *Store) written(row *Row, p *prepared) (*resource.Resource, error) {
	if p.enc.SpecValue == nil || p.enc.StatusValue == nil {
		return s.decode(row)
	}
	return s.fromRow(row, p.enc.SpecValue, *p.enc.StatusValue), nil
}

// decode turns a row into a Resource that shares nothing with the row.
func (s *Store) decode(row *Row) (*resource.Resource, error) {
	spec, err := s.decodeSpec(row)
	if err != nil {
		return nil, err
	}
	st, err := resource.DecodeStatus(row.Status)
	if err != nil {
		return nil, resource.Errorf(resource.Unknown, "stored status of %s cannot be decoded: %v", row.Ref(), err)
	}
	return s.fromRow(row, spec, st), nil
}

func (s *Store) decodeSpec(row *Row) (resource.Spec, error) {
	spec, err := s.reg.DecodeSpec(row.Kind, row.Spec, nil)
	if err != nil {
		return nil, resource.Errorf(resource.Unknown, "stored %s cannot be decoded: %v", row.Ref(), err)
	}
	return spec, nil
}

// fromRow is a Resource of row's metadata, copied, with spec and st.
func (s *Store) fromRow(row *Row, spec resource.Spec, st resource.Status) *resource.Resource {
	out := &resource.Resource{
		Ref: row.Ref(), Tenant: row.Tenant, Name: row.Name, Location: row.Location,
		Revision: row.Revision, Generation: row.Generation, Deleting: row.Deleting,
		Spec: spec, Status: st, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt,
	}
	if row.Owner != nil {
		o := *row.Owner
		out.Owner = &o
	}
	if len(row.Labels) > 0 {
		out.Labels = maps.Clone(row.Labels)
	}
	out.Placement = row.Placement.Clone()
	return out
}
