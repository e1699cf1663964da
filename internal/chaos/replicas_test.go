package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-nfv/orca/internal/testutil/pgtest"
)

// TestReplicaFailover runs three demos (r0, r1, r2) on one PostgreSQL
// database with ten fake locations (in a fakevim process, so that the VIMs
// outlive the demos), each replica reconciling the locations it holds a
// lease on. It writes networks through one replica, kills with SIGKILL the
// one holding the most locations while the copies are being made, and
// checks that the survivors take its locations over, that everything
// converges, that no VIM holds an object twice, and, from the VIMs' call
// logs (every demo names itself in its calls), that the leases held: no
// two replicas' calls at one location ever overlapped in time, and after
// the takeover each location was called by its lease holder only. It
// reports how long the takeover took. ORCA_REPLICAS_NETWORKS sets the
// size (default 40).
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
	// TTL bounds the takeover (about TTL + TTL/4); the test waits a
	// generous multiple of it.
	const ttl = 3 * time.Second
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
	names := []string{"r0", "r1", "r2"}
	replicas := map[string]*server{}
	for _, name := range names {
		rdir := filepath.Join(dir, name)
		if err := os.MkdirAll(rdir, 0o700); err != nil {
			t.Fatal(err)
		}
		s := newServer(bins["demo"], rdir, "replica-admin-pw", []string{
			"-addr", "127.0.0.1:0", "-db", dsn, "-secret-key-file", key, "-admin-password", "replica-admin-pw",
			"-pbkdf2-iterations", "1000", "-fake-locations", strconv.Itoa(locs), "-fake-vim", fv.url, "-poll-interval", "100ms",
			"-replica-name", name, "-lease-ttl", ttl.String(),
		})
		if err := s.start(t); err != nil {
			t.Fatalf("replica %s: %v", name, err)
		}
		t.Cleanup(s.stop)
		replicas[name] = s
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range names {
				logs := replicas[name].logFiles()
				t.Logf("replica %s's log:\n%s", name, tail(logs[len(logs)-1], 25))
			}
		}
	})

	// Every location held, every replica holding some, and no lease
	// moving for a TTL: the replicas that started first have handed the
	// later ones their shares.
	var split map[string]string
	var since time.Time
	within(t, ctx, time.Minute, "the replicas to share the locations out", func(ctx context.Context) (bool, error) {
		now, err := locHolders(ctx, replicas["r0"])
		if err != nil {
			return false, err
		}
		count := counts(now)
		if len(now) != locs || count[""] != 0 || len(count) != len(names) {
			split = nil
			return false, nil
		}
		if !maps.Equal(now, split) {
			split, since = now, time.Now()
		}
		return time.Since(since) >= ttl, nil
	})
	count := counts(split)
	victim := slices.MaxFunc(names, func(a, b string) int { return count[a] - count[b] })
	var writer string
	for _, name := range names {
		if name != victim {
			writer = name // any survivor: the writes go on through the kill
			break
		}
	}

	var wg sync.WaitGroup
	errs := make(chan error, nets)
	for i := range nets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]any{"network": map[string]any{
				"id": fmt.Sprintf("net-%03d", i), "name": fmt.Sprintf("net-%03d", i), "cidr": fmt.Sprintf("10.%d.0.0/16", i), "local_prefix_len": 24}})
			a, err := replicas[writer].call(ctx, "POST", "/v1.0/tenant/networks", body)
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

	// Kill the replica holding the most locations while the copies are
	// being made.
	if _, err := waitCalls(ctx, vims, locations, "create", nets*locs/4, make(chan error, 1)); err != nil {
		t.Fatal(err)
	}
	made, _ := calls(ctx, vims, locations, "create")
	before, err := locHolders(ctx, replicas[writer])
	if err != nil {
		t.Fatal(err)
	}
	var moved []string
	for loc, holder := range before {
		if holder == victim {
			moved = append(moved, loc)
		}
	}
	slices.Sort(moved)
	if len(moved) == 0 {
		t.Fatalf("%s holds no location at the kill (leases %v): nothing to take over", victim, before)
	}
	killed := time.Now()
	replicas[victim].kill()
	var after map[string]string
	within(t, ctx, 10*ttl, "the survivors to take "+victim+"'s locations "+strings.Join(moved, ", ")+" over",
		func(ctx context.Context) (bool, error) {
			var err error
			if after, err = locHolders(ctx, replicas[writer]); err != nil {
				return false, err
			}
			for _, loc := range moved {
				if h := after[loc]; h == "" || h == victim {
					return false, nil
				}
			}
			return true, nil
		})
	tookOver := time.Now()
	takeover := tookOver.Sub(killed)

	// Converged, through a surviving replica.
	reader := replicas[writer]
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

	// The leases, as the VIMs saw them.
	final, err := locHolders(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	perCaller := map[string]int{}
	var moves int             // handovers of a location's calls between replicas
	var closest time.Duration // the shortest quiet time at one
	var problems []string
	for _, loc := range locations {
		log, err := vims.CallLog(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		problems = append(problems, overlaps(log)...)
		if n, gap := handovers(log); n > 0 {
			if moves == 0 || gap < closest {
				closest = gap
			}
			moves += n
		}
		tookUp := false
		for _, c := range log {
			perCaller[c.Caller]++
			switch {
			case c.Caller == victim && !c.Start.Before(killed):
				problems = append(problems, fmt.Sprintf("%s: a call of %s (killed at %s) at %s", loc, victim, stamp(killed), stamp(c.Start)))
			case c.Start.After(tookOver) && c.Caller != final[loc]:
				problems = append(problems, fmt.Sprintf("%s: a %s call of %s at %s, after the takeover, but %q holds it",
					loc, c.Op, c.Caller, stamp(c.Start), final[loc]))
			case slices.Contains(moved, loc) && c.Caller != victim && c.Start.After(killed):
				tookUp = true
			}
		}
		if slices.Contains(moved, loc) && !tookUp {
			problems = append(problems, fmt.Sprintf("%s: held by %s at the kill, and no survivor called it since", loc, victim))
		}
		if final[loc] == "" {
			problems = append(problems, fmt.Sprintf("%s: nobody holds its lease at the end", loc))
		}
	}
	for _, name := range names {
		if perCaller[name] == 0 {
			problems = append(problems, fmt.Sprintf("%s made no call at any location", name))
		}
	}
	t.Logf("replica failover: 3 replicas on one PostgreSQL (lease TTL %v), %d locations, %d networks written through %s; "+
		"kill -9 of %s (holding %d locations: %s) after %d of %d VIM creates; taken over in %v (now held %s); "+
		"split before %v; %d of %d copies Ready; %d VIM objects (want %d); duplicates %d; VIM calls per replica %v; "+
		"%d handovers between callers at a location, the closest %v apart; lease violations %d",
		ttl, locs, nets, writer, victim, len(moved), strings.Join(moved, " "), made, nets*locs,
		takeover.Round(time.Millisecond), holdersOf(after, moved), count, ready, nets*locs, objects, nets*locs, dup, perCaller,
		moves, closest.Round(time.Millisecond), len(problems))
	if ready != nets*locs || objects != nets*locs || dup != 0 {
		t.Errorf("not converged to one object per copy: %d Ready, %d objects, %d duplicates (want %d, %d, 0)", ready, objects, dup, nets*locs, nets*locs)
	}
	if len(problems) > 0 {
		const show = 20
		t.Errorf("the VIMs' call logs break the leases (%d problems; first %d):\n%s", len(problems), min(show, len(problems)),
			strings.Join(problems[:min(show, len(problems))], "\n"))
	}
}

// counts is how many locations each holder holds ("" for released ones).
func counts(holders map[string]string) map[string]int {
	out := map[string]int{}
	for _, h := range holders {
		out[h]++
	}
	return out
}

// holdersOf spells out who holds the locations, as "loc=holder".
func holdersOf(holders map[string]string, locs []string) string {
	var out []string
	for _, loc := range locs {
		out = append(out, loc+"="+holders[loc])
	}
	return strings.Join(out, " ")
}

// within polls cond every 50ms until it holds, failing the test when it
// does not within bound (or cond fails), saying what it waited for.
func within(t *testing.T, ctx context.Context, bound time.Duration, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	for {
		ok, err := cond(ctx)
		if ok {
			return
		}
		if err == nil {
			err = ctxSleep(ctx, 50*time.Millisecond)
		}
		if err != nil {
			t.Fatalf("waiting %v for %s: %v", bound, what, err)
		}
	}
}
