package pgstore

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// BenchmarkReplicas converges REPLICAS_NETS networks (default 1,000) at 10
// fake locations (20ms a call, 32 calls at once per location) with
// REPLICAS orchestrators (default 1) in this process, each on a store of
// its own over one fresh schema, as separate processes would be, splitting
// the work by leases; the networks are applied through every replica's API
// by 32 writers at once. It reports the time to converge, copies per
// second, VIM calls and store writes per copy, how unevenly the replicas
// shared the VIM calls and the locations (the busiest replica's over the
// idlest's), the longest a write transaction waited for its turn, the
// warnings logged (a lapsed lease is one), and the leases that changed
// hands while converging. REPLICAS_TTL sets the lease TTL (default 10s,
// the demo's). Run it with -benchtime=1x (scripts/bench).
func BenchmarkReplicas(b *testing.B) {
	const (
		locs        = 10
		latency     = 20 * time.Millisecond
		perLocation = 32
		writers     = 32
	)
	replicas, nets := 1, 1000
	if n, err := strconv.Atoi(os.Getenv("REPLICAS")); err == nil && n > 0 {
		replicas = n
	}
	if n, err := strconv.Atoi(os.Getenv("REPLICAS_NETS")); err == nil && n > 0 {
		nets = n
	}
	ttl := 10 * time.Second // the demo's default
	if d, err := time.ParseDuration(os.Getenv("REPLICAS_TTL")); err == nil && d > 0 {
		ttl = d
	}
	b.StopTimer()
	for range b.N {
		dsn := freshSchema(b)
		ctx, cancel := context.WithCancel(context.Background())
		f := fake.NewFactory(&fake.Options{Latency: latency})
		var warnings atomic.Int64
		stores := make([]store.Store, replicas)
		orcs := make([]*orca.Orchestrator, replicas)
		done := make(chan error, replicas)
		// Registered after freshSchema's, so run before it: the schema
		// is dropped once nothing uses it, also when the run failed.
		b.Cleanup(func() {
			cancel()
			for _, o := range orcs {
				if o != nil {
					<-done
					o.Close()
				}
			}
			for _, s := range stores {
				if s != nil {
					s.Close()
				}
			}
		})
		for i := range replicas {
			s, err := Open(ctx, dsn, nil)
			if err != nil {
				b.Fatal(err)
			}
			stores[i] = s
			name := fmt.Sprintf("r%d", i)
			orcs[i] = orca.New(s, &orca.Options{
				Drivers: f, Logger: slog.New(countWarnings{&warnings}),
				Workers: locs * perLocation, LocationConcurrency: perLocation,
				PollInterval: latency, RetryBase: latency, ResyncInterval: time.Hour,
				FollowWrites: 100 * time.Millisecond,
				// REPLICAS_TTL shorter than the waits for a turn to
				// write lets leases lapse: "warnings" counts them.
				Leases: &orca.LeaseOptions{Holder: name, TTL: ttl},
			})
			go func() { done <- orcs[i].Run(fake.WithCaller(ctx, name)) }()
		}
		var locIDs []string
		for i := range locs {
			id := fmt.Sprintf("loc-%02d", i)
			locIDs = append(locIDs, id)
			if _, err := orcs[0].Apply(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id},
				Spec: &resource.Location{KeystoneEndpoint: "fake://" + id}}); err != nil {
				b.Fatal(err)
			}
		}
		locSpread := waitSplit(b, stores[0], locs, replicas)
		waitPhase(b, stores[0], resource.KindLocation, locs)
		calls := func() int {
			n := 0
			for _, id := range locIDs {
				n += f.VIM(id).Calls(fake.OpAny)
			}
			return n
		}
		writes := func() int64 {
			var n int64
			for _, s := range stores {
				n += s.(interface{ Writes() int64 }).Writes()
			}
			return n
		}
		before, wrote, warned, claims := calls(), writes(), warnings.Load(), epochs(b, stores[0])
		probes := make([]func() time.Duration, replicas)
		for i, s := range stores {
			probes[i] = probeWrites(s)
		}

		b.StartTimer()
		start := time.Now()
		// 32 writers, each on the replicas in turn, as API clients
		// behind a load balancer would be.
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < nets; i = int(next.Add(1) - 1) {
					if _, err := orcs[i%replicas].Apply(ctx, &resource.Resource{
						Ref: resource.Ref{Kind: resource.KindNetwork, ID: fmt.Sprintf("net-%04d", i)}, Tenant: "t",
						Spec: &resource.Network{CIDR: fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)},
					}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		waitPhase(b, stores[0], resource.KindNetwork, nets)
		elapsed := time.Since(start)
		b.StopTimer()

		var wait time.Duration
		for _, p := range probes {
			wait = max(wait, p())
		}
		copies := nets * locs
		perCaller := map[string]int{}
		for _, id := range locIDs {
			for _, c := range f.VIM(id).CallLog() {
				if !c.Start.Before(start) {
					perCaller[c.Caller]++
				}
			}
		}
		shares := slices.Collect(maps.Values(perCaller))
		spread := 0.0 // a replica made no call: no ratio to speak of
		if len(shares) == replicas {
			spread = float64(slices.Max(shares)) / float64(slices.Min(shares))
		}
		b.ReportMetric(elapsed.Seconds(), "s-converge")
		b.ReportMetric(float64(copies)/elapsed.Seconds(), "copies/s")
		b.ReportMetric(float64(calls()-before)/float64(copies), "calls/copy")
		b.ReportMetric(float64(writes()-wrote)/float64(copies), "writes/copy")
		b.ReportMetric(spread, "calls-max/min")
		b.ReportMetric(locSpread, "locs-max/min")
		b.ReportMetric(wait.Seconds(), "s-write-wait")
		b.ReportMetric(float64(warnings.Load()-warned), "warnings")
		b.ReportMetric(float64(epochs(b, stores[0])-claims), "lease-claims")
	}
}

