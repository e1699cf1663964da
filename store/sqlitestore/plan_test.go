package sqlitestore

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
)

// TestListsUseIndexes: every list filter the reconciler and the APIs use
// on a hot path is answered through an index, not by scanning the kind
// (the reconciler lists a resource's copies by owner at every pass: a
// scan there made convergence quadratic).
func TestListsUseIndexes(t *testing.T) {
	b, eo, err := openBackend(filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	owner := resource.Ref{Kind: resource.KindNetwork, ID: "n"}
	cases := map[string]struct {
		f     store.Filter
		index string
	}{
		"by owner":             {store.Filter{Kind: resource.KindLocalNetwork, Owner: &owner}, "resources_owner"},
		"by owner, any kind":   {store.Filter{Owner: &owner}, "resources_owner"},
		"by location":          {store.Filter{Location: "loc-1"}, "resources_location"},
		"by location and kind": {store.Filter{Kind: resource.KindLocalNetwork, Location: "loc-1"}, "resources_location"},
		"by tenant":            {store.Filter{Kind: resource.KindNetwork, Tenant: "t"}, "resources_kind_tenant_id"},
		"by an indexed field":  {store.Filter{Kind: resource.KindEvent, Fields: map[string]string{"subject_id": "x"}}, fieldIndex(resource.KindEvent, "subject_id")},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			q, err := engine.Compile(eo.Registry, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			from, where, args, err := whereClause(q, b.indexed)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(args, any(string(tc.f.Kind))) {
				// SQLite matches the partial indexes against a bound
				// kind anew at every run, preparing the statement again.
				t.Errorf("the kind is bound: %s %v", where, args)
			}
			order, orderArgs, err := orderClause(q.Sort)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := b.read.QueryContext(context.Background(),
				`EXPLAIN QUERY PLAN SELECT id`+from+where+order, append(args, orderArgs...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if got := strings.Join(plan, "; "); !strings.Contains(got, "INDEX "+tc.index) {
				t.Errorf("plan %q does not use %s", got, tc.index)
			}
		})
	}
}

// TestFieldIndexesPerKind: each kind's indexed field gets an index of its
// own, partial to the kind, and an index on a field across kinds (as files
// before this version have) is dropped at open; lists by the field still
// find what they did.
func TestFieldIndexesPerKind(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	b, eo, err := openBackend(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := engine.New(b, eo)
	ev := &resource.Resource{Ref: resource.Ref{Kind: resource.KindEvent, ID: "e1"}, Tenant: "t",
		Spec: &resource.Event{SubjectKind: resource.KindNetwork, SubjectID: "n1", From: resource.PhasePending, To: resource.PhaseReady}}
	if _, err := s.Create(ctx, ev); err != nil {
		t.Fatal(err)
	}
	// As an older version left it.
	if _, err := b.write.ExecContext(ctx, `CREATE INDEX resources_field_subject_id ON resources(kind, json_extract(spec, '$.subject_id'))`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	b, eo, err = openBackend(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s = engine.New(b, eo)
	defer s.Close()
	rows, err := b.read.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'resources_%'`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var name, sql string
		if err := rows.Scan(&name, &sql); err != nil {
			t.Fatal(err)
		}
		got[name] = sql
	}
	rows.Close()
	if _, ok := got["resources_field_subject_id"]; ok {
		t.Error("the index across kinds is still there")
	}
	for kind, fields := range eo.Registry.IndexedFields() {
		for _, f := range fields {
			sql, ok := got[fieldIndex(kind, f.Name)]
			if !ok || !strings.Contains(sql, "WHERE kind = '"+string(kind)+"'") {
				t.Errorf("%s.%s: index %q", kind, f.Name, sql)
			}
		}
	}
	page, err := s.List(ctx, store.Filter{Kind: resource.KindEvent, Fields: map[string]string{"subject_id": "n1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != "e1" {
		t.Errorf("list by subject_id: %+v", page.Items)
	}
}
