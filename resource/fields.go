package resource

import (
	"fmt"
	"reflect"
	"strings"
)

// FieldType is the JSON shape of a spec field, which decides how stores
// filter and sort on it.
type FieldType int

const (
	FieldString FieldType = iota + 1
	FieldInt
	FieldFloat
	FieldBool
	// FieldObject covers objects and arrays: stored, never filtered or
	// sorted on.
	FieldObject
)

func (t FieldType) String() string {
	switch t {
	case FieldString:
		return "string"
	case FieldInt:
		return "integer"
	case FieldFloat:
		return "number"
	case FieldBool:
		return "boolean"
	case FieldObject:
		return "object"
	}
	return fmt.Sprintf("FieldType(%d)", int(t))
}

// Scalar reports whether stores can filter and sort on the type.
func (t FieldType) Scalar() bool { return t != FieldObject }

// Mutability says what may happen to a field after creation.
type Mutability int

const (
	// Immutable fields cannot change: an update that changes one is Invalid.
	Immutable Mutability = iota
	// Mutable fields change in place.
	Mutable
	// Replace fields may change, but the VIM object must be replaced.
	Replace
)

func (m Mutability) String() string {
	switch m {
	case Immutable:
		return "immutable"
	case Mutable:
		return "mutable"
	case Replace:
		return "replace"
	}
	return fmt.Sprintf("Mutability(%d)", int(m))
}

// Field describes one top-level spec field, as read from the spec struct's
// json and orca tags.
type Field struct {
	// Name is the JSON (wire) name.
	Name string
	Type FieldType
	// Ref is the kind whose ID the field holds, or "".
	Ref        Kind
	Mutability Mutability
	// Indexed fields are looked up by equality often enough that stores
	// keep an index on them (tag orca:"index"); scalar fields only.
	Indexed bool
	// Secret fields are never rendered by the HTTP layers (tag
	// orca:"secret"), even encrypted.
	Secret bool

	index []int // reflect path to the struct field
}

// specFields reads the fields of a spec struct type (a pointer to a struct).
// Embedded structs are flattened as encoding/json does.
func specFields(t reflect.Type) ([]Field, error) {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("spec type %v is not a pointer to a struct", t)
	}
	var out []Field
	seen := map[string]bool{}
	var walk func(st reflect.Type, prefix []int) error
	walk = func(st reflect.Type, prefix []int) error {
		for i := 0; i < st.NumField(); i++ {
			sf := st.Field(i)
			index := append(append([]int(nil), prefix...), i)
			tag := sf.Tag.Get("json")
			name, _, _ := strings.Cut(tag, ",")
			if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
				if err := walk(sf.Type, index); err != nil {
					return err
				}
				continue
			}
			if !sf.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if seen[name] {
				return fmt.Errorf("field %q appears twice", name)
			}
			seen[name] = true
			f := Field{Name: name, Type: fieldType(sf.Type), index: index}
			if err := parseOrcaTag(&f, sf.Tag.Get("orca")); err != nil {
				return fmt.Errorf("field %q: %w", name, err)
			}
			out = append(out, f)
		}
		return nil
	}
	if err := walk(t.Elem(), nil); err != nil {
		return nil, err
	}
	return out, nil
}

func fieldType(t reflect.Type) FieldType {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return FieldString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return FieldInt
	case reflect.Float32, reflect.Float64:
		return FieldFloat
	case reflect.Bool:
		return FieldBool
	}
	return FieldObject
}

func parseOrcaTag(f *Field, tag string) error {
	if tag == "" {
		return nil
	}
	for _, tok := range strings.Split(tag, ",") {
		switch {
		case tok == "mutable":
			f.Mutability = Mutable
		case tok == "replace":
			f.Mutability = Replace
		case tok == "secret":
			f.Secret = true
		case tok == "index":
			if !f.Type.Scalar() {
				return fmt.Errorf("index needs a string, number or boolean field")
			}
			f.Indexed = true
		case strings.HasPrefix(tok, "ref="):
			k := Kind(strings.TrimPrefix(tok, "ref="))
			if err := checkKindName(k); err != nil {
				return err
			}
			if f.Type != FieldString {
				return fmt.Errorf("ref= needs a string field")
			}
			f.Ref = k
		default:
			return fmt.Errorf("unknown orca tag option %q", tok)
		}
	}
	return nil
}

// stringAt returns the string value of field f in spec v (a pointer to a
// struct), or "" when the field is not a string.
func (f *Field) stringAt(v reflect.Value) string {
	fv := v.Elem().FieldByIndex(f.index)
	if fv.Kind() == reflect.String {
		return fv.String()
	}
	return ""
}
