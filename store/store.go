// Package store defines the Store contract: durable, transactional storage of
// resources with referential integrity. The reconciler, the HTTP layers and
// embedders program against it; store/memstore and store/sqlitestore
// implement it (both on store/engine, which holds the shared semantics), and
// store/storetest is the conformance suite every implementation must pass.
//
// What every Store promises, whatever the backend:
//
//   - Nothing invalid is stored: every write goes through
//     resource.Registry.Encode (defaults applied, every field validated).
//   - IDs are unique across kinds.
//   - Updates and deletes are compare-and-swap on Revision; of concurrent
//     writers holding the same revision exactly one wins.
//   - Referential integrity: a resource can name (in its spec, as owner or as
//     location) only resources that exist and belong to its tenant or are
//     shared. A resource named in another's spec cannot be marked Deleting;
//     one being deleted gains no new spec referrers, children or locals
//     (those it has may still change while they are removed); and no row
//     is removed while anything names it. The checks run in the write's own
//     transaction, so no race slips between check and write.
//   - Returned values are the caller's: mutating them never changes the
//     store, and mutating an argument after a call never does either.
//   - Txn runs several reads and writes atomically.
package store

import (
	"context"
	"errors"

	"github.com/orca-nfv/orca/resource"
)

// ErrClosed is returned by every method of a closed Store. errors.Is works on
// it, and its code is Unavailable.
var ErrClosed = resource.Errorf(resource.Unavailable, "store is closed")

// ErrStale is wrapped by every Conflict about a stale revision:
// errors.Is(err, ErrStale) tells "re-read and retry" from other conflicts
// (referenced, being deleted, duplicate ID).
var ErrStale = &resource.Error{Code: resource.Conflict, Err: errors.New("stale revision")}

// Stale returns the Conflict for a write made against revision given while
// current is stored.
func Stale(ref resource.Ref, given, current int64) error {
	return resource.Errorf(resource.Conflict, "%s %q was changed: revision %d is stale, the current one is %d: %w",
		ref.Kind, ref.ID, given, current, ErrStale)
}

// Reader reads resources.
type Reader interface {
	// Get returns the resource. The error is NotFound if no resource of
	// that kind has that ID.
	Get(ctx context.Context, ref resource.Ref) (*resource.Resource, error)

	// List returns the resources that match f, sorted and paginated as f
	// says, with the number of matches before pagination. A malformed
	// filter (unknown field or sort key, negative limit) is Invalid.
	List(ctx context.Context, f Filter) (*Page, error)

	// Referrers returns the resources that name ref in their spec, as owner
	// or as location, sorted by kind then ID. The error is NotFound if ref
	// does not exist.
	Referrers(ctx context.Context, ref resource.Ref) ([]resource.Ref, error)
}

// Writer changes resources. Writes are validated first and change nothing
// when they fail.
type Writer interface {
	// Create stores a new resource and returns it as stored: ID generated
	// when empty, defaults applied, Revision and Generation set, Phase
	// Pending unless given, CreatedAt = UpdatedAt = now.
	//
	// Errors: Invalid if the resource is invalid, marked Deleting, or names
	// a resource that does not exist or that it may not use (another
	// tenant's); Conflict if the ID is taken (by any kind) or a named
	// resource (owner and location included) is being deleted.
	Create(ctx context.Context, r *resource.Resource) (*resource.Resource, error)

	// Update replaces a resource's labels, name, spec, status and Deleting
	// flag if r.Revision is the stored revision, and returns it as stored.
	// Generation is incremented when the spec changes. Tenant, Location and
	// Owner cannot change; CreatedAt is kept.
	//
	// Errors: NotFound if absent; Conflict if r.Revision is stale, if
	// Deleting is being set while other specs still name the resource
	// (its own children and locals do not count), if Deleting is being
	// unset, or if a changed spec newly names a resource being deleted;
	// Invalid as for Create, or when immutable metadata changes.
	// Spec immutability is the caller's policy (resource.Registry.CheckUpdate),
	// not the store's: the reconciler writes local specs freely.
	Update(ctx context.Context, r *resource.Resource) (*resource.Resource, error)

	// UpdateStatus replaces only a resource's status, if r.Revision is the
	// stored revision: the spec, name, labels, placement, Deleting flag
	// and generation stay as stored, whatever r holds. It returns the
	// resource as stored with the new Revision, UpdatedAt and status; its
	// Spec is r.Spec itself, not a copy (with the revision matching, that
	// is the stored spec unless the caller changed it). It is the
	// reconciler's write, the most frequent of all: no spec is encoded,
	// validated or decoded.
	//
	// Errors: NotFound if absent; Conflict if r.Revision is stale; Invalid
	// for a phase that is not one or an output not representable as JSON.
	UpdateStatus(ctx context.Context, r *resource.Resource) (*resource.Resource, error)

	// Delete removes a resource. revision 0 deletes whatever is stored;
	// otherwise it must equal the stored revision.
	//
	// Errors: NotFound if absent; Conflict if revision is stale or other
	// resources still name this one (the message names them).
	Delete(ctx context.Context, ref resource.Ref, revision int64) error
}