// waitSplit polls until every lease of a unit (a location's, a shard's) is
// held, every replica holds a location's, and the holders stayed the same
// for three renewal rounds: the split settled once every replica joined (a
// replica gives a unit up at its round after the new owner's member record
// appears, the new owner claims it at its next one, so two rounds can pass
// unchanged mid-way). It returns the most locations a replica holds over
// the fewest.
func waitSplit(b *testing.B, s store.Store, locs, replicas int) float64 {
	b.Helper()
	const settle = 3 * 10 * time.Second / 4 // three rounds of the TTL's renewals
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	bound := time.After(time.Minute)
	var last map[string]string
	var since time.Time
	for {
		holders, byReplica := map[string]string{}, map[string]int{}
		page, err := s.List(context.Background(), store.Filter{Kind: resource.KindLease})
		if err == nil {
			for _, r := range page.Items {
				h := r.Spec.(*resource.Lease).Holder
				if strings.HasPrefix(r.ID, "member.") {
					continue
				}
				holders[r.ID] = h
				if strings.HasPrefix(r.ID, "loc.") && h != "" {
					byReplica[h]++
				}
			}
		}
		held := 0
		for _, h := range holders {
			if h != "" {
				held++
			}
		}
		locHeld := 0
		for _, n := range byReplica {
			locHeld += n
		}
		ready := locHeld == locs && held == len(holders) && len(byReplica) == min(replicas, locs)
		switch {
		case !ready:
			last = nil
		case !maps.Equal(last, holders):
			last, since = holders, time.Now()
		case time.Since(since) >= settle:
			shares := slices.Collect(maps.Values(byReplica))
			return float64(slices.Max(shares)) / float64(slices.Min(shares))
		}
		select {
		case <-tick.C:
		case <-bound:
			b.Fatalf("the leases did not settle over %d replicas in a minute: %v (%v)", replicas, holders, err)
		}
	}
}

// probeWrites times a write transaction on s (one read of a missing row:
// the transaction waits its turn for the write connection and the
// database's write lock as any other) every 250ms until the returned
// function is called, which returns the longest.
func probeWrites(s store.Store) func() time.Duration {
	stop, done := make(chan struct{}), make(chan time.Duration)
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		var worst time.Duration
		for {
			select {
			case <-tick.C:
			case <-stop:
				done <- worst
				return
			}
			t := time.Now()
			s.Txn(context.Background(), func(ctx context.Context, tx store.Tx) error {
				_, err := tx.Get(ctx, resource.Ref{Kind: resource.KindLease, ID: "probe"})
				return err
			})
			worst = max(worst, time.Since(t))
		}
	}()
	return func() time.Duration {
		close(stop)
		return <-done
	}
}

// epochs sums the epochs of the units' leases: it grows by one each time
// a replica claims a unit another held.
func epochs(b *testing.B, s store.Store) int64 {
	b.Helper()
	page, err := s.List(context.Background(), store.Filter{Kind: resource.KindLease})
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, r := range page.Items {
		if !strings.HasPrefix(r.ID, "member.") {
			n += r.Spec.(*resource.Lease).Epoch
		}
	}
	return n
}

// waitPhase polls every 50ms until want resources of kind are Ready
// (bounded, not a measurement: it reads the count alone). A minute without
// one more Ready fails: the work was lost, and nothing looks again before
// the hourly resync.
func waitPhase(b *testing.B, s store.Store, kind resource.Kind, want int) {
	b.Helper()
	const stall = time.Minute
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	bound := time.Now().Add(10 * time.Minute)
	got, moved := -1, time.Now()
	for {
		page, err := s.List(context.Background(), store.Filter{Kind: kind, Phase: resource.PhaseReady, Limit: 1})
		if err == nil && page.Total != got {
			got, moved = page.Total, time.Now()
		}
		if got == want {
			return
		}
		switch {
		case time.Since(moved) > stall:
			b.Fatalf("%s: stalled at %d of %d Ready, none more for %v (%v)", kind, got, want, stall, err)
		case time.Now().After(bound):
			b.Fatalf("%s: %d of %d Ready after 10 minutes (%v)", kind, got, want, err)
		}
		<-tick.C
	}
}

// countWarnings is a log handler that counts warnings and errors, and
// drops everything.
type countWarnings struct{ n *atomic.Int64 }

func (h countWarnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (h countWarnings) Handle(context.Context, slog.Record) error {
	h.n.Add(1)
	return nil
}

func (h countWarnings) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countWarnings) WithGroup(string) slog.Handler      { return h }
