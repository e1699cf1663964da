package orca_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/store/sqlitestore"
)

// BenchmarkConverge converges CONVERGE_NETS networks (default 10,000) at 10
// fake locations whose every call takes 20ms, with at most 32 calls at once
// per location and the reconciler's default workers (CONVERGE_WPS sets
// that many per call slot instead). It reports elapsed time against the bound the VIM
// calls impose (calls × latency / (32 × 10)), the VIM calls, store writes
// and CPU per copy, the process's peak RSS, and what a quiet resync costs
// afterwards per location. Run it with -benchtime=1x (scripts/bench).
func BenchmarkConverge(b *testing.B) {
	const (
		locs        = 10
		latency     = 20 * time.Millisecond
		perLocation = 32
	)
	nets := 10_000
	if n, err := strconv.Atoi(os.Getenv("CONVERGE_NETS")); err == nil && n > 0 {
		nets = n
	}
	b.StopTimer()
	for range b.N {
		ctx, cancel := context.WithCancel(context.Background())
		s := memstore.New(nil)
		if os.Getenv("CONVERGE_STORE") == "sqlite" {
			var err error
			if s, err = sqlitestore.Open(filepath.Join(b.TempDir(), "orca.db"), nil); err != nil {
				b.Fatal(err)
			}
		}
		f := fake.NewFactory(&fake.Options{Latency: latency})
		o := orca.New(s, &orca.Options{
			Drivers: f, Logger: slog.New(slog.DiscardHandler),
			Workers: workersPerSlot() * locs * perLocation, LocationConcurrency: perLocation,
			PollInterval: latency, RetryBase: latency, ResyncInterval: time.Hour,
		})
		done := make(chan error, 1)
		go func() { done <- o.Run(ctx) }()
		var locIDs []string
		for i := range locs {
			id := fmt.Sprintf("loc-%02d", i)
			locIDs = append(locIDs, id)
			if _, err := o.Apply(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id},
				Spec: &resource.Location{KeystoneEndpoint: "fake://" + id}}); err != nil {
				b.Fatal(err)
			}
		}
		waitCount(b, s, store.Filter{Kind: resource.KindLocation, Phase: resource.PhaseReady}, locs, nil)
		calls := func() int {
			n := 0
			for _, id := range locIDs {
				n += f.VIM(id).Calls(fake.OpAny)
			}
			return n
		}
		before := calls()
		writes := s.(interface{ Writes() int64 }).Writes()
		passes := o.StatsSnapshot().Reconciles

		b.StartTimer()
		start, cpuStart := time.Now(), cpuTime(b)
		// Applied by 32 writers at once, as API clients would: one
		// writer would measure its own round trips to the store.
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < nets; i = int(next.Add(1) - 1) {
					if _, err := o.Apply(ctx, &resource.Resource{
						Ref: resource.Ref{Kind: resource.KindNetwork, ID: fmt.Sprintf("net-%04d", i)}, Tenant: "bench",
						Spec: &resource.Network{CIDR: fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)},
					}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		applied := time.Since(start)
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		// Converged: nothing queued, and every network Ready.
		waitCount(b, s, store.Filter{Kind: resource.KindNetwork, Phase: resource.PhaseReady}, nets,
			func() bool { return o.QueueDepth() == 0 })
		elapsed, cpuUsed := time.Since(start), cpuTime(b)-cpuStart
		b.StopTimer()

		made := calls() - before
		bound := time.Duration(made) * latency / (perLocation * locs)
		b.ReportMetric(float64(elapsed)/float64(bound), "elapsed/bound")
		b.ReportMetric(float64(made)/float64(nets*locs), "calls/copy")
		b.ReportMetric(float64(s.(interface{ Writes() int64 }).Writes()-writes)/float64(nets*locs), "writes/copy")
		b.ReportMetric(float64(o.StatsSnapshot().Reconciles-passes)/float64(nets*locs), "passes/copy")
		b.ReportMetric(elapsed.Seconds(), "s-converge")
		b.ReportMetric(applied.Seconds(), "s-applied")
		// CPU per copy, including the fake VIMs' and the writers': on a
		// shared machine it varies less than elapsed time does.
		b.ReportMetric(float64(cpuUsed.Microseconds())/float64(nets*locs), "us-cpu/copy")
		b.ReportMetric(peakRSS(b)/(1<<20), "MiB-peak-RSS")

		// A quiet resync: bulk observation per location and kind, a ping
		// per location, nothing per copy.
		before = calls()
		cpu := cpuTime(b)
		if err := o.Resync(ctx); err != nil {
			b.Fatal(err)
		}
		waitIdle(b, o)
		b.ReportMetric(float64(calls()-before)/locs, "resync-calls/location")
		b.ReportMetric((cpuTime(b) - cpu).Seconds(), "s-cpu/resync")

		cancel()
		<-done
		o.Close()
	}
}

// waitCount polls until List(f) counts want (bounded, not a measurement).
// With idle, it lists only when idle says so: a count scans the whole
// kind, and counting every few milliseconds while work is still queued
// took CPU from what is being measured.
func waitCount(b *testing.B, s store.Store, f store.Filter, want int, idle func() bool) {
	b.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	bound := time.After(10 * time.Minute)
	f.Limit = 1 // only Total matters; decoding pages would load the CPU being measured
	total, err := -1, error(nil)
	for {
		if idle == nil || idle() {
			var page *store.Page
			if page, err = s.List(context.Background(), f); err == nil {
				total = page.Total
			}
			if total == want {
				return
			}
		}
		select {
		case <-tick.C:
		case <-bound:
			b.Fatalf("%+v: %d of %d after 10 minutes (%v)", f, total, want, err)
		}
	}
}

// waitIdle waits until the work queue stays empty for a while.
func waitIdle(b *testing.B, o *orca.Orchestrator) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for quiet := 0; quiet < 5; {
		<-tick.C
		if o.QueueDepth() == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func peakRSS(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb * 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// workersPerSlot is CONVERGE_WPS; 0 (unset) leaves Options.Workers to its
// default.
func workersPerSlot() int {
	if n, err := strconv.Atoi(os.Getenv("CONVERGE_WPS")); err == nil && n > 0 {
		return n
	}
	return 0
}
