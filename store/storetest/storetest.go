// Package storetest is the conformance suite for store.Store: every
// implementation runs Run, so memstore and sqlitestore (and an embedder's
// own store) keep the same promises. It is imported by tests only.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Config is what the suite asks of a new store.
type Config struct {
	Registry *resource.Registry
	Now      func() time.Time
}

// Open returns a new, empty store configured by cfg. The suite closes it;
// Open may register further cleanup with t.Cleanup.
type Open func(t *testing.T, cfg Config) store.Store

// Run runs the suite. Each test gets a fresh store.
func Run(t *testing.T, open Open) {
	tests := map[string]func(*testing.T, *fixture){
		"RoundTripEveryKind":       testRoundTripEveryKind,
		"CreateGeneratesID":        testCreateGeneratesID,
		"CreateDuplicateID":        testCreateDuplicateID,
		"CreateInvalid":            testCreateInvalid,
		"CreateMissingReference":   testCreateMissingReference,
		"CrossTenantReference":     testCrossTenantReference,
		"UpdateRevisionsAndGen":    testUpdateRevisionAndGeneration,
		"UpdateErrors":             testUpdateErrors,
		"UpdateStatus":             testUpdateStatus,
		"GetSpec":                  testGetSpec,
		"ConcurrentCAS":            testConcurrentCAS,
		"Delete":                   testDelete,
		"DeleteReferenced":         testDeleteReferenced,
		"DeletingFlag":             testDeletingFlag,
		"DeletingCascades":         testDeletingCascades,
		"Referrers":                testReferrers,
		"Filters":                  testFilters,
		"Sort":                     testSort,
		"Pagination":               testPagination,
		"ListKnown":                testListKnown,
		"ListKnownByID":            testListKnownByID,
		"AfterRevision":            testAfterRevision,
		"FilterErrors":             testFilterErrors,
		"NoAliasing":               testNoAliasing,
		"CancelledContext":         testCancelledContext,
		"UseAfterClose":            testUseAfterClose,
		"TxnCommit":                testTxnCommit,
		"TxnRollback":              testTxnRollback,
		"TxnPanic":                 testTxnPanic,
		"TxnConcurrentAllocation":  testTxnConcurrentAllocation,
		"ConcurrentWriters":        testConcurrentWriters,
		"FailingReadsDuringWrites": testFailingReadsDuringWrites,
		"EmbedderKind":             testEmbedderKind,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			f := &fixture{clock: newClock()}
			f.reg = resource.NewBuiltinRegistry()
			f.s = open(t, Config{Registry: f.reg, Now: f.clock.now})
			t.Cleanup(func() { f.s.Close() })
			fn(t, f)
		})
	}
}

// fixture is one test's store, registry and clock.
type fixture struct {
	s     store.Store
	reg   *resource.Registry
	clock *clock
}

// clock is a deterministic clock: every reading is one second after the
// previous one.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func (f *fixture) create(t *testing.T, r *resource.Resource) *resource.Resource {
	t.Helper()
	got, err := f.s.Create(t.Context(), r)
	if err != nil {
		t.Fatalf("Create(%s): %v", r.Ref, err)
	}
	return got
}

func (f *fixture) get(t *testing.T, ref resource.Ref) *resource.Resource {
	t.Helper()
	got, err := f.s.Get(t.Context(), ref)
	if err != nil {
		t.Fatalf("Get(%s): %v", ref, err)
	}
	return got
}

// count returns how many resources the store holds, of every kind.
func (f *fixture) count(t *testing.T) int {
	t.Helper()
	page, err := f.s.List(t.Context(), store.Filter{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return page.Total
}

func wantCode(t *testing.T, what string, err error, code resource.ErrorCode) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got nil error, want %v", what, code)
	}
	if got := resource.CodeOf(err); got != code {
		t.Fatalf("%s: got %v (%v), want %v", what, got, err, code)
	}
}

func isCode(err error, code resource.ErrorCode) bool {
	return err != nil && resource.CodeOf(err) == code
}

// Builders for the resources tests need. IDs are given; tenants default to
// tenant-a.
const tenantA, tenantB = "tenant-a", "tenant-b"

func location(id string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id}, Name: id,
		Spec: &resource.Location{KeystoneEndpoint: "fake://" + id}}
}

func network(id, tenant, cidr string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: id}, Tenant: tenant, Name: id,
		Spec: &resource.Network{CIDR: cidr}}
}

func image(id, tenant, visibility string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindImage, ID: id}, Tenant: tenant, Name: id,
		Spec: &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare", Visibility: visibility}}
}

func flavor(id, tenant string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindFlavor, ID: id}, Tenant: tenant, Name: id,
		Spec: &resource.Flavor{RAM: 512, VCPUs: 1}}
}

func server(id, tenant, img, net, fl string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindServer, ID: id}, Tenant: tenant, Name: id,
		Spec: &resource.Server{ImageID: img, NetworkID: net, FlavorID: fl}}
}

func localNetwork(id, tenant, loc, parent string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: id}, Tenant: tenant, Name: id,
		Location: loc, Owner: &resource.Ref{Kind: resource.KindNetwork, ID: parent},
		Spec: &resource.LocalNetwork{}}
}

// every call a test makes on a Reader/Writer, for the context and close tests.
type call struct {
	name string
	do   func(ctx context.Context, s store.Store) error
}

func calls(existing resource.Ref) []call {
	return []call{
		{"Get", func(ctx context.Context, s store.Store) error { _, err := s.Get(ctx, existing); return err }},
		{"List", func(ctx context.Context, s store.Store) error { _, err := s.List(ctx, store.Filter{}); return err }},
		{"Referrers", func(ctx context.Context, s store.Store) error { _, err := s.Referrers(ctx, existing); return err }},
		{"Create", func(ctx context.Context, s store.Store) error {
			_, err := s.Create(ctx, network("new-net", tenantA, "10.9.0.0/16"))
			return err
		}},
		{"Update", func(ctx context.Context, s store.Store) error {
			r := network(existing.ID, tenantA, "10.0.0.0/16")
			r.Revision = 1
			_, err := s.Update(ctx, r)
			return err
		}},
		{"Delete", func(ctx context.Context, s store.Store) error { return s.Delete(ctx, existing, 0) }},
		{"Txn", func(ctx context.Context, s store.Store) error {
			return s.Txn(ctx, func(ctx context.Context, tx store.Tx) error { return nil })
		}},
	}
}

var errSentinel = errors.New("storetest: sentinel")
