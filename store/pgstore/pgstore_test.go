package pgstore

import (
	"testing"

	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/storetest"
)

func TestConformance(t *testing.T) {
	needPG(t)
	storetest.Run(t, func(t *testing.T, cfg storetest.Config) store.Store {
		s, err := Open(t.Context(), freshSchema(t), &Options{Registry: cfg.Registry, Now: cfg.Now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func BenchmarkStore(b *testing.B) {
	needPG(b)
	storetest.Benchmarks(b, func(b *testing.B) store.Store {
		s, err := Open(b.Context(), freshSchema(b), nil)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
