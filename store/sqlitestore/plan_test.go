package sqlitestore

import (
	"context"
	"path/filepath"
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
		"by an indexed field":  {store.Filter{Kind: resource.KindEvent, Fields: map[string]string{"subject_id": "x"}}, "resources_field_subject_id"},
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
