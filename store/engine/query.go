package engine

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// MetaKey names a metadata column a query can sort on.
type MetaKey string

const (
	SortID       MetaKey = "id"
	SortName     MetaKey = "name"
	SortTenant   MetaKey = "tenant_id"
	SortLocation MetaKey = "location_id"
	SortCreated  MetaKey = "created_at"
	SortUpdated  MetaKey = "updated_at"
	// SortRevision orders by last write: for rows never updated (events),
	// creation order without ties.
	SortRevision MetaKey = "revision"
)

var metaKeys = []MetaKey{SortID, SortName, SortTenant, SortLocation, SortCreated, SortUpdated, SortRevision}

// FieldMatch is an equality test on a top-level spec field. Value is a
// string, int64, float64 or bool, as Type says.
type FieldMatch struct {
	Name  string
	Type  resource.FieldType
	Value any
}

// SortKey orders a query: by a metadata column (Meta) or, when Meta is "", by
// the spec field Field of type Type. Ties are broken by ID in the same
// direction. Rows lacking the field (JSON null) sort first ascending, last
// descending.
type SortKey struct {
	Meta  MetaKey
	Field string
	Type  resource.FieldType
	Desc  bool
}

// Query is a store.Filter checked against the registry: every field known
// and scalar, every value parsed to its field's type.
type Query struct {
	Kind     resource.Kind
	Tenant   string
	Location string
	Owner    *resource.Ref
	ID       string
	Name     string
	Phase    resource.Phase
	// AfterRevision: revision > AfterRevision when not 0.
	AfterRevision int64
	Labels        map[string]string
	Fields        []FieldMatch // sorted by Name
	Sort          SortKey
	Limit         int // 0: no cap
	Offset        int
	// KeysOnly lets the backend fill only Kind, ID and Revision of the
	// rows it returns: the engine reads the rest of those it needs.
	KeysOnly bool
	// known is the filter's Known.
	known func(resource.Ref, int64) bool
}

// byIDOnly reports whether q selects by ID (and perhaps kind) alone: at
// most one row, whatever the order and limit.
func (q *Query) byIDOnly() bool {
	return q.ID != "" && q.Tenant == "" && q.Location == "" && q.Owner == nil && q.Name == "" &&
		q.Phase == "" && q.AfterRevision == 0 && len(q.Labels) == 0 && len(q.Fields) == 0
}

// Compile checks f against reg. Every problem is Invalid and names the
// filter parameter.
func Compile(reg *resource.Registry, f store.Filter) (*Query, error) {
	q := &Query{
		Kind: f.Kind, Tenant: f.Tenant, Location: f.Location, ID: f.ID, Name: f.Name,
		Phase: f.Phase, AfterRevision: f.AfterRevision, Labels: f.Labels, Limit: f.Limit, Offset: f.Offset,
		KeysOnly: f.Known != nil, known: f.Known,
	}
	if f.Owner != nil {
		o := *f.Owner
		q.Owner = &o
	}
	if f.Kind != "" {
		if !reg.Has(f.Kind) {
			return nil, resource.InvalidField("kind", "unknown kind %q", f.Kind)
		}
	}
	if f.Phase != "" && !f.Phase.Valid() {
		return nil, resource.InvalidField("status", "%q is not a phase", f.Phase)
	}
	if f.Limit < 0 {
		return nil, resource.InvalidField("limit", "must not be negative")
	}
	if f.Offset < 0 {
		return nil, resource.InvalidField("offset", "must not be negative")
	}
	for name, text := range f.Fields {
		fld, err := scalarField(reg, f.Kind, name, name)
		if err != nil {
			return nil, err
		}
		v, err := parseValue(fld.Type, text)
		if err != nil {
			return nil, resource.InvalidField(name, "%q is not a valid %s", text, fld.Type)
		}
		q.Fields = append(q.Fields, FieldMatch{Name: name, Type: fld.Type, Value: v})
	}
	slices.SortFunc(q.Fields, func(a, b FieldMatch) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})

	q.Sort.Desc = f.Desc
	switch key := MetaKey(f.Sort); {
	case f.Sort == "":
		q.Sort.Meta = SortID
	case slices.Contains(metaKeys, key):
		q.Sort.Meta = key
	default:
		fld, err := scalarField(reg, f.Kind, f.Sort, "sort_key")
		if err != nil {
			return nil, err
		}
		q.Sort.Field, q.Sort.Type = fld.Name, fld.Type
	}
	return q, nil
}

func scalarField(reg *resource.Registry, kind resource.Kind, name, param string) (resource.Field, error) {
	if kind == "" {
		return resource.Field{}, resource.InvalidField(param, "filtering or sorting on %q needs a kind", name)
	}
	fld, ok := reg.Field(kind, name)
	if !ok {
		return resource.Field{}, resource.InvalidField(param, "%s has no field %q", kind, name)
	}
	if !fld.Type.Scalar() {
		return resource.Field{}, resource.InvalidField(param, "%s.%s is an %s; only strings, numbers and booleans can be filtered or sorted on", kind, name, fld.Type)
	}
	return fld, nil
}

func parseValue(t resource.FieldType, s string) (any, error) {
	switch t {
	case resource.FieldString:
		return s, nil
	case resource.FieldInt:
		return strconv.ParseInt(s, 10, 64)
	case resource.FieldFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
			return nil, fmt.Errorf("not finite")
		}
		return f, err
	case resource.FieldBool:
		return strconv.ParseBool(s)
	}
	return nil, fmt.Errorf("type %v cannot be filtered", t)
}
