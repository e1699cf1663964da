package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/orca-nfv/orca/resource"
)

// migrations are applied in order, each exactly once, each in the
// transaction that records it, so a crash leaves either the old or the new
// version. Never edit a released migration: append a new one.
var migrations = []string{
	// 1: resources, the reference index and the revision counter.
	`
CREATE TABLE IF NOT EXISTS resources (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	tenant     TEXT NOT NULL,
	name       TEXT NOT NULL,
	location   TEXT NOT NULL,
	owner_kind TEXT NOT NULL,
	owner_id   TEXT NOT NULL,
	labels     TEXT,
	revision   INTEGER NOT NULL,
	generation INTEGER NOT NULL,
	deleting   INTEGER NOT NULL,
	phase      TEXT NOT NULL,
	spec       TEXT NOT NULL,
	status     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS resources_kind_id ON resources(kind, id);
CREATE INDEX IF NOT EXISTS resources_kind_tenant_id ON resources(kind, tenant, id);
CREATE INDEX IF NOT EXISTS resources_kind_name ON resources(kind, name);
CREATE INDEX IF NOT EXISTS resources_location ON resources(location, kind) WHERE location != '';
CREATE INDEX IF NOT EXISTS resources_owner ON resources(owner_id) WHERE owner_id != '';

-- refs mirrors each resource's references. The engine checks them first and
-- explains refusals; the foreign keys are the backstop: a referenced row
-- cannot be deleted, and a row's outgoing refs go with it.
CREATE TABLE IF NOT EXISTS refs (
	to_id   TEXT NOT NULL REFERENCES resources(id),
	from_id TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
	PRIMARY KEY (to_id, from_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refs_from ON refs(from_id);

CREATE TABLE IF NOT EXISTS counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT;
INSERT OR IGNORE INTO counters(name, value) VALUES ('revision', 0);
`,
	// 2: how each reference is held, so a parent can be marked Deleting
	// while its own children still point at it.
	`
ALTER TABLE refs ADD COLUMN via TEXT NOT NULL DEFAULT 'spec';
UPDATE refs SET via = 'location' WHERE EXISTS (
	SELECT 1 FROM resources r WHERE r.id = refs.from_id AND r.location = refs.to_id);
UPDATE refs SET via = 'owner' WHERE EXISTS (
	SELECT 1 FROM resources r WHERE r.id = refs.from_id AND r.owner_id = refs.to_id);
`,
	// 3: placement of global resources (JSON, NULL for every location).
	`ALTER TABLE resources ADD COLUMN placement TEXT;`,
	// 4: spec stored as JSONB, which json_extract reads without parsing:
	// a list filtered by a spec field, and its count, spent half their
	// time parsing each row's JSON text. A STRICT column's type cannot be
	// altered, so the table is rebuilt (migrate turns foreign keys off
	// around it, or dropping the old table would cascade into refs). ANY,
	// not BLOB: JSON text written by other tools still reads and filters
	// the same. The field indexes follow at open (ensureFieldIndexes).
	`
CREATE TABLE resources_v4 (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	tenant     TEXT NOT NULL,
	name       TEXT NOT NULL,
	location   TEXT NOT NULL,
	owner_kind TEXT NOT NULL,
	owner_id   TEXT NOT NULL,
	labels     TEXT,
	revision   INTEGER NOT NULL,
	generation INTEGER NOT NULL,
	deleting   INTEGER NOT NULL,
	phase      TEXT NOT NULL,
	spec       ANY NOT NULL,
	status     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	placement  TEXT
) STRICT;
INSERT INTO resources_v4 (rowid, id, kind, tenant, name, location, owner_kind, owner_id, labels,
	revision, generation, deleting, phase, spec, status, created_at, updated_at, placement)
SELECT rowid, id, kind, tenant, name, location, owner_kind, owner_id, labels,
	revision, generation, deleting, phase, jsonb(spec), status, created_at, updated_at, placement
FROM resources;
DROP TABLE resources;
ALTER TABLE resources_v4 RENAME TO resources;
CREATE INDEX resources_kind_id ON resources(kind, id);
CREATE INDEX resources_kind_tenant_id ON resources(kind, tenant, id);
CREATE INDEX resources_kind_name ON resources(kind, name);
CREATE INDEX resources_location ON resources(location, kind) WHERE location != '';
CREATE INDEX resources_owner ON resources(owner_id) WHERE owner_id != '';
`,
}

// ensureFieldIndexes creates an index for every field the registry marks
// indexed (orca:"index"), on the same expression queries use, partial to
// the kind that indexes it (fieldIndex). It runs at every open, so kinds
// registered before opening get their indexes; CREATE INDEX IF NOT EXISTS
// makes it idempotent. It returns the names of the indexes it ensured.
//
// Indexes on a field across every kind (resources_field_<field>, before
// this version) are dropped: every insert computed each of them, for every
// row, whatever its kind, and writing an event cost twice what it does
// with the indexes its kind has.
func ensureFieldIndexes(ctx context.Context, db *sql.DB, reg *resource.Registry) (map[string]bool, error) {
	seen := map[string]bool{}
	for kind, fields := range reg.IndexedFields() {
		for _, f := range fields {
			expr, err := fieldExpr(f.Name)
			if err != nil {
				return nil, err
			}
			name := fieldIndex(kind, f.Name)
			// The kind is a literal: a partial index serves only the
			// queries whose WHERE states its condition as written.
			q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON resources(%s) WHERE kind = '%s'`, name, expr, kind)
			if _, err := db.ExecContext(ctx, q); err != nil {
				return nil, fmt.Errorf("index on %s.%s: %w", kind, f.Name, err)
			}
			seen[name] = true
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'resources\_field\_%' ESCAPE '\'`)
	if err != nil {
		return nil, fmt.Errorf("listing indexes: %w", err)
	}
	var old []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("listing indexes: %w", err)
		}
		old = append(old, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing indexes: %w", err)
	}
	for _, name := range old {
		if !identifier.MatchString(name) {
			continue // not one this package made
		}
		if _, err := db.ExecContext(ctx, `DROP INDEX IF EXISTS `+name); err != nil {
			return nil, fmt.Errorf("dropping index %s: %w", name, err)
		}
	}
	return seen, nil
}

// fieldIndex names the index on a kind's indexed field. The kind's length
// keeps names apart whatever underscores kinds and fields hold.
func fieldIndex(k resource.Kind, field string) string {
	return fmt.Sprintf("resources_kf%d_%s_%s", len(k), k, field)
}

// migrate brings the database to the latest version in one immediate
// transaction, so concurrent openers serialize and a crash leaves the
// previous version. A database newer than this code is refused rather than
// misread.
func migrate(ctx context.Context, db *sql.DB, now func() time.Time) error {
	return migrateTo(ctx, db, now, len(migrations))
}

// migrateTo applies the migrations up to version target. Foreign keys are
// off while it runs, as SQLite's procedure for rebuilding a table asks
// (the pragma is a no-op inside a transaction, so it is set around it),
// and checked before the commit instead.
func migrateTo(ctx context.Context, db *sql.DB, now func() time.Time, target int) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		// The connection goes back to the pool: it must enforce them again.
		if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
			err = onErr
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return err
	}
	var cur int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return err
	}
	if cur > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this program knows (%d); upgrade the program", cur, len(migrations))
	}
	for v := cur + 1; v <= target; v++ {
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, v, now().UnixNano()); err != nil {
			return err
		}
	}
	if cur < target {
		rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
		if err != nil {
			return err
		}
		broken := rows.Next()
		rows.Close()
		if broken {
			return errors.New("the migrations left references to missing resources")
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return tx.Commit()
}
