package resource

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPlainCopyAsJSON: normalize gives every built-in spec the value and
// JSON a JSON round trip gives it, whether its type is copied by
// assignment or not, with strings that are not UTF-8 or need escaping too.
func TestPlainCopyAsJSON(t *testing.T) {
	reg := NewBuiltinRegistry()
	plain := 0
	for _, k := range reg.Kinds() {
		e, _ := reg.entry(k)
		if e.plain {
			plain++
		}
		slow := *e
		slow.plain = false
		for _, s := range []string{"", "plain", "<&> \u2028 é \"q\"", "\xff\xfe", "a\x00b"} {
			spec := e.info.New()
			setStrings(reflect.ValueOf(spec).Elem(), s)
			want, wantJSON, wantExact, wantErr := reg.normalize(&slow, spec)
			got, gotJSON, gotExact, gotErr := reg.normalize(e, spec)
			if (gotErr != nil) != (wantErr != nil) {
				t.Fatalf("%s %q: error %v, the round trip's %v", k, s, gotErr, wantErr)
			}
			if gotErr != nil {
				continue
			}
			if string(gotJSON) != string(wantJSON) || gotExact != wantExact {
				t.Errorf("%s %q: JSON %s exact %v, the round trip's %s %v", k, s, gotJSON, gotExact, wantJSON, wantExact)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %q (-round trip +normalize):\n%s", k, s, diff)
			}
			if got == spec {
				t.Errorf("%s: normalize returned the caller's spec", k)
			}
		}
	}
	// The kinds written most (an event per phase change, a copy per
	// location) are the fast path's reason to be.
	for _, k := range []Kind{KindEvent, KindLocalNetwork} {
		if e, _ := reg.entry(k); !e.plain {
			t.Errorf("%s is not copied by assignment", k)
		}
	}
	if plain < 2 {
		t.Errorf("%d built-in kinds are plain", plain)
	}
}

// setStrings sets every settable string field of the struct v to s.
func setStrings(v reflect.Value, s string) {
	for i := range v.NumField() {
		if f := v.Field(i); f.CanSet() && f.Kind() == reflect.String {
			f.SetString(s)
		}
	}
}

// TestPlainType: only flat structs of strings, bools and integers, with
// names of their own and no codecs, are copied by assignment.
func TestPlainType(t *testing.T) {
	type named string
	tests := map[string]struct {
		v    any
		want bool
	}{
		"flat": {&struct {
			A string `json:"a,omitempty"`
			B int64
			C bool
			D named
			E uint8
		}{}, true},
		"skipped field": {&struct {
			A string `json:"-"`
		}{}, false},
		"named dash": {&struct {
			A string `json:"-,"`
		}{}, true},
		"string option": {&struct {
			A int `json:"a,string"`
		}{}, false},
		"unexported": {&struct{ a string }{}, false},
		"embedded":   {&struct{ Event }{}, false},
		"slice":      {&struct{ A []string }{}, false},
		"pointer":    {&struct{ A *int64 }{}, false},
		"map":        {&struct{ A map[string]string }{}, false},
		"float":      {&struct{ A float64 }{}, false},
		"folded name": {&struct {
			A string `json:"x"`
			B string `json:"X"`
		}{}, false},
		"own codec":       {&codecd{}, false},
		"json.Number":     {&struct{ A json.Number }{}, false},
		"text codec type": {&struct{ A textish }{}, false},
		"not a pointer":   {Event{}, false},
	}
	// Built at run time: vet rightly refuses the literal.
	tests["same name"] = struct {
		v    any
		want bool
	}{reflect.New(reflect.StructOf([]reflect.StructField{
		{Name: "A", Type: reflect.TypeFor[string](), Tag: `json:"x"`},
		{Name: "B", Type: reflect.TypeFor[string](), Tag: `json:"x"`},
	})).Interface(), false}
	for name, tc := range tests {
		if got := plainType(reflect.TypeOf(tc.v)); got != tc.want {
			t.Errorf("%s: plainType = %v, want %v", name, got, tc.want)
		}
	}
}

type textish string

func (textish) MarshalText() ([]byte, error) { return []byte("x"), nil }

type codecd struct{ A string }

func (codecd) MarshalJSON() ([]byte, error) { return []byte(`{}`), nil }
