package resource_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
)

// TestEncodedValuesAreWhatTheJSONDecodesTo: the values a store returns after
// a write without decoding (SpecValue, StatusValue) must equal what a read
// of the stored JSON gives, and the shortcut must be taken where it is exact
// (or it saves nothing).
func TestEncodedValuesAreWhatTheJSONDecodesTo(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	for _, r := range resourcetest.Samples("s", "t") {
		enc, err := reg.Encode(r)
		if err != nil {
			t.Fatalf("%s: %v", r.Ref, err)
		}
		fresh, err := reg.NewSpec(r.Kind)
		if err != nil {
			t.Fatal(err)
		}
		_, defaults := fresh.(resource.Defaulter)
		if enc.SpecValue == nil {
			if !defaults {
				t.Errorf("%s: no SpecValue for a kind without defaults", r.Kind)
			}
			continue
		}
		want, err := reg.DecodeSpec(r.Kind, enc.Spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, enc.SpecValue); diff != "" {
			t.Errorf("%s: SpecValue (-decoded +SpecValue):\n%s", r.Kind, diff)
		}
		if enc.SpecValue == r.Spec {
			t.Errorf("%s: SpecValue is the caller's spec", r.Kind)
		}
	}

	pending := time.Date(2026, 12, 6, 1, 2, 3, 456789, time.FixedZone("x", 3600))
	cases := map[string]struct {
		st    resource.Status
		exact bool // the shortcut applies
	}{
		"empty":            {resource.Status{}, true},
		"fields":           {resource.Status{Phase: resource.PhaseReady, ExternalID: "x", Message: "<b>&", TaskStatus: "ACTIVE", ObservedGeneration: 3, CreatePendingSince: pending}, true},
		"empty output":     {resource.Status{Output: map[string]any{}}, true},
		"json values":      {resource.Status{Output: map[string]any{"s": "a", "f": 1.5, "b": true, "n": nil, "l": []any{"x", 2.0, map[string]any{}}, "m": map[string]any{"k": []any{}}}}, true},
		"integers":         {resource.Status{Output: map[string]any{"i": 24, "i64": int64(-7), "i32": int32(9), "max": int64(1 << 53)}}, true},
		"string forms":     {resource.Status{Output: map[string]any{"ss": []string{"a", "b"}, "ms": map[string]string{"k": "v"}, "nilss": []string(nil), "nilm": map[string]any(nil), "nill": []any(nil)}}, true},
		"huge integer":     {resource.Status{Output: map[string]any{"i": int64(1<<53 + 1)}}, false},
		"float32":          {resource.Status{Output: map[string]any{"f": float32(0.1)}}, false},
		"struct":           {resource.Status{Output: map[string]any{"t": struct{ A int }{1}}}, false},
		"bad utf-8":        {resource.Status{Message: "a\xffb"}, false},
		"bad utf-8 key":    {resource.Status{Output: map[string]any{"\xff": 1}}, false},
		"bad utf-8 nested": {resource.Status{Output: map[string]any{"l": []string{"\xfe"}}}, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			enc, err := reg.Encode(&resource.Resource{
				Ref: resource.Ref{Kind: resource.KindFlavor, ID: "f"}, Tenant: "t", Spec: &resource.Flavor{RAM: 1, VCPUs: 1}, Status: tc.st,
			})
			if err != nil {
				t.Fatal(err)
			}
			if (enc.StatusValue != nil) != tc.exact {
				t.Fatalf("StatusValue %v, want the shortcut: %v", enc.StatusValue, tc.exact)
			}
			if enc.StatusValue == nil {
				return
			}
			var want resource.Status
			if err := json.Unmarshal(enc.Status, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, *enc.StatusValue); diff != "" {
				t.Errorf("StatusValue (-decoded +StatusValue):\n%s", diff)
			}
		})
	}
}
