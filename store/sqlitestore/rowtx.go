package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/engine"
)

type rowTx struct {
	tx      *sql.Tx
	auto    *sql.DB // with tx nil: statements run in autocommit mode on it
	cache   *stmtCache
	revs    *revisions      // the write batch's; nil: the counter per call
	indexed map[string]bool // names of the field indexes (schema.go)
	// missed are the queries run unprepared, to prepare after (stmts.go).
	missed []string
}

// rowColumns are a row's columns, in scanRow's order, as an INSERT names
// them; rowValues are their values, spec turned into JSONB (schema.go,
// migration 4), and readColumns read them back, spec as JSON text again.
// JSONB keeps each string's and number's text as written, so the text
// read is the canonical JSON stored, byte for byte.
const (
	rowColumns = `kind, id, tenant, name, location, owner_kind, owner_id, labels,
	revision, generation, deleting, phase, spec, status, created_at, updated_at, placement`
	rowValues   = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, jsonb(?), ?, ?, ?, ?)`
	readColumns = `kind, id, tenant, name, location, owner_kind, owner_id, labels,
	revision, generation, deleting, phase, json(spec), status, created_at, updated_at, placement`
)

// getRowSQL reads one row by ID; getMetaSQL reads it without its spec
// and status (engine.MetaGetter), in the same columns.
const (
	getRowSQL  = `SELECT ` + readColumns + ` FROM resources WHERE id = ?`
	getMetaSQL = `SELECT kind, id, tenant, name, location, owner_kind, owner_id, labels,
	revision, generation, deleting, phase, '', '', created_at, updated_at, placement FROM resources WHERE id = ?`
)

// keyColumns are what a keys-only list reads (engine.Query.KeysOnly),
// and getKeySQL reads them of one row by ID.
const (
	keyColumns = `kind, id, revision`
	getKeySQL  = `SELECT ` + keyColumns + ` FROM resources WHERE id = ?`
)

type scanner interface{ Scan(dest ...any) error }

func scanKey(s scanner) (*engine.Row, error) {
	r := &engine.Row{}
	var kind string
	if err := s.Scan(&kind, &r.ID, &r.Revision); err != nil {
		return nil, err
	}
	r.Kind = resource.Kind(kind)
	return r, nil
}

func scanRow(s scanner) (*engine.Row, error) {
	var (
		r                  engine.Row
		ownerKind, ownerID string
		labels, placement  sql.NullString
		deleting           int64
		created, updated   int64
		spec, status       string
	)
	if err := s.Scan(&r.Kind, &r.ID, &r.Tenant, &r.Name, &r.Location, &ownerKind, &ownerID, &labels,
		&r.Revision, &r.Generation, &deleting, &r.Phase, &spec, &status, &created, &updated, &placement); err != nil {
		return nil, err
	}
	if ownerID != "" {
		r.Owner = &resource.Ref{Kind: resource.Kind(ownerKind), ID: ownerID}
	}
	if labels.Valid {
		if err := json.Unmarshal([]byte(labels.String), &r.Labels); err != nil {
			return nil, resource.Errorf(resource.Unknown, "sqlitestore: labels of %s: %v", r.Ref(), err)
		}
	}
	if placement.Valid {
		if err := json.Unmarshal([]byte(placement.String), &r.Placement); err != nil {
			return nil, resource.Errorf(resource.Unknown, "sqlitestore: placement of %s: %v", r.Ref(), err)
		}
	}
	r.Deleting = deleting != 0
	r.Spec, r.Status = []byte(spec), []byte(status)
	r.CreatedAt, r.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return &r, nil
}

func (t *rowTx) Get(ctx context.Context, id string) (*engine.Row, error) {
	r, err := scanRow(t.queryRow(ctx, getRowSQL, id))
	return gotRow(ctx, r, err)
}

// GetMeta reads a row without its spec and status (engine.MetaGetter).
func (t *rowTx) GetMeta(ctx context.Context, id string) (*engine.Row, error) {
	r, err := scanRow(t.queryRow(ctx, getMetaSQL, id))
	if r != nil {
		r.Spec, r.Status = nil, nil
	}
	return gotRow(ctx, r, err)
}

// revisions hands out a write batch's revisions from memory: the counter
// is read once and written once per batch (group.go), where reading and
// writing it at every write was two statements each time. Revisions a
// rolled-back member took are skipped: gaps are allowed, reuse is not.
type revisions struct {
	loaded bool
	last   int64
}

func (t *rowTx) NextRevision(ctx context.Context) (int64, error) {
	if r := t.revs; r != nil {
		if !r.loaded {
			if err := t.queryRow(ctx, `SELECT value FROM counters WHERE name = 'revision'`).Scan(&r.last); err != nil {
				return 0, classify(ctx, err)
			}
			r.loaded = true
		}
		r.last++
		return r.last, nil
	}
	var rev int64
	err := t.queryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'revision' RETURNING value`).Scan(&rev)
	return rev, classify(ctx, err)
}

