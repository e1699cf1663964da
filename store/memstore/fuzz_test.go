package memstore_test

import (
	"errors"
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
)

// FuzzList drives List with arbitrary filter text, as the HTTP layer will
// pass query parameters through. It must never panic, and every refusal must
// be Invalid.
func FuzzList(f *testing.F) {
	s := memstore.New(nil)
	defer s.Close()
	for _, r := range resourcetest.Samples("f", "tenant-a") {
		if _, err := s.Create(f.Context(), r); err != nil {
			f.Fatal(err)
		}
	}
	f.Add("network", "cidr", "10.10.0.0/16", "name", "", 10, 0)
	f.Add("image", "protected", "true", "min_ram", "", -1, 0)
	f.Add("security_group_rule", "port_range_min", "22", "port_range_max", "Ready", 0, 5)
	f.Add("", "x", "1", "created_at", "Done", 0, -3)
	f.Add("network_policy", "entries", "[]", "entries", "", 1, 1)
	f.Fuzz(func(t *testing.T, kind, field, value, sort, phase string, limit, offset int) {
		fl := store.Filter{
			Kind: resource.Kind(kind), Sort: sort, Phase: resource.Phase(phase),
			Limit: limit, Offset: offset, Labels: map[string]string{field: value},
		}
		if field != "" {
			fl.Fields = map[string]string{field: value}
		}
		page, err := s.List(t.Context(), fl)
		if err != nil {
			if !errors.Is(err, resource.ErrInvalid) {
				t.Fatalf("List(%+v) = %v, not Invalid", fl, err)
			}
			return
		}
		if limit > 0 && len(page.Items) > limit || page.Total < len(page.Items) {
			t.Fatalf("List(%+v): %d items, total %d", fl, len(page.Items), page.Total)
		}
	})
}
