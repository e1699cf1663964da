package resource_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
)

// FuzzDecodeSpec feeds arbitrary bytes to the strict spec decoder of every
// kind. It must never panic, must classify every failure as Invalid, and
// whatever it accepts must either fail validation as Invalid or encode to a
// fixed point: decoding the stored JSON and encoding again gives the same
// bytes.
func FuzzDecodeSpec(f *testing.F) {
	reg := resource.NewBuiltinRegistry()
	kinds := reg.Kinds()
	for _, r := range resourcetest.Samples("f", "t") {
		enc, err := reg.Encode(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(indexOf(kinds, r.Kind)), enc.Spec)
	}
	f.Add(uint8(0), []byte(`{"cidr":"10.0.0.0/8","local_prefix_len":1e400}`))
	f.Add(uint8(1), []byte(`{"entries":[{"src_ports":{"start_port":-1}}]}`))
	f.Add(uint8(2), []byte(`null`))
	f.Add(uint8(3), []byte(`{"parameters":{"a":[1,{"b":null}]}} trailing`))

	f.Fuzz(func(t *testing.T, k uint8, data []byte) {
		kind := kinds[int(k)%len(kinds)]
		spec, err := reg.DecodeSpec(kind, data, &resource.DecodeOptions{Strict: true})
		if err != nil {
			if !errors.Is(err, resource.ErrInvalid) {
				t.Fatalf("DecodeSpec(%s, %q) = %v, not Invalid", kind, data, err)
			}
			return
		}
		res := &resource.Resource{Ref: resource.Ref{Kind: kind, ID: "x"}, Tenant: "t", Spec: spec}
		info, _ := reg.Info(kind)
		if info.Located {
			res.Location = "l"
		}
		if info.Parent != "" {
			res.Owner = &resource.Ref{Kind: info.Parent, ID: "p"}
		}
		enc, err := reg.Encode(res)
		if err != nil {
			if !errors.Is(err, resource.ErrInvalid) {
				t.Fatalf("Encode(%s from %q) = %v, not Invalid", kind, data, err)
			}
			return
		}
		again, err := reg.DecodeSpec(kind, enc.Spec, &resource.DecodeOptions{Strict: true})
		if err != nil {
			t.Fatalf("stored JSON %s does not decode: %v", enc.Spec, err)
		}
		// A store returns SpecValue after a write instead of decoding.
		if enc.SpecValue != nil {
			if diff := cmp.Diff(again, enc.SpecValue); diff != "" {
				t.Fatalf("SpecValue is not what %s decodes to (-decoded +SpecValue):\n%s", enc.Spec, diff)
			}
		}
		res.Spec = again
		enc2, err := reg.Encode(res)
		if err != nil {
			t.Fatalf("stored spec %s no longer validates: %v", enc.Spec, err)
		}
		if !bytes.Equal(enc.Spec, enc2.Spec) {
			t.Fatalf("encoding is not a fixed point:\n%s\n%s", enc.Spec, enc2.Spec)
		}
	})
}

func indexOf(kinds []resource.Kind, k resource.Kind) int {
	for i, x := range kinds {
		if x == k {
			return i
		}
	}
	return 0
}