// Insert stores a new row (engine.Inserter); a taken ID is
// engine.ErrExists, and the statement changed nothing.
func (t *rowTx) Insert(ctx context.Context, r *engine.Row) error {
	err := t.putRow(ctx, r, `INSERT INTO resources (`+rowColumns+`) VALUES `+rowValues)
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return engine.ErrExists
	}
	return classify(ctx, err)
}

func (t *rowTx) Put(ctx context.Context, r *engine.Row) error {
	// An upsert, not REPLACE: REPLACE deletes the old row first, which the
	// refs foreign keys would refuse (or cascade).
	return classify(ctx, t.putRow(ctx, r, `INSERT INTO resources (`+rowColumns+`) VALUES `+rowValues+`
		ON CONFLICT (id) DO UPDATE SET
			kind = excluded.kind, tenant = excluded.tenant, name = excluded.name,
			location = excluded.location, owner_kind = excluded.owner_kind, owner_id = excluded.owner_id,
			labels = excluded.labels, revision = excluded.revision, generation = excluded.generation,
			deleting = excluded.deleting, phase = excluded.phase, spec = excluded.spec,
			status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at,
			placement = excluded.placement`))
}

// putRow runs q, an INSERT of rowColumns, with r's values; its error is
// SQLite's, unclassified.
func (t *rowTx) putRow(ctx context.Context, r *engine.Row, q string) error {
	var ownerKind, ownerID string
	if r.Owner != nil {
		ownerKind, ownerID = string(r.Owner.Kind), r.Owner.ID
	}
	var labels sql.NullString
	if len(r.Labels) > 0 {
		b, err := json.Marshal(r.Labels)
		if err != nil {
			return resource.Errorf(resource.Invalid, "labels: %v", err)
		}
		labels = sql.NullString{String: string(b), Valid: true}
	}
	var placement sql.NullString
	if r.Placement != nil {
		b, err := json.Marshal(r.Placement)
		if err != nil {
			return resource.Errorf(resource.Invalid, "placement: %v", err)
		}
		placement = sql.NullString{String: string(b), Valid: true}
	}
	deleting := 0
	if r.Deleting {
		deleting = 1
	}
	_, err := t.exec(ctx, q,
		string(r.Kind), r.ID, r.Tenant, r.Name, r.Location, ownerKind, ownerID, labels,
		r.Revision, r.Generation, deleting, string(r.Phase), string(r.Spec), string(r.Status),
		r.CreatedAt.UnixNano(), r.UpdatedAt.UnixNano(), placement)
	return err
}

