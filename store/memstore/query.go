package memstore

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/orca-nfv/orca/store/engine"
)

// List filters, sorts and pages in Go. The ordering rules are SQLite's, so
// both stores return the same order: a missing value (JSON null) sorts before
// any value, numbers numerically, strings bytewise, false before true.
func (t *rowTx) List(ctx context.Context, q *engine.Query) ([]*engine.Row, int, error) {
	candidates := t.b.candidates(q)
	keys := t.b.fieldKeys(q)
	var matched []*memRow
	for _, r := range candidates {
		if matches(q, keys, r) {
			matched = append(matched, r)
		}
	}
	slices.SortFunc(matched, func(a, b *memRow) int {
		c := compareBy(q.Sort, a, b)
		if c == 0 {
			c = compareStrings(a.ID, b.ID)
		}
		if q.Sort.Desc {
			c = -c
		}
		return c
	})
	total := len(matched)
	matched = matched[min(q.Offset, total):]
	if q.Limit > 0 && len(matched) > q.Limit {
		matched = matched[:q.Limit]
	}
	out := make([]*engine.Row, len(matched))
	for i, r := range matched {
		out[i] = r.Row
	}
	return out, total, nil
}

// candidates returns the smallest indexed set that holds every match.
func (b *backend) candidates(q *engine.Query) map[string]*memRow {
	best := b.rows
	consider := func(set map[string]*memRow) {
		if len(set) < len(best) {
			best = set
		}
	}
	if q.ID != "" {
		one := map[string]*memRow{}
		if r, ok := b.rows[q.ID]; ok {
			one[q.ID] = r
		}
		consider(one)
	}
	if q.Kind != "" {
		consider(b.byKind[q.Kind])
	}
	if q.Owner != nil {
		consider(b.byOwner[q.Owner.ID])
	}
	if q.Location != "" {
		consider(b.byLocation[q.Location])
	}
	for _, m := range q.Fields {
		if !b.isIndexed(q.Kind, m.Name) {
			continue // not in the index: the kind's rows are scanned
		}
		if v, err := json.Marshal(m.Value); err == nil {
			consider(b.byField[fieldKey(q.Kind, m.Name, v)])
		}
	}
	return best
}

// fieldKeys returns, per field match, its key in the field index, or ""
// for a field outside it. A row holds the key exactly when its value equals
// the match's (the index answers lists on that premise), so an indexed
// field is matched without decoding the row's spec.
func (b *backend) fieldKeys(q *engine.Query) []string {
	if len(q.Fields) == 0 {
		return nil
	}
	keys := make([]string, len(q.Fields))
	for i, m := range q.Fields {
		if !b.isIndexed(q.Kind, m.Name) {
			continue
		}
		if v, err := json.Marshal(m.Value); err == nil {
			keys[i] = fieldKey(q.Kind, m.Name, v)
		}
	}
	return keys
}

func matches(q *engine.Query, keys []string, r *memRow) bool {
	switch {
	case q.Kind != "" && r.Kind != q.Kind,
		q.Tenant != "" && r.Tenant != q.Tenant,
		q.Location != "" && r.Location != q.Location,
		q.ID != "" && r.ID != q.ID,
		q.Name != "" && r.Name != q.Name,
		q.Phase != "" && r.Phase != q.Phase,
		q.AfterRevision != 0 && r.Revision <= q.AfterRevision,
		q.Owner != nil && (r.Owner == nil || *r.Owner != *q.Owner):
		return false
	}
	for k, v := range q.Labels {
		if got, ok := r.Labels[k]; !ok || got != v {
			return false
		}
	}
	for i, m := range q.Fields {
		if keys[i] != "" {
			if !slices.Contains(r.keys, keys[i]) {
				return false
			}
			continue
		}
		if !fieldEquals(r.field(m.Name), m) {
			return false
		}
	}
	return true
}

func fieldEquals(v any, m engine.FieldMatch) bool {
	switch want := m.Value.(type) {
	case string:
		got, ok := v.(string)
		return ok && got == want
	case bool:
		got, ok := v.(bool)
		return ok && got == want
	case int64:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		got, err := n.Int64()
		return err == nil && got == want
	case float64:
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		got, err := n.Float64()
		return err == nil && got == want
	}
	return false
}

// compareBy compares two rows ascending by the sort key (ties are broken by
// the caller).
func compareBy(k engine.SortKey, a, b *memRow) int {
	switch k.Meta {
	case engine.SortID:
		return compareStrings(a.ID, b.ID)
	case engine.SortName:
		return compareStrings(a.Name, b.Name)
	case engine.SortTenant:
		return compareStrings(a.Tenant, b.Tenant)
	case engine.SortLocation:
		return compareStrings(a.Location, b.Location)
	case engine.SortCreated:
		return a.CreatedAt.Compare(b.CreatedAt)
	case engine.SortUpdated:
		return a.UpdatedAt.Compare(b.UpdatedAt)
	case engine.SortRevision:
		return cmp.Compare(a.Revision, b.Revision)
	}
	return compareValues(a.field(k.Field), b.field(k.Field))
}

// compareValues orders JSON scalars as SQLite orders what json_extract
// returns: NULL, then numbers (booleans are 0 and 1), then text.
func compareValues(a, b any) int {
	ca, cb := class(a), class(b)
	if ca != cb {
		return cmp.Compare(ca, cb)
	}
	switch ca {
	case 1:
		ai, aok := integer(a)
		bi, bok := integer(b)
		if aok && bok {
			return cmp.Compare(ai, bi) // exact beyond 2^53
		}
		return cmp.Compare(number(a), number(b))
	case 2:
		return compareStrings(a.(string), b.(string))
	}
	return 0
}

func class(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case json.Number, bool:
		return 1
	case string:
		return 2
	}
	return 3 // objects and arrays: never a sort key (engine.Compile refuses them)
}

func integer(v any) (int64, bool) {
	switch v := v.(type) {
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case json.Number:
		i, err := v.Int64()
		return i, err == nil
	}
	return 0, false
}

func number(v any) float64 {
	if i, ok := integer(v); ok {
		return float64(i)
	}
	if n, ok := v.(json.Number); ok {
		f, _ := n.Float64()
		return f
	}
	return 0
}

func compareStrings(a, b string) int { return cmp.Compare(a, b) }
