package pgstore

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/engine"
)

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// fieldExpr is the SQL expression for a top-level spec field, the same in
// filters, sorts and indexes (so the planner matches them). The name is a
// literal, not a parameter, for that matching; only plain identifiers
// (which every registered field name is, by the registry's checks) are
// accepted, as in sqlitestore.
//
// Orders are SQLite's: text bytewise (COLLATE "C"); numbers and booleans as
// JSONB orders them, which is numerically, false before true. A JSON null
// is made SQL NULL, like a missing field, so both sort first ascending,
// ties broken by ID. Neither expression casts, so a row of another kind
// holding the same name with another type never makes a query fail.
func fieldExpr(field string, t resource.FieldType) (string, error) {
	if !identifier.MatchString(field) {
		return "", resource.InvalidField(field, "only fields named like identifiers can be queried")
	}
	if t == resource.FieldString {
		return `(doc ->> '` + field + `') COLLATE "C"`, nil
	}
	return `NULLIF(doc -> '` + field + `', 'null'::jsonb)`, nil
}

// fieldValue is a filter value as the parameter fieldExpr is compared to:
// text for strings, JSON for the rest.
func fieldValue(m engine.FieldMatch) any {
	switch v := m.Value.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return nil
}

// args collects a statement's parameters and numbers them.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

func whereClause(q *engine.Query, a *args) (string, error) {
	var conds []string
	eq := func(col, v string) {
		if v != "" {
			conds = append(conds, col+" = "+a.add(v))
		}
	}
	eq("kind", string(q.Kind))
	eq("tenant", q.Tenant)
	eq("location", q.Location)
	eq("id", q.ID)
	eq("name", q.Name)
	eq("phase", string(q.Phase))
	if q.AfterRevision != 0 {
		conds = append(conds, "revision > "+a.add(q.AfterRevision))
	}
	if q.Owner != nil {
		conds = append(conds, "owner_id = "+a.add(q.Owner.ID)+" AND owner_kind = "+a.add(string(q.Owner.Kind)))
	}
	if len(q.Labels) > 0 {
		b, err := json.Marshal(q.Labels)
		if err != nil {
			return "", resource.InvalidField("labels", "%v", err)
		}
		conds = append(conds, "labels @> "+a.add(string(b))+"::jsonb")
	}
	for _, m := range q.Fields {
		expr, err := fieldExpr(m.Name, m.Type)
		if err != nil {
			return "", err
		}
		v := a.add(fieldValue(m))
		if m.Type != resource.FieldString {
			v += "::jsonb"
		}
		conds = append(conds, expr+" = "+v)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), nil
}

var metaColumns = map[engine.MetaKey]string{
	engine.SortID: "id", engine.SortName: "name", engine.SortTenant: "tenant",
	engine.SortLocation: "location", engine.SortCreated: "created_at", engine.SortUpdated: "updated_at",
	engine.SortRevision: "revision",
}

func orderClause(k engine.SortKey) (string, error) {
	dir := " ASC"
	if k.Desc {
		dir = " DESC"
	}
	if col, ok := metaColumns[k.Meta]; ok {
		if col == "id" {
			return " ORDER BY id" + dir, nil
		}
		return " ORDER BY " + col + dir + ", id" + dir, nil
	}
	expr, err := fieldExpr(k.Field, k.Type)
	if err != nil {
		return "", err
	}
	// Missing values are the least, as in SQLite.
	nulls := " NULLS FIRST"
	if k.Desc {
		nulls = " NULLS LAST"
	}
	return " ORDER BY " + expr + dir + nulls + ", id" + dir, nil
}
