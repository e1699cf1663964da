package chaos

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/fake/fakewire"
	"github.com/orca-nfv/orca/resource"
)

// config is one run's size and bounds, from the environment.
type config struct {
	resources, rounds int
	seed              uint64
	// bound is the whole run's; converge bounds the final convergence.
	bound, converge time.Duration
}

func loadConfig(t *testing.T) config {
	t.Helper()
	c := config{resources: 60, rounds: 3, seed: mrand.Uint64(), bound: 10 * time.Minute, converge: 3 * time.Minute}
	for name, dst := range map[string]*int{"ORCA_CHAOS_RESOURCES": &c.resources, "ORCA_CHAOS_ROUNDS": &c.rounds} {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "ORCA_CHAOS_RESOURCES" && n < 20) {
				t.Fatalf("%s=%q: want a number (at least 20 resources)", name, v)
			}
			*dst = n
		}
	}
	if v := os.Getenv("ORCA_CHAOS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("ORCA_CHAOS_SEED=%q: %v", v, err)
		}
		c.seed = s
	}
	for name, dst := range map[string]*time.Duration{"ORCA_CHAOS_TIMEOUT": &c.bound, "ORCA_CHAOS_CONVERGE": &c.converge} {
		if v := os.Getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				t.Fatalf("%s=%q: want a duration", name, v)
			}
			*dst = d
		}
	}
	return c
}

