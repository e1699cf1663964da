package resource

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Copying plain specs. normalize copies a spec through JSON, which for
// every store write (an event at each phase change, a copy per location)
// was an encoding and a reflective decoding. A spec of a plain type is
// copied by assignment instead, which gives what the JSON decodes to as
// long as its strings are UTF-8 (encoding/json replaces the bytes of those
// that are not; those specs still go through JSON).

var (
	jsonMarshaler   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonNumber      = reflect.TypeFor[json.Number]()
)

// plainType reports whether the struct behind the spec type t copies
// through JSON exactly by assignment: every field exported, not embedded,
// encoded under a name of its own, of string, bool or integer kind, and no
// type involved has JSON or text methods of its own.
func plainType(t reflect.Type) bool {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || hasCodec(t) {
		return false
	}
	s := t.Elem()
	names := map[string]bool{}
	for i := range s.NumField() {
		f := s.Field(i)
		if !f.IsExported() || f.Anonymous || hasCodec(f.Type) || f.Type == jsonNumber {
			return false // json.Number: "" is written 0
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" || strings.Contains(opts, "string") {
			return false
		}
		if name == "" {
			name = f.Name
		}
		if key := strings.ToLower(name); names[key] {
			return false // encoding/json drops ambiguous names; decoding folds case
		} else {
			names[key] = true
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Bool,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return false
		}
	}
	return true
}

func hasCodec(t reflect.Type) bool {
	for _, c := range []reflect.Type{t, reflect.PointerTo(t)} {
		if c.Implements(jsonMarshaler) || c.Implements(jsonUnmarshaler) ||
			c.Implements(textMarshaler) || c.Implements(textUnmarshaler) {
			return true
		}
	}
	return false
}

// plainCopy returns a copy of spec, of a plain type, or nil when one of
// its strings is not UTF-8.
func plainCopy(spec Spec) Spec {
	v := reflect.ValueOf(spec).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String && !utf8.ValidString(f.String()) {
			return nil
		}
	}
	out := reflect.New(v.Type())
	out.Elem().Set(v)
	return out.Interface().(Spec)
}
