package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

// TestAppendMetaIsMarshal: the hand-written "orca" object is byte for byte
// what json.Marshal makes of the struct the map path renders.
func TestAppendMetaIsMarshal(t *testing.T) {
	at := time.Date(2026, 12, 6, 1, 2, 3, 450000000, time.UTC)
	cases := map[string]struct {
		r       resource.Resource
		located bool
	}{
		"zero":           {r: resource.Resource{}},
		"fields":         {r: resource.Resource{Revision: 7, Generation: 3, CreatedAt: at, UpdatedAt: at.Add(time.Nanosecond), Status: resource.Status{Phase: resource.PhaseFailed, Message: "<b>\"x\"\n\u2028\xff", ObservedGeneration: 2}}},
		"deleting":       {r: resource.Resource{Deleting: true, Labels: map[string]string{"b": "2", "a": "<1>"}, Placement: &resource.Placement{Locations: []string{"l1"}, Selector: map[string]string{"k": "v"}}}},
		"output global":  {r: resource.Resource{Status: resource.Status{Output: map[string]any{"k": []any{1.5, "v", nil}}}}},
		"output located": {r: resource.Resource{Status: resource.Status{Output: map[string]any{"k": "v"}}}, located: true},
		"other zone":     {r: resource.Resource{CreatedAt: at.In(time.FixedZone("x", -3600))}},
	}
	h := &Handler{}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			info := resource.KindInfo{Located: tc.located}
			want, err := json.Marshal(h.meta(&tc.r, info))
			if err != nil {
				t.Fatal(err)
			}
			got := appendMeta(nil, &tc.r, &info)
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("appendMeta (-Marshal +appendMeta):\n%s", diff)
			}
		})
	}
}
