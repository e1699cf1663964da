package orca

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

// TestDescriptionsAsJSON checks the reflected description field against
// what a JSON round trip copies, for every built-in kind and for shapes an
// embedder might use.
func TestDescriptionsAsJSON(t *testing.T) {
	type tagged struct {
		Text string `json:"description"`
	}
	type untagged struct{ Description string }
	type inner struct {
		Description string `json:"description,omitempty"`
	}
	type embedded struct {
		inner
		Name string `json:"name"`
	}
	type notString struct {
		Description int `json:"description"`
	}
	type hidden struct {
		Description string `json:"-"`
		Other       string `json:"desc"`
	}
	cases := map[string]any{
		"tagged":     &tagged{Text: "a"},
		"untagged":   &untagged{Description: "b"},
		"embedded":   &embedded{inner: inner{Description: "c"}, Name: "n"},
		"not string": &notString{Description: 3},
		"hidden":     &hidden{Description: "d", Other: "e"},
	}
	reg := resource.NewBuiltinRegistry()
	for _, k := range reg.Kinds() {
		spec, err := reg.NewSpec(k)
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal([]byte(`{"description":"of `+string(k)+`"}`), spec)
		cases[string(k)] = spec
	}
	var d descriptions
	for name, spec := range cases {
		t.Run(name, func(t *testing.T) {
			var want struct {
				Description string `json:"description"`
			}
			raw, _ := json.Marshal(spec)
			json.Unmarshal(raw, &want)
			got := ""
			if f := d.field(spec); f.IsValid() {
				got = f.String()
			}
			if diff := cmp.Diff(want.Description, got); diff != "" {
				t.Errorf("description (-json +reflected):\n%s", diff)
			}
		})
	}
	if d.field(nil).IsValid() || d.field((*tagged)(nil)).IsValid() || d.field(tagged{}).IsValid() {
		t.Error("a nil or non-pointer spec has a settable description")
	}
}