// PutStatus stores a status-only change (engine.StatusPutter): none of
// these columns is indexed, so no index is touched.
func (t *rowTx) PutStatus(ctx context.Context, r *engine.Row) error {
	res, err := t.exec(ctx, `UPDATE resources SET revision = ?, phase = ?, status = ?, updated_at = ? WHERE id = ?`,
		r.Revision, string(r.Phase), string(r.Status), r.UpdatedAt.UnixNano(), r.ID)
	if err != nil {
		return classify(ctx, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return resource.Errorf(resource.Unknown, "sqlitestore: status of %s: %d rows updated (%v)", r.Ref(), n, err)
	}
	return nil
}

func (t *rowTx) SetRefs(ctx context.Context, from string, to []engine.Link) error {
	if _, err := t.exec(ctx, `DELETE FROM refs WHERE from_id = ?`, from); err != nil {
		return classify(ctx, err)
	}
	for _, l := range to {
		if _, err := t.exec(ctx, `INSERT OR IGNORE INTO refs (to_id, from_id, via) VALUES (?, ?, ?)`, l.To.ID, from, string(l.Via)); err != nil {
			return classify(ctx, err)
		}
	}
	return nil
}

func (t *rowTx) Delete(ctx context.Context, id string) error {
	_, err := t.exec(ctx, `DELETE FROM resources WHERE id = ?`, id)
	return classify(ctx, err)
}

func (t *rowTx) Referrers(ctx context.Context, id string, limit int, via ...engine.Via) ([]resource.Ref, error) {
	q := `SELECT r.kind, r.id FROM refs f JOIN resources r ON r.id = f.from_id WHERE f.to_id = ?`
	args := []any{id}
	if len(via) > 0 {
		q += ` AND f.via IN (?` + strings.Repeat(`, ?`, len(via)-1) + `)`
		for _, v := range via {
			args = append(args, string(v))
		}
	}
	q += ` ORDER BY r.kind, r.id`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit) // literal: see List
	}
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, classify(ctx, err)
	}
	defer rows.Close()
	var out []resource.Ref
	for rows.Next() {
		var r resource.Ref
		if err := rows.Scan(&r.Kind, &r.ID); err != nil {
			return nil, classify(ctx, err)
		}
		out = append(out, r)
	}
	return out, classify(ctx, rows.Err())
}

func (t *rowTx) List(ctx context.Context, q *engine.Query) ([]*engine.Row, int, error) {
	rows, total, _, err := t.list(ctx, q, true)
	return rows, total, err
}

// list runs q; with count false it leaves out the COUNT a full page needs,
// and then reports complete false (its total is not to be used).
func (t *rowTx) list(ctx context.Context, q *engine.Query, count bool) (_ []*engine.Row, total int, complete bool, _ error) {
	from, where, args, err := whereClause(q, t.indexed)
	if err != nil {
		return nil, 0, false, err
	}
	order, orderArgs, err := orderClause(q.Sort)
	if err != nil {
		return nil, 0, false, err
	}
	limit := int64(q.Limit)
	if limit == 0 {
		limit = -1 // SQLite: no limit
	}
	// The limit is written into the SQL, not bound: SQLite plans with a
	// bound LIMIT's value, and so recompiles the statement at every run,
	// which costs more than the query. Limits take few values, and each
	// gets its prepared statement.
	columns, scan := readColumns, scanRow
	if q.KeysOnly {
		columns, scan = keyColumns, scanKey
	}
	query := `SELECT ` + columns + from + where + order + ` LIMIT ` + strconv.FormatInt(limit, 10) + ` OFFSET ?`
	rows, err := t.query(ctx, query, append(append(slices.Clip(args), orderArgs...), q.Offset)...)
	if err != nil {
		return nil, 0, false, classify(ctx, err)
	}
	defer rows.Close()
	var out []*engine.Row
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, 0, false, classify(ctx, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, false, classify(ctx, err)
	}
	// A page that is not full ends the matches: the total follows, and
	// the COUNT, a second scan of every match, is not needed. The
	// transaction reads one snapshot, so both agree.
	if (q.Limit == 0 || len(out) < q.Limit) && (len(out) > 0 || q.Offset == 0) {
		return out, q.Offset + len(out), true, nil
	}
	if !count {
		return out, 0, false, nil
	}
	if err := t.queryRow(ctx, `SELECT COUNT(*)`+from+where, args...).Scan(&total); err != nil {
		return nil, 0, false, classify(ctx, err)
	}
	return out, total, true, nil
}