// TestCrash kills the demo with SIGKILL at random points of each wave's
// convergence and checks, once it has converged after the last restart,
// that nothing acknowledged is lost and nothing was made twice (see the
// package doc).
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the demo: not in -short")
	}
	cfg := loadConfig(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), cfg.bound)
	defer cancel()
	rnd := mrand.New(mrand.NewPCG(cfg.seed, cfg.seed^0x5bd1e995))
	p := newPlan(cfg.resources, cfg.rounds, rnd)
	locations := []string{"loc-1", "loc-2", "loc-3"}

	dir := t.TempDir()
	bins := build(t, dir, "demo", "fakevim")
	t.Logf("built the demo and fakevim in %v", time.Since(start).Round(time.Millisecond))
	fv, vims := startFakeVIM(t, bins, dir, "100ms", "2ms")
	srv := newServer(bins["demo"], dir, "chaos-admin-pw", []string{
		"-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "data", "orca.db"), "-secret-key-file", writeKey(t, dir),
		"-admin-password", "chaos-admin-pw", "-pbkdf2-iterations", "1000", "-fake-locations", strconv.Itoa(len(locations)),
		"-fake-vim", fv.url, "-poll-interval", "100ms",
	})
	if err := srv.start(t); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.stop)
	t.Cleanup(func() {
		if t.Failed() {
			logs := srv.logFiles()
			t.Logf("seed %d; the last demo log (%s):\n%s", cfg.seed, logs[len(logs)-1], tail(logs[len(logs)-1], 40))
		}
	})

	r := &rig{srv: srv, vims: vims, p: p, l: newLedger(), locations: locations}
	survived, peakDup := 0, 0
	for w := range p.creates + p.deletes {
		done := make(chan error, 1)
		point, err := r.startWave(ctx, w, done)
		if err != nil {
			t.Fatal(err)
		}
		if w < cfg.rounds {
			frac := 0.05 + 0.9*rnd.Float64()
			what, err := point(frac, rnd.IntN(3) == 0)
			if err != nil {
				t.Fatalf("round %d: %v", w+1, err)
			}
			srv.kill()
			dup, err := vimDuplicates(ctx, vims, locations)
			if err != nil {
				t.Fatal(err)
			}
			peakDup = max(peakDup, dup)
			t.Logf("round %d (%v): kill -9 after %s of the wave (aimed at %.0f%%); duplicates in the VIMs: %d",
				w+1, time.Since(start).Round(time.Millisecond), what, 100*frac, dup)
			if err := srv.start(t); err != nil {
				t.Fatalf("round %d: restart after kill -9: %v", w+1, err)
			}
			survived++
		}
		if err := <-done; err != nil {
			t.Fatalf("wave %d: %v", w+1, err)
		}
	}

	// Converged: every check clean, within the bound.
	t.Logf("every wave written (%v); waiting for convergence", time.Since(start).Round(time.Millisecond))
	deadline := time.Now().Add(cfg.converge)
	var f *findings
	var err error
	for {
		if f, err = check(ctx, srv, vims, p, locations); err != nil {
			t.Fatal(err)
		}
		peakDup = max(peakDup, f.duplicates)
		if f.clean() || time.Now().After(deadline) {
			break
		}
		if err := ctxSleep(ctx, 500*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	live, deleted := 0, 0
	for _, it := range p.items {
		if it.live() {
			live++
		} else {
			deleted++
		}
	}
	t.Logf("crash test: %d/%d rounds survived (kill -9, restart); %d resources (%d live, %d deleted) at %d locations; "+
		"%d writes acknowledged (%d creates, %d deletes; %d in doubt as a kill struck, resolved by retrying); %d VIM objects; "+
		"duplicates found %d (peak %d); missing %d; orphans %d; unconverged %d; seed %d; elapsed %v",
		survived, cfg.rounds, len(p.items), live, deleted, len(locations),
		r.l.acked(), r.l.createsAcked, r.l.delAcked, r.l.inDoubt, f.objects,
		f.duplicates, peakDup, f.missing, f.orphans, f.unconverged, cfg.seed, time.Since(start).Round(time.Millisecond))
	if !f.clean() || peakDup > 0 {
		t.Errorf("not converged to exactly the acknowledged state within %v (seed %d; replay with ORCA_CHAOS_SEED):\n%s",
			cfg.converge, cfg.seed, strings.Join(f.problems, "\n"))
	}
}

// rig is a run's parts: the demo, the VIMs' inspection, the plan and what
// the API acknowledged.
type rig struct {
	srv       *server
	vims      *fakewire.Client
	p         *plan
	l         *ledger
	locations []string
}

// startWave starts writing wave w (done receives the outcome) and returns
// how to wait for a point of it: a fraction of its API writes (while they
// are being sent, so a kill cuts some) or of the VIM calls it causes
// (creates, or deletes in a deletion wave). It returns what was reached.
func (r *rig) startWave(ctx context.Context, w int, done chan error) (func(frac float64, writes bool) (string, error), error) {
	op, expected := "create", 0
	if w >= r.p.creates {
		op = "delete"
	}
	if op == "create" {
		for _, it := range r.p.items {
			if it.realized && it.wave == w {
				expected += len(r.locations)
			}
		}
	} else {
		// Only what is in the VIMs now is deleted there: a copy not
		// yet made goes without a VIM call.
		var err error
		if expected, err = vimObjectsOf(ctx, r.vims, r.locations, r.p, w); err != nil {
			return nil, err
		}
	}
	before, err := calls(ctx, r.vims, r.locations, op)
	if err != nil {
		return nil, err
	}
	writes, acked := 0, r.l.acked()
	for _, it := range r.p.items {
		if it.wave == w || it.deleteWave == w {
			writes++
		}
	}
	go func() { done <- submit(ctx, r.srv, r.l, r.p, w) }()
	return func(frac float64, byWrites bool) (string, error) {
		if byWrites || expected == 0 { // no VIM call to wait for: the writes
			got, err := waitWrites(ctx, r.l, acked+int(math.Ceil(frac*float64(writes))), done)
			return fmt.Sprintf("%d of %d API writes", got-acked, writes), err
		}
		got, err := waitCalls(ctx, r.vims, r.locations, op, before+int(math.Ceil(frac*float64(expected))), done)
		return fmt.Sprintf("%d of %d VIM %ss", got-before, expected, op), err
	}, nil
}

// writeKey writes a secret key file (owner-only, as the demo requires).
func writeKey(t *testing.T, dir string) string {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	path := filepath.Join(dir, "secret.key")
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// calls sums the VIM calls of op at the locations.
func calls(ctx context.Context, vims *fakewire.Client, locations []string, op string) (int, error) {
	n := 0
	for _, loc := range locations {
		c, err := vims.Calls(ctx, loc)
		if err != nil {
			return 0, err
		}
		n += c[op]
	}
	return n, nil
}

// waitCalls waits until the VIMs have received target calls of op in all,
// and returns how many they had. A wave whose writes end with an error
// stops the wait; one that made fewer calls than expected (the orchestrator
// adopting or skipping) stops it once its writes are in and nothing moved
// for a while, so the kill still lands during convergence or at its end.
func waitCalls(ctx context.Context, vims *fakewire.Client, locations []string, op string, target int, submitted chan error) (int, error) {
	var last, still int
	in := false
	for {
		n, err := calls(ctx, vims, locations, op)
		if err != nil {
			return 0, err
		}
		if n >= target {
			return n, nil
		}
		if !in {
			select {
			case err := <-submitted:
				submitted <- err
				if err != nil {
					return 0, err
				}
				in = true
			default:
			}
		}
		if n == last {
			still++
		} else {
			last, still = n, 0
		}
		if in && still > 600 { // seconds without a call once the writes are in
			return n, nil
		}
		if err := ctxSleep(ctx, 5*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// waitWrites waits until the API has acknowledged target writes in all,
// or the wave's writes are in, and returns how many it has.
func waitWrites(ctx context.Context, l *ledger, target int, submitted chan error) (int, error) {
	for {
		if n := l.acked(); n >= target {
			return n, nil
		}
		select {
		case err := <-submitted:
			submitted <- err
			return l.acked(), err
		default:
		}
		if err := ctxSleep(ctx, time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// vimObjectsOf counts the VIM objects of the resources wave w deletes.
func vimObjectsOf(ctx context.Context, vims *fakewire.Client, locations []string, p *plan, w int) (int, error) {
	doomed := map[resource.Ref]bool{}
	for _, it := range p.items {
		if it.deleteWave == w {
			doomed[it.ref] = true
		}
	}
	n := 0
	for _, loc := range locations {
		objs, err := vims.Objects(ctx, loc, "")
		if err != nil {
			return 0, err
		}
		for _, o := range objs {
			if doomed[o.Global] {
				n++
			}
		}
	}
	return n, nil
}

// vimDuplicates counts the extra VIM objects of any one resource at one
// location.
func vimDuplicates(ctx context.Context, vims *fakewire.Client, locations []string) (int, error) {
	dup := 0
	for _, loc := range locations {
		objs, err := vims.Objects(ctx, loc, "")
		if err != nil {
			return 0, err
		}
		per := map[resource.Ref]int{}
		for _, o := range objs {
			if per[o.Global]++; per[o.Global] > 1 {
				dup++
			}
		}
	}
	return dup, nil
}
