package pgstore

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// ownCluster starts a cluster for one test, which may stop and start it;
// stopped and removed at the end. It returns the directory and the DSN.
func ownCluster(t *testing.T) (string, string) {
	t.Helper()
	if needPG(t).dir == "" {
		t.Skip("stopping the server needs a cluster of scripts/pg's, not ORCA_PG_DSN's")
	}
	dir, err := clusterDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := runScript(context.Background(), "stop", dir); err != nil {
			t.Error(err)
		}
		os.RemoveAll(dir)
	})
	dsn, err := runScript(t.Context(), "start", dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, dsn
}

func network(id string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindNetwork, ID: id}, Tenant: "tenant-a", Name: id,
		Spec: &resource.Network{CIDR: "10.0.0.0/16"}}
}

func location(id string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id}, Name: id,
		Spec: &resource.Location{KeystoneEndpoint: "fake://" + id}}
}

func localNetwork(id, parent, loc string) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: id}, Tenant: "tenant-a", Name: id,
		Location: loc, Owner: &resource.Ref{Kind: resource.KindNetwork, ID: parent}, Spec: &resource.LocalNetwork{}}
}

// TestServerGoesAway stops the server under an open store, in the middle
// of a transaction: every call then fails Unavailable (no panic, no
// password in any message), the transaction's writes are gone, and once
// the server is back the same store works again.
func TestServerGoesAway(t *testing.T) {
	dir, dsn := ownCluster(t)
	ctx := t.Context()
	s, err := Open(ctx, dsn, &Options{ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	n1, err := s.Create(ctx, network("n1"))
	if err != nil {
		t.Fatal(err)
	}
	secret := password(dsn)
	checkDown := func(t *testing.T, what string, err error) {
		t.Helper()
		t.Logf("%s: %v", what, err)
		switch {
		case err == nil:
			t.Errorf("%s with the server down: no error", what)
		case !errors.Is(err, resource.ErrUnavailable):
			t.Errorf("%s with the server down: %v (%v), want Unavailable", what, resource.CodeOf(err), err)
		case secret != "" && strings.Contains(err.Error(), secret):
			t.Errorf("%s: the message shows the password: %v", what, err)
		}
	}

	// The server stops while a transaction is open.
	stopped := make(chan error, 1)
	err = s.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.Create(ctx, network("n2")); err != nil {
			return err
		}
		_, err := runScript(ctx, "stop", dir)
		stopped <- err
		_, err = tx.Create(ctx, network("n3"))
		return err
	})
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	checkDown(t, "the transaction the server stopped in", err)

	for _, c := range []struct {
		name string
		do   func(context.Context) error
	}{
		{"Get", func(ctx context.Context) error { _, err := s.Get(ctx, n1.Ref); return err }},
		{"List", func(ctx context.Context) error { _, err := s.List(ctx, store.Filter{}); return err }},
		{"Referrers", func(ctx context.Context) error { _, err := s.Referrers(ctx, n1.Ref); return err }},
		{"Create", func(ctx context.Context) error { _, err := s.Create(ctx, network("n4")); return err }},
		{"Update", func(ctx context.Context) error { _, err := s.Update(ctx, n1); return err }},
		{"UpdateStatus", func(ctx context.Context) error { _, err := s.UpdateStatus(ctx, n1); return err }},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, n1.Ref, 0) }},
		{"Txn", func(ctx context.Context) error {
			return s.Txn(ctx, func(ctx context.Context, tx store.Tx) error { return nil })
		}},
	} {
		checkDown(t, c.name, c.do(ctx))
	}
	_, err = Open(ctx, dsn, &Options{ConnectTimeout: 5 * time.Second})
	checkDown(t, "Open", err)

	if _, err := runScript(ctx, "start", dir); err != nil {
		t.Fatal(err)
	}
	// Connections broken by the restart are dropped as they fail; the
	// store needs no reopening.
	var got *resource.Resource
	wait.UntilWith(t, &wait.Options{Every: 100 * time.Millisecond, Bound: time.Minute}, "the store recovering after the restart", func() bool {
		if got, err = s.Get(ctx, n1.Ref); err != nil {
			checkDown(t, "Get while reconnecting", err)
			return false
		}
		return true
	})
	if got.Revision != n1.Revision {
		t.Errorf("n1 at revision %d after the restart, want %d", got.Revision, n1.Revision)
	}
	for _, id := range []string{"n2", "n3"} {
		if _, err := s.Get(ctx, resource.Ref{Kind: resource.KindNetwork, ID: id}); !errors.Is(err, resource.ErrNotFound) {
			t.Errorf("%s, written by the interrupted transaction: %v, want NotFound", id, err)
		}
	}
	n4, err := s.Create(ctx, network("n4"))
	if err != nil {
		t.Fatalf("a write after the restart: %v", err)
	}
	if n4.Revision <= n1.Revision {
		t.Errorf("revision %d after the restart is not above %d", n4.Revision, n1.Revision)
	}
}
