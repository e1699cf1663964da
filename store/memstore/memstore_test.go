package memstore_test

import (
	"testing"

	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, cfg storetest.Config) store.Store {
		return memstore.New(&memstore.Options{Registry: cfg.Registry, Now: cfg.Now})
	})
}
