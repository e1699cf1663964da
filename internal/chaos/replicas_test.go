package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/testutil/pgtest"
)

// TestReplicaFailover runs three demos on one PostgreSQL database with ten
// fake locations (in a fakevim process, so that the VIMs outlive the
// demos), writes networks through a replica that stands by, kills the one
// that reconciles with SIGKILL while the copies are being made, and checks
// that another takes over, that everything converges, and that no VIM
// holds an object twice. It reports how long the takeover took.
// ORCA_REPLICAS_NETWORKS sets the size (default 40).
func TestReplicaFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs three demos and PostgreSQL: not in -short")
	}
	nets := 40
	if v := os.Getenv("ORCA_REPLICAS_NETWORKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("ORCA_REPLICAS_NETWORKS=%q: want a positive number", v)
		}
		nets = n
	}
	dsn := pgtest.Start(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	const locs = 10
	var locations []string
	for i := 1; i <= locs; i++ {
		locations = append(locations, fmt.Sprintf("loc-%d", i))
	}
	dir := t.TempDir()
	bins := build(t, dir, "demo", "fakevim")
	fv, vims := startFakeVIM(t, bins, dir, "200ms", "5ms")
	key := writeKey(t, dir)
	var replicas []*server
	for i := range 3 {
		rdir := filepath.Join(dir, fmt.Sprintf("replica-%d", i))
		if err := os.MkdirAll(rdir, 0o700); err != nil {
			t.Fatal(err)
		}
		s := newServer(bins["demo"], rdir, "replica-admin-pw", []string{
			"-addr", "127.0.0.1:0", "-db", dsn, "-secret-key-file", key, "-admin-password", "replica-admin-pw",
			"-pbkdf2-iterations", "1000", "-fake-locations", strconv.Itoa(locs), "-fake-vim", fv.url, "-poll-interval", "100ms",
		})
		if err := s.start(t); err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		t.Cleanup(s.stop)
		replicas = append(replicas, s)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, s := range replicas {
				logs := s.logFiles()
				t.Logf("replica %d's log:\n%s", i, tail(logs[len(logs)-1], 25))
			}
		}
	})
	leading := func(s *server) bool {
		logs := s.logFiles()
		raw, _ := os.ReadFile(logs[len(logs)-1])
		return strings.Contains(string(raw), "leading: this replica reconciles")
	}
	leader := -1
	if err := waitFor(ctx, func() bool {
		for i, s := range replicas {
			if leading(s) {
				leader = i
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal("no replica leads:", err)
	}
	writer := replicas[(leader+1)%3] // a standby takes the writes

	var wg sync.WaitGroup
	errs := make(chan error, nets)
	for i := range nets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"network": map[string]any{
				"id": fmt.Sprintf("net-%03d", i), "name": fmt.Sprintf("net-%03d", i), "cidr": fmt.Sprintf("10.%d.0.0/16", i), "local_prefix_len": 24}})
			a, err := writer.call(ctx, "POST", "/v1.0/tenant/networks", body)
			if err == nil && a.status != 201 {
				err = fmt.Errorf("create net-%03d: HTTP %d %s", i, a.status, a.body)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Kill the leader while the copies are being made.
	if _, err := waitCalls(ctx, vims, locations, "create", nets*locs/4, make(chan error, 1)); err != nil {
		t.Fatal(err)
	}
	made, _ := calls(ctx, vims, locations, "create")
	killed := time.Now()
	replicas[leader].kill()
	next := -1
	if err := waitFor(ctx, func() bool {
		for i, s := range replicas {
			if i != leader && leading(s) {
				next = i
				return true
			}
		}
		return false
	}); err != nil {
		t.Fatal("nobody took over:", err)
	}
	takeover := time.Since(killed)

	// Converged, through a surviving replica.
	reader := replicas[3-leader-next]
	deadline := time.Now().Add(5 * time.Minute)
	var ready int
	for {
		a, err := reader.call(ctx, "GET", "/v1.0/tenant/local_networks?status=Ready&limit=1", nil)
		if err != nil {
			t.Fatal(err)
		}
		ready, _ = strconv.Atoi(a.header.Get("X-Total-Count"))
		if ready == nets*locs || time.Now().After(deadline) {
			break
		}
		if err := ctxSleep(ctx, 200*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	dup, err := vimDuplicates(ctx, vims, locations)
	if err != nil {
		t.Fatal(err)
	}
	objects := 0
	for _, loc := range locations {
		objs, err := vims.Objects(ctx, loc, "")
		if err != nil {
			t.Fatal(err)
		}
		objects += len(objs)
	}
	t.Logf("replica failover: 3 replicas on one PostgreSQL, %d locations, %d networks written through a standby; "+
		"kill -9 of the leader after %d of %d VIM creates; replica %d took over in %v; %d of %d copies Ready; "+
		"%d VIM objects (want %d); duplicates %d",
		locs, nets, made, nets*locs, next, takeover.Round(time.Millisecond), ready, nets*locs, objects, nets*locs, dup)
	if ready != nets*locs || objects != nets*locs || dup != 0 {
		t.Errorf("not converged to one object per copy: %d Ready, %d objects, %d duplicates (want %d, %d, 0)", ready, objects, dup, nets*locs, nets*locs)
	}
}

// waitFor polls cond every 50ms until it holds or ctx ends.
func waitFor(ctx context.Context, cond func() bool) error {
	for !cond() {
		if err := ctxSleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}
