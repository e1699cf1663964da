package jsonpatch

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

// TestRFC6902 runs the examples of RFC 6902's appendix A, and the
// pointer cases of RFC 6901.
func TestRFC6902(t *testing.T) {
	for name, tc := range map[string]struct {
		doc, patch, want string
		wantErr          string
	}{
		"A.1 add an object member":    {`{"foo":"bar"}`, `[{"op":"add","path":"/baz","value":"qux"}]`, `{"baz":"qux","foo":"bar"}`, ""},
		"A.2 add an array element":    {`{"foo":["bar","baz"]}`, `[{"op":"add","path":"/foo/1","value":"qux"}]`, `{"foo":["bar","qux","baz"]}`, ""},
		"A.3 remove an object member": {`{"baz":"qux","foo":"bar"}`, `[{"op":"remove","path":"/baz"}]`, `{"foo":"bar"}`, ""},
		"A.4 remove an array element": {`{"foo":["bar","qux","baz"]}`, `[{"op":"remove","path":"/foo/1"}]`, `{"foo":["bar","baz"]}`, ""},
		"A.5 replace a value":         {`{"baz":"qux","foo":"bar"}`, `[{"op":"replace","path":"/baz","value":"boo"}]`, `{"baz":"boo","foo":"bar"}`, ""},
		"A.6 move a value": {`{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}`,
			`[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]`,
			`{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}`, ""},
		"A.7 move an array element": {`{"foo":["all","grass","cows","eat"]}`, `[{"op":"move","from":"/foo/1","path":"/foo/3"}]`,
			`{"foo":["all","cows","eat","grass"]}`, ""},
		"A.8 test a value, success": {`{"baz":"qux","foo":["a",2,"c"]}`,
			`[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]`,
			`{"baz":"qux","foo":["a",2,"c"]}`, ""},
		"A.9 test a value, error":            {`{"baz":"qux"}`, `[{"op":"test","path":"/baz","value":"bar"}]`, "", "test failed"},
		"A.10 add a nested member":           {`{"foo":"bar"}`, `[{"op":"add","path":"/child","value":{"grandchild":{}}}]`, `{"foo":"bar","child":{"grandchild":{}}}`, ""},
		"A.12 add to a missing parent":       {`{"foo":"bar"}`, `[{"op":"add","path":"/baz/bat","value":"qux"}]`, "", "/baz does not exist"},
		"A.14 ~ escaping":                    {`{"/":9,"~1":10}`, `[{"op":"test","path":"/~01","value":10}]`, `{"/":9,"~1":10}`, ""},
		"A.15 comparing strings and numbers": {`{"/":9,"~1":10}`, `[{"op":"test","path":"/~01","value":"10"}]`, "", "test failed"},
		"A.16 add an array value":            {`{"foo":["bar"]}`, `[{"op":"add","path":"/foo/-","value":["abc","def"]}]`, `{"foo":["bar",["abc","def"]]}`, ""},
		"copy":                               {`{"a":{"b":1}}`, `[{"op":"copy","from":"/a","path":"/c"}]`, `{"a":{"b":1},"c":{"b":1}}`, ""},
		"replace the whole document":         {`{"a":1}`, `[{"op":"replace","path":"","value":[1]}]`, `[1]`, ""},
		"replace a missing member":           {`{"a":1}`, `[{"op":"replace","path":"/b","value":2}]`, "", "/b does not exist"},
		"remove a missing member":            {`{"a":1}`, `[{"op":"remove","path":"/b"}]`, "", "/b does not exist"},
		"index out of range":                 {`{"a":[1]}`, `[{"op":"add","path":"/a/2","value":2}]`, "", "out of range"},
		"leading zero index":                 {`{"a":[1,2]}`, `[{"op":"remove","path":"/a/01"}]`, "", "not an array index"},
		"move into itself":                   {`{"a":{"b":{}}}`, `[{"op":"move","from":"/a","path":"/a/b/c"}]`, "", "into itself"},
		"a later failure undoes nothing it did to the input": {`{"a":1}`,
			`[{"op":"add","path":"/b","value":2},{"op":"remove","path":"/zz"}]`, "", "operation 1"},
	} {
		t.Run(name, func(t *testing.T) {
			doc := decodeJSON(t, tc.doc)
			before := decodeJSON(t, tc.doc)
			ops, err := Decode([]byte(tc.patch))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got, err := Apply(doc, ops)
			if diff := cmp.Diff(before, doc); diff != "" {
				t.Errorf("Apply changed its input (-before +after):\n%s", diff)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || resource.CodeOf(err) != resource.Invalid {
					t.Fatalf("Apply = %v, want an Invalid error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if diff := cmp.Diff(decodeJSON(t, tc.want), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ patch, want string }{
		"not an array":     {`{"op":"add"}`, "array"},
		"not JSON":         {`[{"op":`, "array"},
		"null":             {`null`, "array"},
		"trailing data":    {`[] []`, "unexpected data"},
		"unknown op":       {`[{"op":"merge","path":"/a"}]`, `unknown op "merge"`},
		"op not a string":  {`[{"op":1,"path":"/a"}]`, `"op" must be a string`},
		"missing path":     {`[{"op":"remove"}]`, `"path" is required`},
		"bad pointer":      {`[{"op":"remove","path":"a"}]`, "not a JSON Pointer"},
		"bad escape":       {`[{"op":"remove","path":"/a~2"}]`, "~ not followed"},
		"missing value":    {`[{"op":"add","path":"/a"}]`, `needs a "value"`},
		"missing from":     {`[{"op":"move","path":"/a"}]`, `"from" is required`},
		"a stray member":   {`[{"op":"remove","path":"/a","value":1}]`, `member "value" does not belong`},
		"second op is bad": {`[{"op":"remove","path":"/a"},{"op":"test"}]`, "operation 1"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode([]byte(tc.patch))
			if err == nil || !strings.Contains(err.Error(), tc.want) || resource.CodeOf(err) != resource.Invalid {
				t.Errorf("Decode = %v, want an Invalid error containing %q", err, tc.want)
			}
		})
	}
	if _, err := Decode([]byte("[" + strings.Repeat(`{"op":"test","path":"","value":1},`, MaxOperations) + `{"op":"test","path":"","value":1}]`)); err == nil {
		t.Error("a patch over the limit was accepted")
	}
}

// FuzzPatch: no document and patch make Decode or Apply panic, every
// refusal is Invalid, Apply never changes its input, and a patch that
// applies yields a JSON-encodable document.
func FuzzPatch(f *testing.F) {
	f.Add(`{"name":"a","extra":{"k":"v"},"list":[1,2]}`, `[{"op":"replace","path":"/extra/k","value":"w"},{"op":"add","path":"/list/-","value":3}]`)
	f.Add(`{"a":{"b":[]}}`, `[{"op":"move","from":"/a/b","path":"/c"},{"op":"copy","from":"/c","path":"/a/d"}]`)
	f.Add(`[1,[2]]`, `[{"op":"remove","path":"/1/0"},{"op":"test","path":"/0","value":1}]`)
	f.Add(`{}`, `[{"op":"add","path":"/~01~0","value":null}]`)
	f.Fuzz(func(t *testing.T, doc, patch string) {
		var d any
		if json.Unmarshal([]byte(doc), &d) != nil {
			return
		}
		before, _ := json.Marshal(d)
		ops, err := Decode([]byte(patch))
		if err != nil {
			if resource.CodeOf(err) != resource.Invalid {
				t.Fatalf("Decode error %v is not Invalid", err)
			}
			return
		}
		out, err := Apply(d, ops)
		if after, _ := json.Marshal(d); string(after) != string(before) {
			t.Fatalf("Apply changed its input: %s -> %s", before, after)
		}
		if err != nil {
			if resource.CodeOf(err) != resource.Invalid {
				t.Fatalf("Apply error %v is not Invalid", err)
			}
			return
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("the result cannot be encoded: %v", err)
		}
	})
}
