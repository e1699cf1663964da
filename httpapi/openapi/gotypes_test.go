package openapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

type inner struct {
	A string `json:"a"`
	B *bool  `json:"b,omitempty"`
}

type Embedded struct {
	E int64 `json:"e"`
}

type outer struct {
	Embedded
	In      inner             `json:"in"`
	List    []inner           `json:"list,omitempty"`
	Labels  map[string]string `json:"labels"`
	Free    map[string]any    `json:"free"`
	When    time.Time         `json:"when,omitzero"`
	Phase   resource.Phase    `json:"phase"`
	Sealed  []byte            `json:"sealed"`
	Skipped string            `json:"-"`
	Dash    string            `json:"-,"`
	hidden  string
}

type loop struct {
	Next *loop `json:"next"`
}

// TestGoSchema: Go types are described as encoding/json writes them:
// nil-able values admit null, omitempty fields are not required in
// answers, inputs refuse unknown fields, embedded structs are flattened,
// and a recursive type ends.
func TestGoSchema(t *testing.T) {
	for name, tc := range map[string]struct {
		typ  reflect.Type
		mode mode
		want string
	}{
		"pointer to integer": {reflect.TypeFor[*int64](), answer, `{"type":["integer","null"]}`},
		"slice of strings":   {reflect.TypeFor[[]string](), answer, `{"type":["array","null"],"items":{"type":"string"}}`},
		"kind":               {reflect.TypeFor[resource.Kind](), answer, `{"type":"string","enum":["network","server"]}`},
		"struct, answered": {reflect.TypeFor[outer](), answer, `{"type":"object","properties":{
			"e":{"type":"integer"},
			"in":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":["boolean","null"]}},"required":["a"]},
			"list":{"type":["array","null"],"items":{"type":"object","properties":{"a":{"type":"string"},"b":{"type":["boolean","null"]}},"required":["a"]}},
			"labels":{"type":["object","null"],"additionalProperties":{"type":"string"}},
			"free":{"type":["object","null"]},
			"when":{"type":"string","format":"date-time"},
			"phase":{"type":"string","enum":["Pending","Provisioning","Ready","Updating","Deleting","Failed"]},
			"sealed":{"type":["string","null"],"format":"byte","description":"base64"},
			"-":{"type":"string"}},
			"required":["e","in","labels","free","phase","sealed","-"]}`},
		"struct, accepted": {reflect.TypeFor[inner](), accept, `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":["boolean","null"]}},"additionalProperties":false}`},
		"recursive":        {reflect.TypeFor[loop](), answer, `{"type":"object","properties":{"next":{"description":"a loop, as above"}},"required":["next"]}`},
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := json.Marshal(goSchema(tc.typ, tc.mode, []any{"network", "server"}, nil))
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			json.Unmarshal(raw, &got)
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("schema (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEveryBuiltinFieldIsDescribed: every spec field the registry lists
// has a Go field of that name to describe (the registry and the
// reflection read the same tags).
func TestEveryBuiltinFieldIsDescribed(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	for _, k := range reg.Kinds() {
		info, _ := reg.Info(k)
		fields := goFieldMap(specType(info))
		for _, f := range info.Fields {
			if _, ok := fields[f.Name]; !ok {
				t.Errorf("%s.%s: no Go field", k, f.Name)
			}
		}
		if len(fields) != len(info.Fields) {
			t.Errorf("%s: %d Go fields, %d registry fields", k, len(fields), len(info.Fields))
		}
	}
}
