package memstore

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var topLevelSeeds = []string{
	`{}`,
	`{"cidr":"10.0.0.0/24","description":"net \"a\" \\ b","prefix":24}`,
	` { "a" : [1, {"b": "}"}, "]"] , "c" :null,"d":true, "e": -1.5e3 } `,
	`{"subject_id":"x","nested":{"subject_id":"y"}}`,
	`{"a":1,"a":2}`,
	`{"a\u0062":1}`,
	`{"a":"\u00e9\""}`,
	`[]`,
	`null`,
	`"s"`,
	`{"a":{}}`,
	`{"a":[]}`,
}

// TestTopLevel checks topLevel against json.Unmarshal into a map of raw
// values: the same members with the same bytes whenever it answers.
func TestTopLevel(t *testing.T) {
	for _, spec := range topLevelSeeds {
		t.Run(spec, func(t *testing.T) { checkTopLevel(t, []byte(spec)) })
	}
	for spec, want := range map[string]bool{`{"a":1,"a":2}`: false, `{"a\u0062":1}`: false, `[]`: false, `{"a":[1]}`: true} {
		if got := topLevel([]byte(spec), func(string, []byte) {}); got != want {
			t.Errorf("topLevel(%s) = %v, want %v", spec, got, want)
		}
	}
}

func FuzzTopLevel(f *testing.F) {
	for _, s := range topLevelSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, spec []byte) {
		if json.Valid(spec) {
			checkTopLevel(t, spec)
		}
	})
}

func checkTopLevel(t *testing.T, spec []byte) {
	t.Helper()
	got := map[string]string{}
	if !topLevel(spec, func(name string, raw []byte) { got[name] = string(raw) }) {
		return // the caller decodes it
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(spec, &raw); err != nil {
		t.Fatalf("%s: topLevel answered; json.Unmarshal: %v", spec, err)
	}
	want := map[string]string{}
	for k, v := range raw {
		want[k] = string(v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-json.Unmarshal +topLevel):\n%s", spec, diff)
	}
}
