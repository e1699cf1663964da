// Package engine implements the store.Store contract once, over a small
// row-level Backend. store/memstore and store/sqlitestore supply Backends;
// everything a Store promises beyond keeping rows (validation, defaults,
// referential integrity, tenant boundaries, compare-and-swap, revisions,
// generations, copying) happens here, so the backends cannot disagree on it.
//
// Import it to write a new backend; use a backend package to get a Store.
package engine

import (
	"context"
	"errors"
	"time"

	"github.com/orca-nfv/orca/resource"
)

// Row is a resource as a backend keeps it: metadata in columns, spec and
// status as JSON. The engine hands a backend Rows it will not modify again,
// and treats Rows a backend returns as read-only; they must stay valid, and
// unchanged, after the transaction that read them ends.
type Row struct {
	Kind     resource.Kind
	ID       string
	Tenant   string
	Name     string
	Location string
	Owner    *resource.Ref
	Labels   map[string]string
	// Placement is nil for every location.
	Placement *resource.Placement

	Revision   int64
	Generation int64
	Deleting   bool
	// Phase duplicates Status.Phase so backends can filter on it.
	Phase resource.Phase

	Spec   []byte // canonical JSON
	Status []byte // canonical JSON

	CreatedAt time.Time // UTC, nanosecond precision
	UpdatedAt time.Time
}

// Ref returns the row's reference.
func (r *Row) Ref() resource.Ref { return resource.Ref{Kind: r.Kind, ID: r.ID} }

// Via says how a resource holds a reference.
type Via string

const (
	// ViaSpec: the spec names the target (a server's network_id). Such a
	// target cannot be deleted or marked Deleting.
	ViaSpec Via = "spec"
	// ViaOwner: the target is the resource's owner (a local_network's
	// network). An owner may be marked Deleting; its children go first.
	ViaOwner Via = "owner"
	// ViaLocation: the target is the resource's location. Like an owner.
	ViaLocation Via = "location"
)

// Link is one reference a row holds.
type Link struct {
	To  resource.Ref
	Via Via
}

// Backend keeps rows and runs transactions over them.
type Backend interface {
	// Txn runs fn in a transaction: serializable with every other write
	// transaction when write is true, a consistent snapshot otherwise. It
	// commits if fn returns nil and rolls back if fn returns an error or
	// panics (re-panicking after the rollback). A backend that is closed
	// returns store.ErrClosed.
	Txn(ctx context.Context, write bool, fn func(RowTx) error) error
	Close() error
}

// RowTx is a transaction's access to rows. Write methods are only called in
// write transactions.
type RowTx interface {
	// Get returns the row with the ID (of any kind), or nil, nil.
	Get(ctx context.Context, id string) (*Row, error)
	// List returns the rows matching q, sorted and paginated, and the
	// number of matches before pagination.
	List(ctx context.Context, q *Query) ([]*Row, int, error)
	// Referrers returns the resources holding a reference to id, sorted by
	// kind then ID; at most limit of them when limit > 0; only those
	// holding it in one of the given ways when via is not empty.
	Referrers(ctx context.Context, id string, limit int, via ...Via) ([]resource.Ref, error)

	// NextRevision returns a revision greater than every one returned
	// before, by any transaction that committed.
	NextRevision(ctx context.Context) (int64, error)
	// Put inserts the row, or replaces the row with its ID.
	Put(ctx context.Context, row *Row) error
	// SetRefs replaces the references the row with ID from holds.
	SetRefs(ctx context.Context, from string, to []Link) error
	// Delete removes the row and its outgoing references.
	Delete(ctx context.Context, id string) error
}

// Inserter is implemented by a RowTx that can store a new row in one
// statement that fails, changing nothing, when the ID is taken: its error
// is then ErrExists (errors.Is). The engine then skips reading the ID
// first, which new IDs (events, copies) almost never find.
type Inserter interface {
	Insert(ctx context.Context, row *Row) error
}

// ErrExists is Inserter.Insert's error for an ID in use.
var ErrExists = errors.New("engine: the ID is in use")

// RowGetter is implemented by a Backend that reads one row outside any
// transaction, in one statement that sees one committed state (SQLite: a
// SELECT in autocommit mode, skipping the BEGIN and COMMIT that were a
// quarter of a GET by ID). It returns nil, nil for an ID not in use and
// store.ErrClosed once closed. The engine uses it for Store.Get.
type RowGetter interface {
	GetRow(ctx context.Context, id string) (*Row, error)
}

// KeyGetter is implemented by a RowGetter that can read a row's key alone
// (Kind, ID and Revision set) outside any transaction: nil, nil for an ID
// not in use. The engine uses it for a list by ID whose caller may hold
// the row already (store.Filter.Known), and reads the row in full only
// when it does not: the surfaces' memos check a record at every request,
// and reading and scanning every column was most of such a check.
type KeyGetter interface {
	GetKey(ctx context.Context, id string) (*Row, error)
}

// RowLister is implemented by a Backend that can run a list outside any
// transaction when one statement answers it (SQLite: a SELECT in autocommit
// mode, as RowGetter's). complete is false when answering takes more (a
// count of a full page's matches, in the same snapshot): the engine then
// lists in a read transaction. Rows are as RowTx.List returns them, keys
// only for a KeysOnly query; the engine reads in a transaction when it
// needs others in full. It returns store.ErrClosed once closed.
type RowLister interface {
	ListRows(ctx context.Context, q *Query) (rows []*Row, total int, complete bool, err error)
}

// MetaGetter is implemented by a RowTx that reads a row without its spec
// and status (both nil) more cheaply than Get does (SQLite: no spec turned
// back from JSONB into text, no blobs copied). The engine uses it where a
// row's metadata is all it needs: the current row of a status write that
// a StatusPutter stores, and the targets of a write's references.
type MetaGetter interface {
	GetMeta(ctx context.Context, id string) (*Row, error)
}

// StatusPutter is implemented by a RowTx that stores a row whose status,
// phase, revision and update time alone changed more cheaply than Put
// does (SQLite: one narrow UPDATE that touches no index, where an upsert
// rewrites every column and every index entry). The engine uses it for
// store.Writer.UpdateStatus.
type StatusPutter interface {
	PutStatus(ctx context.Context, row *Row) error
}
