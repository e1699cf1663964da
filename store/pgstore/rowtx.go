package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/engine"
)

const rowColumns = `kind, id, tenant, name, location, owner_kind, owner_id, labels,
	revision, generation, deleting, phase, spec, status, created_at, updated_at, placement`

func scanRow(s pgx.Row) (*engine.Row, error) {
	var (
		r                  engine.Row
		kind, phase        string
		ownerKind, ownerID string
		labels             []byte
		placement          *string
		created, updated   int64
	)
	if err := s.Scan(&kind, &r.ID, &r.Tenant, &r.Name, &r.Location, &ownerKind, &ownerID, &labels,
		&r.Revision, &r.Generation, &r.Deleting, &phase, &r.Spec, &r.Status, &created, &updated, &placement); err != nil {
		return nil, err
	}
	r.Kind, r.Phase = resource.Kind(kind), resource.Phase(phase)
	if ownerID != "" {
		r.Owner = &resource.Ref{Kind: resource.Kind(ownerKind), ID: ownerID}
	}
	if labels != nil {
		if err := json.Unmarshal(labels, &r.Labels); err != nil {
			return nil, resource.Errorf(resource.Unknown, "pgstore: labels of %s: %v", r.Ref(), err)
		}
	}
	if placement != nil {
		if err := json.Unmarshal([]byte(*placement), &r.Placement); err != nil {
			return nil, resource.Errorf(resource.Unknown, "pgstore: placement of %s: %v", r.Ref(), err)
		}
	}
	r.CreatedAt, r.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return &r, nil
}

