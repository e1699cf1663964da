package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
)

// FuzzSpecJSONB: a spec is stored as JSONB and read back as text; the
// engine compares specs by their bytes, so whatever encoding/json writes
// (any value, any string, any number) must come back byte for byte, and a
// filter on a string field must find it.
func FuzzSpecJSONB(f *testing.F) {
	for _, seed := range []struct {
		raw string
		s   string
		x   float64
	}{
		{`{}`, "", 0},
		{`{"a":[1,2.5,-0,1e+21,1e-07,12345678901234567890123],"b":{"c":null,"d":true}}`, "plain", 1.5},
		{`["<tag> & \"quoted\"", "\u2028\u2029", "tab\there", "é ☃ 😀"]`, "<&>\"\\\n\t\u2028\u00e9\U0001F600'", -3e-300},
		{`[[[[[[[[[[{"k":[]}]]]]]]]]]]`, "\u007f\u0001", 123456789},
		{`"\ud800"`, "\xff\xfe", 0.1},
	} {
		f.Add([]byte(seed.raw), seed.s, seed.x)
	}
	b, _, err := openBackend(filepath.Join(f.TempDir(), "fuzz.db"), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.Close() })
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw []byte, s string, x float64) {
		doc := map[string]any{"s": s, "x": x}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			doc["v"] = v
		}
		spec, err := json.Marshal(doc)
		if err != nil {
			t.Skip("not JSON:", err) // NaN or infinity
		}
		row := &engine.Row{Kind: resource.KindNetwork, ID: "n", Tenant: "t", Name: "n", Revision: 1, Generation: 1,
			Phase: resource.PhasePending, Spec: spec, Status: []byte(`{}`), CreatedAt: time.Unix(0, 1).UTC(), UpdatedAt: time.Unix(0, 1).UTC()}
		if err := b.Txn(ctx, true, func(tx engine.RowTx) error { return tx.Put(ctx, row) }); err != nil {
			if strings.Contains(err.Error(), "malformed JSON") && depth(spec) > 900 {
				t.Skip("deeper than SQLite's JSON nesting limit (1000), which the field indexes always enforced")
			}
			t.Fatalf("put %s: %v", spec, err)
		}
		var got *engine.Row
		var page []*engine.Row
		err = b.Txn(ctx, false, func(tx engine.RowTx) error {
			var err error
			if got, err = tx.Get(ctx, "n"); err != nil {
				return err
			}
			q := &engine.Query{Kind: resource.KindNetwork, Sort: engine.SortKey{Meta: engine.SortID}, Fields: []engine.FieldMatch{{Name: "s", Type: resource.FieldString, Value: s}}}
			page, _, err = tx.List(ctx, q)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Spec) != string(spec) {
			t.Fatalf("stored %s, read back %s", spec, got.Spec)
		}
		// encoding/json stores invalid UTF-8 as U+FFFD: another string.
		if utf8.ValidString(s) && !strings.ContainsRune(s, 0) && len(page) != 1 {
			t.Errorf("filter s = %q found %d rows, want 1", s, len(page))
		}
	})
}

// depth is how deeply JSON text nests.
func depth(b []byte) int {
	d, most := 0, 0
	for _, c := range b {
		switch c {
		case '[', '{':
			d++
			most = max(most, d)
		case ']', '}':
			d--
		}
	}
	return most
}

// TestMigrationFourStoresSpecsAsJSONB upgrades a version-3 database, specs
// in text, and checks each spec reads back as it was, is stored as JSONB,
// filters, and that the references and their enforcement survived the
// table's rebuild.
func TestMigrationFourStoresSpecsAsJSONB(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := sql.Open("sqlite", dsn(path, map[string][]string{"_pragma": {"foreign_keys(1)"}}))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := migrateTo(ctx, db, time.Now, 3); err != nil {
		t.Fatal(err)
	}
	reg := resource.NewBuiltinRegistry()
	specs := map[string][]byte{}
	for _, r := range []*resource.Resource{
		{Ref: resource.Ref{Kind: resource.KindLocation, ID: "loc"}, Spec: &resource.Location{KeystoneEndpoint: "fake://loc"}},
		{Ref: resource.Ref{Kind: resource.KindNetwork, ID: "net"}, Tenant: "t", Spec: &resource.Network{CIDR: "10.0.0.0/16", Description: "<old> & \"text\" é"}},
		{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: "ln"}, Tenant: "t", Location: "loc",
			Owner: &resource.Ref{Kind: resource.KindNetwork, ID: "net"}, Spec: &resource.LocalNetwork{}},
	} {
		enc, err := reg.Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		specs[r.ID] = enc.Spec
		var ownerKind, ownerID string
		if r.Owner != nil {
			ownerKind, ownerID = string(r.Owner.Kind), r.Owner.ID
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO resources (`+rowColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 1, 1, 0, 'Pending', ?, ?, 1, 1, NULL)`,
			string(r.Kind), r.ID, r.Tenant, r.ID, r.Location, ownerKind, ownerID, string(enc.Spec), string(enc.Status)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO refs (to_id, from_id, via) VALUES ('loc', 'ln', 'location'), ('net', 'ln', 'owner')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	b, eo, err := openBackend(path, nil)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	s := engine.New(b, eo)
	defer s.Close()
	err = b.Txn(ctx, false, func(tx engine.RowTx) error {
		for id, want := range specs {
			r, err := tx.Get(ctx, id)
			if err != nil {
				return err
			}
			if string(r.Spec) != string(want) {
				t.Errorf("%s: spec %s after the upgrade, want %s", id, r.Spec, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var text int
	if err := b.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM resources WHERE typeof(spec) != 'blob'`).Scan(&text); err != nil || text != 0 {
		t.Errorf("%d specs not JSONB (%v)", text, err)
	}
	page, err := s.List(ctx, store.Filter{Kind: resource.KindNetwork, Fields: map[string]string{"description": "<old> & \"text\" é"}})
	if err != nil || page.Total != 1 {
		t.Errorf("list by description: %v, %v", page, err)
	}
	var refs, fk int
	if err := b.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM refs`).Scan(&refs); err != nil || refs != 2 {
		t.Errorf("%d refs after the upgrade (%v), want 2", refs, err)
	}
	if err := b.write.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d (%v) on the writer after migrating, want 1", fk, err)
	}
	if _, err := b.write.ExecContext(ctx, `DELETE FROM resources WHERE id = 'loc'`); err == nil {
		t.Error("deleting a referenced row succeeded: the references lost their foreign key")
	}

	// Same indexes as a database created at version 4.
	fresh, _, err := openBackend(filepath.Join(t.TempDir(), "v4.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if got, want := schemaOf(t, b.read), schemaOf(t, fresh.read); !slices.Equal(got, want) {
		t.Errorf("schema after the upgrade:\n%s\nwant, as created:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func schemaOf(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT type, name, sql FROM sqlite_schema WHERE name != 'schema_migrations' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ, name string
		var text sql.NullString
		if err := rows.Scan(&typ, &name, &text); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s: %s", typ, name, text.String))
	}
	return out
}
