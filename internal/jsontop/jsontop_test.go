package jsontop

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var seeds = []string{
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

// TestMembers checks Members against json.Unmarshal into a map of raw
// values: the same members with the same bytes whenever it answers.
func TestMembers(t *testing.T) {
	for _, spec := range seeds {
		t.Run(spec, func(t *testing.T) { checkMembers(t, []byte(spec)) })
	}
	for spec, want := range map[string]bool{`{"a":1,"a":2}`: false, `{"a\u0062":1}`: false, `[]`: false, `{"a":[1]}`: true} {
		if got := Members([]byte(spec), func(string, []byte) {}); got != want {
			t.Errorf("Members(%s) = %v, want %v", spec, got, want)
		}
	}
}

func FuzzMembers(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, spec []byte) {
		if json.Valid(spec) {
			checkMembers(t, spec)
		}
	})
}

func checkMembers(t *testing.T, spec []byte) {
	t.Helper()
	got := map[string]string{}
	if !Members(spec, func(name string, raw []byte) { got[name] = string(raw) }) {
		return // the caller decodes it
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(spec, &raw); err != nil {
		t.Fatalf("%s: Members answered; json.Unmarshal: %v", spec, err)
	}
	want := map[string]string{}
	for k, v := range raw {
		want[k] = string(v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-json.Unmarshal +Members):\n%s", spec, diff)
	}
}
