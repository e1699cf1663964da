package fakewire

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
	"github.com/orca-nfv/orca/vim"
)

// TestObjectRoundTrip: an object crosses the wire whole, through JSON as
// the server reads it: spec, dependencies (with and without specs) and
// parts, each spec decoded by its own kind.
func TestObjectRoundTrip(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	samples := map[string]*resource.Resource{}
	for _, r := range resourcetest.Samples("rt", "t") {
		samples[r.ID] = r
	}
	spec := func(id string) resource.Spec { return samples[id].Spec }
	ref := func(id string) resource.Ref { return samples[id].Ref }
	tests := map[string]*vim.Object{
		"server with dependencies": {
			Ref: resource.Ref{Kind: resource.KindLocalServer, ID: "l-1"}, Kind: resource.KindServer,
			Global: ref("rt-server"), Tenant: "t", Name: "vm", ExternalID: "ext-1", Spec: spec("rt-server"),
			Deps: map[resource.Ref]vim.Dep{
				ref("rt-image"):     {ExternalID: "img-1", Name: "image", Spec: spec("rt-image")},
				ref("rt-net-left"):  {ExternalID: "net-1", Name: "left"},
				ref("rt-flavor"):    {ExternalID: "fl-1", Spec: spec("rt-flavor")},
				ref("rt-sg"):        {ExternalID: "sg-1"},
				ref("rt-group"):     {ExternalID: "grp-1", Spec: spec("rt-group")},
				ref("rt-volume"):    {ExternalID: "vol-1", Spec: spec("rt-volume")},
				ref("rt-net-right"): {},
			},
		},
		"security group with rules": {
			Ref: resource.Ref{Kind: resource.KindLocalSecurityGroup, ID: "l-2"}, Kind: resource.KindSecurityGroup,
			Global: ref("rt-sg"), Spec: spec("rt-sg"),
			Parts: []vim.Part{{Ref: ref("rt-rule"), Spec: spec("rt-rule")}, {Ref: resource.Ref{Kind: resource.KindSecurityGroupRule, ID: "r2"}, Spec: &resource.SecurityGroupRule{Direction: "egress"}}},
		},
		"stack with its template's text": {
			Ref: resource.Ref{Kind: resource.KindLocalHeatInstance, ID: "l-3"}, Kind: resource.KindHeatInstance,
			Global: ref("rt-stack"), Spec: spec("rt-stack"),
			Deps: map[resource.Ref]vim.Dep{ref("rt-tmpl"): {Name: "tmpl", Spec: spec("rt-tmpl")}},
		},
		"no spec":            {Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: "l-4"}, Kind: resource.KindNetwork},
		"deployment network": {Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: "l-5"}, Kind: resource.KindNetwork, Spec: spec("rt-net-right")},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			w, err := encodeObject(want)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(objectRequest{Object: w})
			if err != nil {
				t.Fatal(err)
			}
			var back objectRequest
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			got, err := decodeObject(reg, back.Object)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeObjectRefuses: what cannot be an object is refused with the
// code a VIM would give, naming where.
func TestDecodeObjectRefuses(t *testing.T) {
	reg := resource.NewBuiltinRegistry()
	tests := map[string]struct {
		w         *wireObject
		code      resource.ErrorCode
		wantField string
	}{
		"missing":      {nil, resource.Invalid, "object"},
		"unknown kind": {&wireObject{Kind: "gizmo", Spec: json.RawMessage(`{}`)}, resource.Unimplemented, ""},
		"spec of the wrong shape": {&wireObject{Kind: resource.KindNetwork, Spec: json.RawMessage(`{"cidr":5}`)},
			resource.Invalid, "spec"},
		"dependency spec of the wrong shape": {&wireObject{Kind: resource.KindNetwork, Spec: json.RawMessage(`{}`),
			Deps: []wireDep{{Ref: resource.Ref{Kind: resource.KindImage, ID: "i"}, Spec: json.RawMessage(`[]`)}}},
			resource.Invalid, "deps[0].spec"},
		"part of an unknown kind": {&wireObject{Kind: resource.KindSecurityGroup, Spec: json.RawMessage(`{}`),
			Parts: []wirePart{{Ref: resource.Ref{Kind: "gizmo", ID: "p"}, Spec: json.RawMessage(`{}`)}}},
			resource.Invalid, "parts[0].spec"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := decodeObject(reg, tc.w)
			if got := resource.CodeOf(err); err == nil || got != tc.code {
				t.Fatalf("decodeObject = %v (%v), want %v", err, got, tc.code)
			}
			if got := resource.FieldOf(err); got != tc.wantField {
				t.Errorf("field = %q, want %q", got, tc.wantField)
			}
		})
	}
}