var (
	identifier  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
	kindLiteral = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

// fieldExpr is the SQL expression for a top-level spec field. The path is a
// literal, not a parameter, so the planner can match it to an index on the
// same expression; that is safe because only plain identifiers (which every
// registered field name is, by the registry's checks) are accepted.
func fieldExpr(field string) (string, error) {
	if !identifier.MatchString(field) {
		return "", resource.InvalidField(field, "only fields named like identifiers can be queried")
	}
	return `json_extract(spec, '$."` + field + `"')`, nil
}

// whereClause returns the FROM and WHERE clauses of a list. The FROM names
// the index to use when a filter has one: SQLite's planner, without
// statistics, preferred scanning the kind in id order (no sort) to an
// owner's, a location's or an indexed field's few rows, which made the
// reconciler's list of a resource's copies a scan of every copy. The
// owner and location indexes are partial (no empty values), so their
// filters also say the value is not empty, which a bound parameter does
// not prove.
func whereClause(q *engine.Query, indexed map[string]bool) (from, where string, _ []any, _ error) {
	var conds []string
	var args []any
	eq := func(col, v string) {
		if v != "" {
			conds = append(conds, col+" = ?")
			args = append(args, v)
		}
	}
	// The kind is written into the SQL, not bound. The field indexes are
	// partial to a kind (kind = 'event'), and SQLite checks a bound kind
	// against each of them at every run, preparing the statement again
	// each time, which cost more than the query. A registered kind's name
	// is plain snake_case (Compile refuses others; checked again here).
	switch k := string(q.Kind); {
	case k == "":
	case kindLiteral.MatchString(k):
		conds = append(conds, "kind = '"+k+"'")
	default:
		eq("kind", k)
	}
	fieldIdx := ""
	if q.Kind != "" && q.ID == "" && q.Owner == nil && q.Location == "" {
		for _, m := range q.Fields {
			if name := fieldIndex(q.Kind, m.Name); indexed[name] {
				fieldIdx = name
				break
			}
		}
	}
	eq("tenant", q.Tenant)
	eq("location", q.Location)
	eq("id", q.ID)
	eq("name", q.Name)
	eq("phase", string(q.Phase))
	if q.AfterRevision != 0 {
		conds = append(conds, "revision > ?")
		args = append(args, q.AfterRevision)
	}
	if q.Owner != nil {
		conds = append(conds, "owner_kind = ? AND owner_id = ?")
		args = append(args, string(q.Owner.Kind), q.Owner.ID)
	}
	for k, v := range q.Labels {
		conds = append(conds, "EXISTS (SELECT 1 FROM json_each(resources.labels) WHERE key = ? AND value = ?)")
		args = append(args, k, v)
	}
	for _, m := range q.Fields {
		expr, err := fieldExpr(m.Name)
		if err != nil {
			return "", "", nil, err
		}
		v := m.Value
		if b, ok := v.(bool); ok {
			// json_extract yields 1 and 0 for true and false.
			v = 0
			if b {
				v = 1
			}
		}
		conds = append(conds, expr+" = ?")
		args = append(args, v)
	}
	from = " FROM resources"
	switch {
	case q.ID != "":
		// The primary key.
	case q.Owner != nil:
		from += " INDEXED BY resources_owner"
		conds = append(conds, "owner_id != ''")
	case q.Location != "":
		from += " INDEXED BY resources_location"
		conds = append(conds, "location != ''")
	case fieldIdx != "":
		from += " INDEXED BY " + fieldIdx
	}
	if len(conds) == 0 {
		return from, "", nil, nil
	}
	return from, " WHERE " + strings.Join(conds, " AND "), args, nil
}

var metaColumns = map[engine.MetaKey]string{
	engine.SortID: "id", engine.SortName: "name", engine.SortTenant: "tenant",
	engine.SortLocation: "location", engine.SortCreated: "created_at", engine.SortUpdated: "updated_at",
	engine.SortRevision: "revision",
}

func orderClause(k engine.SortKey) (string, []any, error) {
	dir := " ASC"
	if k.Desc {
		dir = " DESC"
	}
	if col, ok := metaColumns[k.Meta]; ok {
		if col == "id" {
			return " ORDER BY id" + dir, nil, nil
		}
		return " ORDER BY " + col + dir + ", id" + dir, nil, nil
	}
	expr, err := fieldExpr(k.Field)
	if err != nil {
		return "", nil, err
	}
	return " ORDER BY " + expr + dir + ", id" + dir, nil, nil
}
