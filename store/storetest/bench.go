package storetest

import (
	"fmt"
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// BenchNetwork is the resource every store benchmark writes, so backends and
// baselines handle the same bytes.
func BenchNetwork(id string) *resource.Resource {
	return &resource.Resource{
		Ref: resource.Ref{Kind: resource.KindNetwork, ID: id}, Tenant: tenantA, Name: "bench-" + id,
		Labels: map[string]string{"env": "bench"},
		Spec:   &resource.Network{Description: "benchmark network", CIDR: "10.0.0.0/16", LocalPrefixLen: 24},
	}
}

// Benchmarks measures Create, Get, Update and List on a store. scripts/bench
// compares the numbers across backends and against a bare baseline.
func Benchmarks(b *testing.B, open func(b *testing.B) store.Store) {
	b.Run("Create", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := s.Create(b.Context(), BenchNetwork(fmt.Sprintf("n-%d", i))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Get", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		const n = 1000
		for i := range n {
			if _, err := s.Create(b.Context(), BenchNetwork(fmt.Sprintf("n-%d", i))); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := s.Get(b.Context(), resource.Ref{Kind: resource.KindNetwork, ID: fmt.Sprintf("n-%d", i%n)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Update", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		r, err := s.Create(b.Context(), BenchNetwork("n-0"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			r.Status.Message = fmt.Sprintf("pass %d", i)
			if r, err = s.Update(b.Context(), r); err != nil {
				b.Fatal(err)
			}
		}
	})
	// List: one page of 20 of a tenant's networks, out of 1000 resources
	// split over two tenants.
	b.Run("List", func(b *testing.B) {
		s := open(b)
		defer s.Close()
		for i := range 1000 {
			r := BenchNetwork(fmt.Sprintf("n-%04d", i))
			if i%2 == 1 {
				r.Tenant = tenantB
			}
			if _, err := s.Create(b.Context(), r); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			page, err := s.List(b.Context(), store.Filter{Kind: resource.KindNetwork, Tenant: tenantA, Limit: 20, Offset: (i * 20) % 500})
			if err != nil || len(page.Items) != 20 {
				b.Fatalf("List: %d items, %v", len(page.Items), err)
			}
		}
	})
}
