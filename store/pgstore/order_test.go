package pgstore

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/engine"
	"github.com/orca-nfv/orca/store/sqlitestore"
)

// gadget is a test kind with a field of every scalar type, nullable ones
// included.
type gadget struct {
	Label string   `json:"label" orca:"index"`
	Count int64    `json:"count"`
	Ratio float64  `json:"ratio"`
	On    bool     `json:"on"`
	Opt   *int64   `json:"opt"`
	Note  *string  `json:"note"`
	Score *float64 `json:"score,omitempty"`
}

func (g *gadget) Validate() error              { return nil }
func (g *gadget) Dependencies() []resource.Ref { return nil }

func gadgetRegistry(t *testing.T) *resource.Registry {
	t.Helper()
	reg := resource.NewBuiltinRegistry()
	err := reg.Register(resource.KindInfo{
		Kind: "gadget", Singular: "gadget", Plural: "gadgets", Path: "/v1.0/gadgets",
		New: func() resource.Spec { return new(gadget) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// gadgets exercise what orderings disagree on: case, accents and
// punctuation (bytewise in SQLite, not in most collations), digits as text,
// negative and large numbers, -0, and missing values, with ties.
func gadgets() []*gadget {
	i := func(v int64) *int64 { return &v }
	s := func(v string) *string { return &v }
	f := func(v float64) *float64 { return &v }
	return []*gadget{
		{Label: "a", Count: 3, Ratio: 0.5, On: true, Opt: i(-2), Note: s("x")},
		{Label: "B", Count: -7, Ratio: -1.25, Opt: nil, Note: nil, Score: f(2)},
		{Label: "b", Count: 1 << 53, Ratio: 1e21, On: true, Opt: i(0), Note: s("")},
		{Label: "é", Count: 0, Ratio: math.Copysign(0, -1), Opt: i(1 << 40), Note: s("X")},
		{Label: "_z", Count: 1<<53 + 1, Ratio: 0, Opt: i(-2), Note: s("x y")},
		{Label: "Z", Count: 3, Ratio: 1e-7, On: true, Opt: nil, Score: f(-3.5)},
		{Label: "10", Count: math.MinInt64, Ratio: 0.1, Opt: i(math.MaxInt64), Note: s("10")},
		{Label: "9", Count: math.MaxInt64, Ratio: 0.5, Note: s("9")},
		{Label: "", Count: 3, Ratio: 2, On: true, Opt: i(7), Note: s("é")},
		{Label: "a b", Count: -1, Ratio: -0.5, Opt: i(7), Note: s("Z")},
		{Label: "a", Count: 2, Ratio: 0.5, Note: s("a")},
	}
}

// icuDatabase creates a database whose default collation is ICU's en-US
// (where "b" < "B" < "é" < "Z", unlike bytewise), dropped at the end, and
// returns a DSN for it; or the shared database's DSN when the server has
// no ICU.
func icuDatabase(t *testing.T, c *cluster) string {
	name := fmt.Sprintf("icu_%d_%d", os.Getpid(), schemaSeq.Add(1))
	_, err := c.admin.Exec(t.Context(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+
		" LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C' TEMPLATE template0")
	if err != nil {
		t.Logf("no ICU database (%v): the database's default collation is tested instead", err)
		return freshSchema(t)
	}
	dsn := withDatabase(t, c.dsn, name)
	admin, err := pgxpool.New(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Close()
		if _, err := c.admin.Exec(context.Background(), "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	var collation string
	if err := admin.QueryRow(t.Context(), `SELECT string_agg(x, ' ' ORDER BY x) FROM unnest(ARRAY['a','B','b','Z']) x`).Scan(&collation); err != nil {
		t.Fatal(err)
	}
	if collation == "B Z a b" {
		t.Fatalf("the ICU database sorts bytewise (%q): the test would prove nothing", collation)
	}
	return c.schemaIn(t, admin, dsn)
}

// TestOrderMatchesSQLite writes the same resources to sqlitestore and
// pgstore and checks that every sort key, both directions, with and without
// paging, and every field filter give the same IDs in the same order, on a
// database whose default collation is not bytewise.
func TestOrderMatchesSQLite(t *testing.T) {
	c := needPG(t)
	ctx := t.Context()
	reg := gadgetRegistry(t)
	pgs, err := Open(ctx, icuDatabase(t, c), &Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pgs.Close() })
	lite, err := sqlitestore.Open(filepath.Join(t.TempDir(), "orca.db"), &sqlitestore.Options{Registry: gadgetRegistry(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })

	for i, g := range gadgets() {
		for _, s := range []store.Store{pgs, lite} {
			spec := *g
			r := &resource.Resource{Ref: resource.Ref{Kind: "gadget", ID: fmt.Sprintf("g%02d", i)},
				Name: g.Label, Tenant: []string{"t-b", "T-a", "t-a"}[i%3], Spec: &spec}
			if _, err := s.Create(ctx, r); err != nil {
				t.Fatalf("create %s: %v", r.ID, err)
			}
		}
	}
	list := func(t *testing.T, s store.Store, f store.Filter) []string {
		t.Helper()
		page, err := s.List(ctx, f)
		if err != nil {
			t.Fatalf("List(%+v): %v", f, err)
		}
		ids := []string{}
		for _, r := range page.Items {
			ids = append(ids, r.ID)
		}
		return append(ids, fmt.Sprintf("total=%d", page.Total))
	}
	var filters []store.Filter
	for _, key := range []string{"", "name", "tenant_id", "label", "count", "ratio", "on", "opt", "note", "score"} {
		for _, desc := range []bool{false, true} {
			filters = append(filters,
				store.Filter{Kind: "gadget", Sort: key, Desc: desc},
				store.Filter{Kind: "gadget", Sort: key, Desc: desc, Limit: 4, Offset: 3})
		}
	}
	for _, g := range gadgets() {
		fields := map[string]string{"label": g.Label, "count": fmt.Sprint(g.Count),
			"ratio": fmt.Sprint(g.Ratio), "on": fmt.Sprint(g.On)}
		if g.Opt != nil {
			fields["opt"] = fmt.Sprint(*g.Opt)
		}
		if g.Note != nil {
			fields["note"] = *g.Note
		}
		for k, v := range fields {
			filters = append(filters, store.Filter{Kind: "gadget", Fields: map[string]string{k: v}})
		}
	}
	filters = append(filters, store.Filter{Kind: "gadget", Fields: map[string]string{"ratio": "1e21"}},
		store.Filter{Kind: "gadget", Fields: map[string]string{"ratio": "0"}},
		store.Filter{Kind: "gadget", Fields: map[string]string{"count": "9007199254740993"}})
	for _, f := range filters {
		t.Run(fmt.Sprintf("%v", f), func(t *testing.T) {
			want := list(t, lite, f)
			if diff := cmp.Diff(want, list(t, pgs, f)); diff != "" {
				t.Errorf("pgstore against sqlitestore (-sqlite +pg):\n%s", diff)
			}
		})
	}
}

// TestFieldIndexesServeFilters checks that the indexes created at open for
// the registry's indexed fields are on the very expressions filters use:
// with sequential scans off, the planner uses them.
func TestFieldIndexesServeFilters(t *testing.T) {
	needPG(t)
	ctx := t.Context()
	reg := gadgetRegistry(t)
	dsn := freshSchema(t)
	s, err := Open(ctx, dsn, &Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	indexed := reg.IndexedFields()
	if len(indexed["gadget"]) != 1 || len(indexed[resource.KindEvent]) == 0 {
		t.Fatalf("indexed fields: %v", indexed)
	}
	for kind, fields := range indexed {
		for _, fld := range fields {
			t.Run(string(kind)+"."+fld.Name, func(t *testing.T) {
				var value any = "x"
				switch fld.Type {
				case resource.FieldInt:
					value = int64(1)
				case resource.FieldBool:
					value = true
				}
				q := &engine.Query{Kind: kind, Fields: []engine.FieldMatch{{Name: fld.Name, Type: fld.Type, Value: value}}}
				var a args
				where, err := whereClause(q, &a)
				if err != nil {
					t.Fatal(err)
				}
				rows, err := conn.Query(ctx, "EXPLAIN SELECT id FROM resources"+where, a...)
				if err != nil {
					t.Fatal(err)
				}
				plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					t.Fatal(err)
				}
				name := indexName(fld.Name, fld.Type)
				if !strings.Contains(strings.Join(plan, "\n"), name) {
					t.Errorf("the filter on %s.%s does not use %s:\n%s", kind, fld.Name, name, strings.Join(plan, "\n"))
				}
			})
		}
	}
}

// gizmoV1 and gizmoV2 are one kind before and after a field was added:
// rows written before lack the key, rows written after hold null.
type gizmoV1 struct {
	A int64 `json:"a"`
}

type gizmoV2 struct {
	A   int64  `json:"a"`
	Opt *int64 `json:"opt"`
}

func (g *gizmoV1) Validate() error              { return nil }
func (g *gizmoV1) Dependencies() []resource.Ref { return nil }
func (g *gizmoV2) Validate() error              { return nil }
func (g *gizmoV2) Dependencies() []resource.Ref { return nil }

// TestOrderMissingAndNull: a missing field and a JSON null are the same
// "null" to SQLite, so they sort together, ties by ID, not in two groups.
func TestOrderMissingAndNull(t *testing.T) {
	needPG(t)
	ctx := t.Context()
	registry := func(spec func() resource.Spec) *resource.Registry {
		reg := resource.NewBuiltinRegistry()
		if err := reg.Register(resource.KindInfo{Kind: "gizmo", Singular: "gizmo", Plural: "gizmos", Path: "/v1.0/gizmos", New: spec}); err != nil {
			t.Fatal(err)
		}
		return reg
	}
	dsn, path := freshSchema(t), filepath.Join(t.TempDir(), "orca.db")
	open := func(reg *resource.Registry) []store.Store {
		p, err := Open(ctx, dsn, &Options{Registry: reg})
		if err != nil {
			t.Fatal(err)
		}
		l, err := sqlitestore.Open(path, &sqlitestore.Options{Registry: reg})
		if err != nil {
			t.Fatal(err)
		}
		return []store.Store{p, l}
	}
	seven := int64(7)
	write := func(stores []store.Store, specs map[string]resource.Spec) {
		for _, s := range stores {
			for id, spec := range specs {
				if _, err := s.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: "gizmo", ID: id}, Tenant: "t", Spec: spec}); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
		}
	}
	write(open(registry(func() resource.Spec { return new(gizmoV1) })),
		map[string]resource.Spec{"g1": &gizmoV1{A: 1}, "g3": &gizmoV1{A: 3}})
	write(open(registry(func() resource.Spec { return new(gizmoV2) })),
		map[string]resource.Spec{"g2": &gizmoV2{A: 2}, "g4": &gizmoV2{A: 4}, "g0": &gizmoV2{Opt: &seven}})
	stores := open(registry(func() resource.Spec { return new(gizmoV2) }))
	t.Cleanup(func() { stores[0].Close(); stores[1].Close() })
	for _, desc := range []bool{false, true} {
		var got [2][]string
		for i, s := range stores {
			page, err := s.List(ctx, store.Filter{Kind: "gizmo", Sort: "opt", Desc: desc})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Items {
				got[i] = append(got[i], r.ID)
			}
		}
		want := []string{"g1", "g2", "g3", "g4", "g0"}
		if desc {
			want = []string{"g0", "g4", "g3", "g2", "g1"}
		}
		if diff := cmp.Diff(want, got[1]); diff != "" {
			t.Fatalf("sqlitestore, desc=%v (-want +got):\n%s", desc, diff)
		}
		if diff := cmp.Diff(got[1], got[0]); diff != "" {
			t.Errorf("desc=%v: pgstore against sqlitestore (-sqlite +pg):\n%s", desc, diff)
		}
	}
}
