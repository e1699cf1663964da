package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/sqlitestore"
	"github.com/orca-nfv/orca/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, cfg storetest.Config) store.Store {
		s, err := sqlitestore.Open(filepath.Join(t.TempDir(), "orca.db"), &sqlitestore.Options{Registry: cfg.Registry, Now: cfg.Now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
