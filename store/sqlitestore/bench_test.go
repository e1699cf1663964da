package sqlitestore

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/storetest"
)

func BenchmarkStore(b *testing.B) {
	storetest.Benchmarks(b, func(b *testing.B) store.Store {
		s, err := Open(filepath.Join(b.TempDir(), "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// BenchmarkBare is the baseline for BenchmarkStore's Create and Get: plain
// database/sql statements writing and reading the same row (the same column
// values, the same table and indexes, the same connection pools and pragmas),
// without the engine's validation, JSON decoding, referential checks,
// revision counter or transactions.
func BenchmarkBare(b *testing.B) {
	open := func(b *testing.B) *backend {
		bk, _, err := openBackend(filepath.Join(b.TempDir(), "bare.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { bk.Close() })
		return bk
	}
	r := storetest.BenchNetwork("x")
	spec, _ := json.Marshal(r.Spec)
	status, _ := json.Marshal(resource.Status{Phase: resource.PhasePending})
	labels, _ := json.Marshal(r.Labels)
	insert := func(bk *backend, id string, rev int64) error {
		now := time.Now().UnixNano()
		_, err := bk.write.ExecContext(b.Context(), `INSERT INTO resources (`+rowColumns+`)
			VALUES (?, ?, ?, ?, ?, '', '', ?, ?, 1, 0, 'Pending', jsonb(?), ?, ?, ?, NULL)`,
			"network", id, r.Tenant, r.Name, "", string(labels), rev, string(spec), string(status), now, now)
		return err
	}
	b.Run("Insert", func(b *testing.B) {
		bk := open(b)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if err := insert(bk, fmt.Sprintf("n-%d", i), int64(i+1)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Select", func(b *testing.B) {
		bk := open(b)
		const n = 1000
		for i := range n {
			if err := insert(bk, fmt.Sprintf("n-%d", i), int64(i+1)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := scanRow(bk.read.QueryRowContext(b.Context(), `SELECT `+readColumns+` FROM resources WHERE id = ?`, fmt.Sprintf("n-%d", i%n))); err != nil {
				b.Fatal(err)
			}
		}
	})
}