// SpecGetter is implemented by stores that can read a resource without
// decoding its status (every store built on store/engine). The reconciler
// reads a copy's parent at every pass of the copy and needs only its spec
// and metadata, while the parent's status (its aggregate of every
// location) was most of what such a read decoded.
type SpecGetter interface {
	// GetSpec is Get, except that the resource's Status is left zero:
	// it is not what is stored, and must not be written back.
	GetSpec(ctx context.Context, ref resource.Ref) (*resource.Resource, error)
}

// GetSpec reads ref with r's GetSpec when r is a SpecGetter, and with Get
// otherwise: either way, the status it returns is not to be relied on.
func GetSpec(ctx context.Context, r Reader, ref resource.Ref) (*resource.Resource, error) {
	if g, ok := r.(SpecGetter); ok {
		return g.GetSpec(ctx, ref)
	}
	return r.Get(ctx, ref)
}

// Tx is the view of the store inside Txn: reads see the transaction's own
// writes.
type Tx interface {
	Reader
	Writer
}

// Store is a resource store. It is safe for concurrent use.
type Store interface {
	Reader
	Writer

	// Txn runs fn atomically: either every write fn makes through tx is
	// committed, or (when fn returns an error or panics) none is. Txn
	// returns fn's error unchanged. Transactions are serialized; fn must
	// use only tx (calling the Store itself from fn may deadlock), must not
	// keep tx after returning, and should not do slow I/O.
	Txn(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error

	// Close releases the store. Later calls return ErrClosed; closing twice
	// is harmless.
	Close() error
}

// Filter selects resources for List. Zero fields do not filter.
type Filter struct {
	Kind     resource.Kind
	Tenant   string
	Location string
	Owner    *resource.Ref
	// ID matches the one resource of that ID (of Kind, when given).
	ID    string
	Name  string
	Phase resource.Phase
	// AfterRevision matches resources written after that revision (their
	// revision is greater): with Sort "revision", what changed since a
	// reader last looked, in order (a replica following the writes of
	// others).
	AfterRevision int64
	// Labels match when the resource has every given label with the given
	// value.
	Labels map[string]string
	// Fields match top-level scalar spec fields of Kind (which must be set)
	// by equality. Values are text and are parsed by the field's type:
	// "512" matches the integer 512, "true" the boolean true.
	Fields map[string]string

	// Sort is a metadata key (id, name, tenant_id, location_id, created_at,
	// updated_at, revision) or a scalar spec field of Kind; "" sorts by id. Ties are
	// broken by id in the same direction, so the order is total.
	Sort string
	Desc bool

	// Limit caps the items returned (0: no cap); Offset skips the first
	// matches.
	Limit  int
	Offset int

	// Known, when set, tells List which revisions the caller already
	// holds a copy of (a cache keyed by reference and revision, which a
	// revision keeps valid: every write makes a new one). A match it
	// answers true for is neither read in full nor decoded: its entry in
	// Page.Items is nil, and Page.Keys names every match. Known is called
	// during the read, once per match on the page; it must be quick and
	// must not call the store.
	Known func(ref resource.Ref, revision int64) bool
}

// Page is one page of a List.
type Page struct {
	Items []*resource.Resource
	// Total is the number of matches before Limit and Offset.
	Total int
	// Keys gives each item's reference and revision, in order, when the
	// filter had Known (else nil).
	Keys []Key
}

// Key is a resource's reference and revision.
type Key struct {
	resource.Ref
	Revision int64
}