func (t *rowTx) Get(ctx context.Context, id string) (*engine.Row, error) {
	r, err := scanRow(t.queryRow(ctx, `SELECT `+rowColumns+` FROM resources WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, classify(ctx, err)
	}
	return r, nil
}

// NextRevision counts from the counter read when the write lock was
// granted; commit stores the last value. No other writer runs meanwhile,
// so revisions increase in commit order, without gaps.
func (t *rowTx) NextRevision(ctx context.Context) (int64, error) {
	if !t.begun { // no statement yet: the counter is not read
		br, err := t.send(ctx, `SELECT 1`, nil)
		if err == nil {
			err = br.Close()
		}
		if err != nil {
			return 0, classify(ctx, err)
		}
	}
	t.revision++
	return t.revision, nil
}

func (t *rowTx) Put(ctx context.Context, r *engine.Row) error {
	var ownerKind, ownerID string
	if r.Owner != nil {
		ownerKind, ownerID = string(r.Owner.Kind), r.Owner.ID
	}
	var labels, placement any // nil is NULL
	if len(r.Labels) > 0 {
		b, err := json.Marshal(r.Labels)
		if err != nil {
			return resource.Errorf(resource.Invalid, "labels: %v", err)
		}
		labels = string(b)
	}
	if r.Placement != nil {
		b, err := json.Marshal(r.Placement)
		if err != nil {
			return resource.Errorf(resource.Invalid, "placement: %v", err)
		}
		placement = string(b)
	}
	err := t.later(ctx, `INSERT INTO resources (`+rowColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (id) DO UPDATE SET
			kind = excluded.kind, tenant = excluded.tenant, name = excluded.name,
			location = excluded.location, owner_kind = excluded.owner_kind, owner_id = excluded.owner_id,
			labels = excluded.labels, revision = excluded.revision, generation = excluded.generation,
			deleting = excluded.deleting, phase = excluded.phase, spec = excluded.spec,
			status = excluded.status, created_at = excluded.created_at, updated_at = excluded.updated_at,
			placement = excluded.placement`,
		string(r.Kind), r.ID, r.Tenant, r.Name, r.Location, ownerKind, ownerID, labels,
		r.Revision, r.Generation, r.Deleting, string(r.Phase), string(r.Spec), string(r.Status),
		r.CreatedAt.UnixNano(), r.UpdatedAt.UnixNano(), placement)
	return classify(ctx, err)
}

// SetRefs replaces the row's references in one statement: the ones it no
// longer holds go, the others are inserted or get their new Via. A target
// named twice keeps its first Via.
func (t *rowTx) SetRefs(ctx context.Context, from string, to []engine.Link) error {
	ids := make([]string, 0, len(to))
	vias := make([]string, 0, len(to))
	seen := make(map[string]bool, len(to))
	for _, l := range to {
		if !seen[l.To.ID] {
			seen[l.To.ID] = true
			ids, vias = append(ids, l.To.ID), append(vias, string(l.Via))
		}
	}
	// The DELETE and the INSERT touch different rows, so running them as
	// one statement (one snapshot) is safe.
	err := t.later(ctx, `WITH gone AS (
			DELETE FROM refs WHERE from_id = $1 AND to_id <> ALL ($2::text[])
		)
		INSERT INTO refs (to_id, from_id, via)
		SELECT to_id, $1, via FROM unnest($2::text[], $3::text[]) AS l (to_id, via)
		ON CONFLICT (to_id, from_id) DO UPDATE SET via = excluded.via WHERE refs.via <> excluded.via`, from, ids, vias)
	return classify(ctx, err)
}

func (t *rowTx) Delete(ctx context.Context, id string) error {
	err := t.later(ctx, `DELETE FROM resources WHERE id = $1`, id)
	return classify(ctx, err)
}

func (t *rowTx) Referrers(ctx context.Context, id string, limit int, via ...engine.Via) ([]resource.Ref, error) {
	var a args
	q := `SELECT r.kind, r.id FROM refs f JOIN resources r ON r.id = f.from_id WHERE f.to_id = ` + a.add(id)
	if len(via) > 0 {
		vs := make([]string, len(via))
		for i, v := range via {
			vs[i] = string(v)
		}
		q += ` AND f.via = ANY (` + a.add(vs) + `::text[])`
	}
	q += ` ORDER BY r.kind, r.id`
	if limit > 0 {
		q += ` LIMIT ` + a.add(limit)
	}
	rows, err := t.query(ctx, q, a...)
	if err != nil {
		return nil, classify(ctx, err)
	}
	var out []resource.Ref
	var kind, rid string
	_, err = pgx.ForEachRow(rows, []any{&kind, &rid}, func() error {
		out = append(out, resource.Ref{Kind: resource.Kind(kind), ID: rid})
		return nil
	})
	if err != nil {
		return nil, classify(ctx, err)
	}
	return out, nil
}

func (t *rowTx) List(ctx context.Context, q *engine.Query) ([]*engine.Row, int, error) {
	var a args
	where, err := whereClause(q, &a)
	if err != nil {
		return nil, 0, err
	}
	order, err := orderClause(q.Sort)
	if err != nil {
		return nil, 0, err
	}
	nWhere := len(a)
	var limit any // nil: LIMIT NULL, no limit
	if q.Limit > 0 {
		limit = q.Limit
	}
	query := `SELECT ` + rowColumns + ` FROM resources` + where + order + ` LIMIT ` + a.add(limit) + ` OFFSET ` + a.add(q.Offset)
	rows, err := t.query(ctx, query, a...)
	if err != nil {
		return nil, 0, classify(ctx, err)
	}
	var out []*engine.Row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			rows.Close()
			return nil, 0, classify(ctx, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, classify(ctx, err)
	}
	// A page that is not full ends the matches: the total follows, and
	// the COUNT, a second scan of every match, is not needed. The
	// transaction reads one snapshot, so both agree.
	if (q.Limit == 0 || len(out) < q.Limit) && (len(out) > 0 || q.Offset == 0) {
		return out, q.Offset + len(out), nil
	}
	var total int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM resources`+where, a[:nWhere]...).Scan(&total); err != nil {
		return nil, 0, classify(ctx, err)
	}
	return out, total, nil
}
