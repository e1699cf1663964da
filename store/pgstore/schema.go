package pgstore

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orca-nfv/orca/resource"
)

// migrations are applied in order, each exactly once, each in the
// transaction that records it, so a failure leaves the previous version.
// Never edit a released migration: append a new one.
var migrations = []string{
	// 1: resources, the reference index and the revision counter.
	//
	// Text columns that are sorted or compared sort bytewise (COLLATE "C"),
	// as SQLite does, whatever the database's default collation. Spec and
	// status are the engine's exact bytes (it compares specs byte for
	// byte); doc is the spec parsed once at write, for field filters and
	// sorts. Times are Unix nanoseconds: the engine keeps nanoseconds, and
	// timestamptz has microseconds only. fillfactor leaves room on each page
	// for status writes to be HOT updates.
	`
CREATE TABLE counters (
	name  text PRIMARY KEY,
	value bigint NOT NULL
);
INSERT INTO counters (name, value) VALUES ('revision', 0);
CREATE TABLE resources (
	id         text COLLATE "C" PRIMARY KEY,
	kind       text COLLATE "C" NOT NULL,
	tenant     text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	location   text COLLATE "C" NOT NULL,
	owner_kind text COLLATE "C" NOT NULL,
	owner_id   text COLLATE "C" NOT NULL,
	labels     jsonb,
	placement  text,
	revision   bigint NOT NULL,
	generation bigint NOT NULL,
	deleting   boolean NOT NULL,
	phase      text COLLATE "C" NOT NULL,
	spec       text NOT NULL,
	status     text NOT NULL,
	created_at bigint NOT NULL,
	updated_at bigint NOT NULL,
	doc        jsonb GENERATED ALWAYS AS (spec::jsonb) STORED
) WITH (fillfactor = 80);
CREATE INDEX resources_kind_id ON resources (kind, id);
CREATE INDEX resources_kind_tenant_id ON resources (kind, tenant, id);
CREATE INDEX resources_kind_name ON resources (kind, name);
CREATE INDEX resources_kind_phase ON resources (kind, phase);
CREATE INDEX resources_location ON resources (location, kind) WHERE location <> '';
CREATE INDEX resources_owner ON resources (owner_id, owner_kind) WHERE owner_id <> '';

-- refs mirrors each resource's references. The engine checks them first and
-- explains refusals; the foreign keys are the backstop: a referenced row
-- cannot be deleted, and a row's outgoing refs go with it.
CREATE TABLE refs (
	to_id   text COLLATE "C" NOT NULL REFERENCES resources (id),
	from_id text COLLATE "C" NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
	via     text NOT NULL,
	PRIMARY KEY (to_id, from_id)
);
CREATE INDEX refs_from ON refs (from_id);
`,
}

// migrate brings the current schema's tables to the latest version and
// creates the registry's field indexes, in one transaction holding an
// advisory lock, so replicas opening at once take turns. A schema newer than
// this code is refused rather than misread. It returns the schema's name.
func migrate(ctx context.Context, pool *pgxpool.Pool, reg *resource.Registry, now func() time.Time) (string, error) {
	return migrateTo(ctx, pool, reg, now, len(migrations))
}

// migrateTo applies the migrations up to version target.
func migrateTo(ctx context.Context, pool *pgxpool.Pool, reg *resource.Registry, now func() time.Time, target int) (string, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var schema *string
	if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", err
	}
	if schema == nil {
		return "", errors.New("no schema to create the tables in: the search_path names none that exists")
	}
	h := fnv.New64a()
	h.Write([]byte("orca/pgstore/migrate\x00" + *schema))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+strconv.FormatInt(int64(h.Sum64()), 10)+`)`); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		applied_at bigint NOT NULL
	)`); err != nil {
		return "", err
	}
	var cur int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return "", err
	}
	if cur > len(migrations) {
		return "", fmt.Errorf("database schema version %d is newer than this program knows (%d); upgrade the program", cur, len(migrations))
	}
	for v := cur + 1; v <= target; v++ {
		if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
			return "", fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, v, now().UnixNano()); err != nil {
			return "", err
		}
	}
	if target == len(migrations) {
		if err := ensureFieldIndexes(ctx, tx, reg); err != nil {
			return "", err
		}
	}
	return *schema, tx.Commit(ctx)
}

// ensureFieldIndexes creates an index for every field the registry marks
// indexed (orca:"index"), on the expression queries use (query.go), so
// kinds registered before opening get theirs. It creates only the missing
// ones: CREATE INDEX, even IF NOT EXISTS, would lock the table against
// writes at every open. An index on a large table is built at the first
// open that knows the field, blocking writes meanwhile.
func ensureFieldIndexes(ctx context.Context, tx pgx.Tx, reg *resource.Registry) error {
	rows, err := tx.Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'resources'`)
	if err != nil {
		return err
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	exists := map[string]bool{}
	for _, n := range have {
		exists[n] = true
	}
	for _, fields := range reg.IndexedFields() {
		for _, f := range fields {
			expr, err := fieldExpr(f.Name, f.Type)
			if err != nil {
				return err
			}
			name := indexName(f.Name, f.Type)
			if exists[name] {
				continue
			}
			exists[name] = true
			q := fmt.Sprintf(`CREATE INDEX %s ON resources (kind, (%s) NULLS FIRST)`, pgx.Identifier{name}.Sanitize(), expr)
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("index on %s: %w", f.Name, err)
			}
		}
	}
	return nil
}

// indexName names a field's index by the field and how it is compared
// (text or JSON), within PostgreSQL's 63 bytes.
func indexName(field string, t resource.FieldType) string {
	typ := "j"
	if t == resource.FieldString {
		typ = "s"
	}
	name := "resources_f" + typ + "_" + field
	if len(name) <= 63 {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(field))
	return fmt.Sprintf("%s_%08x", name[:54], h.Sum32())
}
