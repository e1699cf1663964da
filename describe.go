package orca

import (
	"reflect"
	"strings"
	"sync"
)

// descriptions finds the description field of spec types: the string
// field that JSON calls "description", as a copy's description is its
// parent's. Found once per type: reading it through JSON, as before, was
// the costliest part of deriving a copy's spec.
type descriptions struct {
	byType sync.Map // reflect.Type → []int, or nil when there is none
}

// field returns spec's description field, settable, or the zero Value
// when spec is not a pointer to a struct with one.
func (d *descriptions) field(spec any) reflect.Value {
	v := reflect.ValueOf(spec)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	t := v.Elem().Type()
	idx, ok := d.byType.Load(t)
	if !ok {
		idx = descriptionIndex(t)
		d.byType.Store(t, idx)
	}
	if idx.([]int) == nil {
		return reflect.Value{}
	}
	f, err := v.Elem().FieldByIndexErr(idx.([]int))
	if err != nil { // through a nil embedded pointer
		return reflect.Value{}
	}
	return f
}

// descriptionIndex is the index of t's exported string field named
// "description" in JSON (encoding/json matches names without regard to
// case), or nil.
func descriptionIndex(t reflect.Type) []int {
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous || f.Type.Kind() != reflect.String {
			continue
		}
		name := f.Name
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == "-" {
			continue
		} else if tag != "" {
			name = tag
		}
		if strings.EqualFold(name, "description") {
			return f.Index
		}
	}
	return nil
}
