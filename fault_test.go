package orca_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// TestConvergesUnderVIMFaults runs hundreds of resources of seven kinds at
// three locations whose VIMs fail 10 % of calls, lose 5 % of Create
// responses after committing them and hang 2 % of calls past the call
// timeout. One location goes down for a minute twice: while everything is
// being created, and later, converged, across a resync. Once as a site
// that refuses connections, once as one that never answers.
//
// It checks that everything converges with exactly one VIM object per
// copy; that while the location is down it and its copies say so (status,
// events); that they recover by themselves when it returns, without
// waiting for the next resync; and that no goroutine outlives the
// orchestrator. ORCA_FAULT_PER_KIND sets the resources per kind (default
// 20: 140 resources, 420 copies; scripts/faults runs more).
func TestConvergesUnderVIMFaults(t *testing.T) {
	perKind := 20
	if s := os.Getenv("ORCA_FAULT_PER_KIND"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 250 {
			t.Fatalf("ORCA_FAULT_PER_KIND=%q: want 1 to 250", s)
		}
		perKind = n
	}
	for _, hang := range []bool{false, true} {
		name := map[bool]string{false: "down refusing", true: "down hanging"}[hang]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { faultScenario(t, perKind, hang) })
		})
	}
}

const (
	faultCallTimeout = 10 * time.Second
	faultResync      = 10 * time.Minute // the default
	downLoc          = "loc-3"
)

var faultLocs = []string{"loc-1", "loc-2", downLoc}

func faultScenario(t *testing.T, perKind int, hang bool) {
	baseline := bubbleGoroutines(t)
	start := time.Now()
	e := newEnv(t, envOptions{locations: len(faultLocs), noRun: true,
		fake: fake.Options{BuildTime: 5 * time.Second, DeleteTime: 5 * time.Second, Latency: 50 * time.Millisecond, Seed: 15},
		orca: orca.Options{CallTimeout: faultCallTimeout, ResyncInterval: faultResync}})
	for _, l := range faultLocs {
		v := e.f.VIM(l)
		v.FailRate(fake.OpAny, 0.10, resource.Unavailable)
		v.LoseCreateRate(0.05)
		v.HangRate(fake.OpAny, 0.02)
	}
	runAt := time.Now() // resyncs come every faultResync from here
	e.run()
	refs := faultWorkload(e, perKind)
	down := e.f.VIM(downLoc)

	// Down while everything is being created.
	settle(20 * time.Second)
	before := readyCopies(e)
	down.Down(hang)
	downAt := time.Now()
	settle(time.Minute)
	during := readyCopies(e)
	outage := survey(t, e, downAt)
	t.Logf("outage 1 (creating): copies ready at loc-1/loc-2 %d -> %d during the minute; at %s: %s",
		before["loc-1"]+before["loc-2"], during["loc-1"]+during["loc-2"], downLoc, outage)
	outage.check(t, "a minute down")
	down.Up()
	converged(t, e, refs, "after outage 1")
	t.Logf("outage 1: converged %v after the start", time.Since(start))
	checkNoDuplicates(t, e, refs)

	// Down again, converged, across the periodic resync: the location
	// and every copy there must say so, and come back by themselves.
	next := runAt.Add(faultResync)
	for time.Until(next) < 10*time.Second {
		next = next.Add(faultResync)
	}
	time.Sleep(time.Until(next) - 10*time.Second)
	synctest.Wait()
	down.Down(hang)
	downAt = time.Now()
	settle(time.Minute - 10*time.Second) // the resync runs meanwhile
	loc := e.get(ref(resource.KindLocation, downLoc))
	if loc.Status.Phase != resource.PhaseFailed || !strings.Contains(loc.Status.Message, "unreachable") {
		t.Errorf("location %s while down: %s %q, want Failed saying it is unreachable", downLoc, loc.Status.Phase, loc.Status.Message)
	}
	outage = survey(t, e, downAt)
	t.Logf("outage 2 (converged, across a resync): at %s: %s", downLoc, outage)
	outage.check(t, "down across a resync")
	down.Up()
	upAt, resyncs := time.Now(), e.o.StatsSnapshot().Resyncs
	converged(t, e, refs, "after outage 2")
	if got := e.o.StatsSnapshot().Resyncs; got != resyncs {
		t.Errorf("recovery waited for %d resync(s); it must not need one", got-resyncs)
	}
	t.Logf("outage 2: down %v, recovered %v after coming back", upAt.Sub(downAt), time.Since(upAt))
	checkNoDuplicates(t, e, refs)
	checkLocationEvents(t, e)

	var total fake.FaultCounts
	calls := 0
	for _, l := range faultLocs {
		total = total.Add(e.f.VIM(l).Faults())
		calls += e.f.VIM(l).Calls(fake.OpAny)
	}
	st := e.o.StatsSnapshot()
	t.Logf("%d resources (%d copies) at %d locations, %v virtual; %d VIM calls: %d errors, %d hangs, %d lost create responses, %d calls to the down location; %d passes",
		len(refs), len(refs)*len(faultLocs), len(faultLocs), time.Since(start), calls,
		total.Errors, total.Hangs, total.LostCreates, total.Unreachable, st.Reconciles)
	if total.Errors == 0 || total.Hangs == 0 || total.LostCreates == 0 || total.Unreachable == 0 {
		t.Errorf("a kind of fault was never injected: %+v", total)
	}

	running := bubbleGoroutines(t)
	e.stop()
	synctest.Wait()
	n := bubbleGoroutines(t)
	if n > baseline {
		var b strings.Builder
		pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Errorf("%d goroutines after Close, %d before the orchestrator (%d while it ran):\n%s", n, baseline, running, b.String())
	}
}

// bubbleGoroutines counts the goroutines of the calling goroutine's
// synctest bubble: runtime.NumGoroutine counts the whole process, where
// the test framework's goroutines come and go on their own schedule.
func bubbleGoroutines(t *testing.T) int {
	t.Helper()
	buf := make([]byte, 1<<20)
	self := string(buf[:runtime.Stack(buf, false)])
	m := bubbleRE.FindStringSubmatch(self)
	if m == nil {
		t.Fatalf("not in a synctest bubble: %.200s", self)
	}
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, h := range bubbleRE.FindAllStringSubmatch(string(buf), -1) {
		if h[1] == m[1] {
			count++
		}
	}
	return count
}

// bubbleRE finds a goroutine header's bubble: "goroutine 12 [select,
// synctest bubble 7]:".
var bubbleRE = regexp.MustCompile(`(?m)^goroutine \d+ \[[^\]]*synctest bubble (\d+)`)

// faultWorkload applies n of each kind of the mix: networks, images,
// flavors, security groups, server groups, volumes, and servers that use
// one of each of the first five. It returns every resource applied.
func faultWorkload(e *env, n int) []resource.Ref {
	var refs []resource.Ref
	add := func(k resource.Kind, id string, spec resource.Spec) {
		r := e.apply(&resource.Resource{Ref: ref(k, id), Tenant: tenant, Name: id, Spec: spec})
		refs = append(refs, r.Ref)
	}
	for i := range n {
		add(resource.KindNetwork, fmt.Sprintf("fnet-%d", i),
			&resource.Network{CIDR: fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)})
		add(resource.KindImage, fmt.Sprintf("fimg-%d", i), &resource.Image{DiskFormat: "qcow2", ContainerFormat: "bare"})
		add(resource.KindFlavor, fmt.Sprintf("ffl-%d", i), &resource.Flavor{RAM: 64, VCPUs: 1})
		add(resource.KindSecurityGroup, fmt.Sprintf("fsg-%d", i), &resource.SecurityGroup{ContrailID: int64(8000001 + i)})
		add(resource.KindServerGroup, fmt.Sprintf("fgrp-%d", i), &resource.ServerGroup{Policy: "soft-anti-affinity"})
		add(resource.KindVolume, fmt.Sprintf("fvol-%d", i), &resource.Volume{SizeGB: 1})
	}
	for i := range n {
		add(resource.KindServer, fmt.Sprintf("fsrv-%d", i), &resource.Server{
			ImageID: fmt.Sprintf("fimg-%d", i), FlavorID: fmt.Sprintf("ffl-%d", i), NetworkID: fmt.Sprintf("fnet-%d", i),
			SecurityGroupID: fmt.Sprintf("fsg-%d", i), ServerGroupID: fmt.Sprintf("fgrp-%d", i)})
	}
	return refs
}

// converged waits (in fake time, looking every 5s) until every resource and
// every location is Ready, and every copy is Ready with nothing left to
// say (a copy that kept its phase through an outage still says it is
// retrying until a pass succeeds).
func converged(t *testing.T, e *env, refs []resource.Ref, when string) {
	t.Helper()
	ctx := context.Background()
	perKind := map[resource.Kind]int{}
	for _, r := range refs {
		perKind[r.Kind]++
	}
	reg := resource.NewBuiltinRegistry()
	// ready counts by the store's totals (cheap: one item decoded).
	ready := func(f store.Filter, want int) bool {
		f.Phase, f.Limit = resource.PhaseReady, 1
		page, err := e.s.List(ctx, f)
		return err == nil && page.Total == want
	}
	done := func() bool {
		if !ready(store.Filter{Kind: resource.KindLocation}, len(faultLocs)) {
			return false
		}
		for k, n := range perKind {
			info, _ := reg.Info(k)
			if !ready(store.Filter{Kind: k}, n) || !ready(store.Filter{Kind: info.Local}, n*len(faultLocs)) {
				return false
			}
		}
		for _, l := range faultLocs {
			page, err := e.s.List(ctx, store.Filter{Location: l})
			if err != nil {
				return false
			}
			for _, r := range page.Items {
				if r.Status.Message != "" {
					return false
				}
			}
		}
		return true
	}
	for waited := time.Duration(0); ; waited += 5 * time.Second {
		synctest.Wait()
		if done() {
			return
		}
		if waited > 2*time.Hour {
			t.Fatalf("everything ready %s: not within 2h of fake time", when)
		}
		time.Sleep(5 * time.Second)
	}
}

// readyCopies counts the Ready copies per location.
func readyCopies(e *env) map[string]int {
	e.t.Helper()
	page, err := e.s.List(context.Background(), store.Filter{Phase: resource.PhaseReady})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range page.Items {
		if r.Location != "" {
			out[r.Location]++
		}
	}
	return out
}

// outageView is what the copies at the down location say.
type outageView struct {
	copies  int
	reasons map[string]int // phase and normalized message → copies
	// silent copies had a pass during the outage yet do not say why
	// they are stuck; unseen ones had none (queued behind others).
	silent []*resource.Resource
	unseen int
}

func (v outageView) String() string {
	keys := make([]string, 0, len(v.reasons))
	for k := range v.reasons {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%d copies, %d not looked at during the outage, %d looked at that do not say why", v.copies, v.unseen, len(v.silent))
	for _, k := range keys {
		fmt.Fprintf(&b, "; %d %s", v.reasons[k], k)
	}
	return b.String()
}

// check fails for every copy that was looked at during the outage and
// does not say why it is stuck.
func (v outageView) check(t *testing.T, when string) {
	t.Helper()
	for _, c := range v.silent {
		t.Errorf("copy %s at %s, %s: %s %q, which does not say why", c.Ref, downLoc, when, c.Status.Phase, c.Status.Message)
	}
}

var idDigits = regexp.MustCompile(`-[0-9]+\b`)

// survey reads what the copies at the down location report. A copy says
// why it is stuck when its message names the location and the failure,
// or the dependency it waits for there. One whose row was last written
// before downAt, or never since it was made, was not looked at during the
// outage.
func survey(t *testing.T, e *env, downAt time.Time) outageView {
	t.Helper()
	page, err := e.s.List(context.Background(), store.Filter{Location: downLoc})
	if err != nil {
		t.Fatal(err)
	}
	v := outageView{reasons: map[string]int{}}
	for _, c := range page.Items {
		v.copies++
		msg := c.Status.Message
		key := string(c.Status.Phase) + " " + strconv.Quote(idDigits.ReplaceAllString(truncateMsg(msg, 70), "-N"))
		v.reasons[key]++
		says := strings.Contains(msg, "at "+downLoc) &&
			(strings.Contains(msg, "unreachable") || strings.Contains(msg, "hung") || strings.Contains(msg, "waiting for"))
		switch {
		case !c.UpdatedAt.After(downAt) || !c.UpdatedAt.After(c.CreatedAt):
			v.unseen++ // no pass wrote it during the outage
		case !says:
			v.silent = append(v.silent, c)
		}
	}
	return v
}

func truncateMsg(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// checkNoDuplicates: one copy per resource and location, and each
// location's VIM holds exactly one object per copy there, the one the copy
// records.
func checkNoDuplicates(t *testing.T, e *env, refs []resource.Ref) {
	t.Helper()
	ctx := context.Background()
	reg := resource.NewBuiltinRegistry()
	for _, r := range refs {
		info, _ := reg.Info(r.Kind)
		page, err := e.s.List(ctx, store.Filter{Kind: info.Local, Owner: &r})
		if err != nil {
			t.Fatal(err)
		}
		var at []string
		for _, c := range page.Items {
			at = append(at, c.Location)
		}
		slices.Sort(at)
		if !slices.Equal(at, faultLocs) {
			t.Errorf("%s has copies at %v, want one at each of %v", r, at, faultLocs)
		}
	}
	dups := 0
	for _, loc := range faultLocs {
		page, err := e.s.List(ctx, store.Filter{Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{} // copy ID → external ID
		for _, c := range page.Items {
			want[c.ID] = c.Status.ExternalID
		}
		objs := e.f.VIM(loc).Objects("")
		for _, o := range objs {
			ext, ok := want[o.OrcaID]
			switch {
			case !ok:
				dups++
				t.Errorf("%s: VIM object %s %s (%s) belongs to no copy", loc, o.Kind, o.ExternalID, o.OrcaID)
			case ext != o.ExternalID:
				t.Errorf("%s: copy %s records %q, the VIM holds %q", loc, o.OrcaID, ext, o.ExternalID)
			}
			delete(want, o.OrcaID)
		}
		for id := range want {
			t.Errorf("%s: copy %s has no VIM object", loc, id)
		}
		if len(objs) != len(refs) {
			t.Errorf("%s: %d VIM objects for %d resources", loc, len(objs), len(refs))
		}
	}
	t.Logf("duplicates: %d", dups)
}

// checkLocationEvents: the down location's events tell of the outage and
// of the return.
func checkLocationEvents(t *testing.T, e *env) {
	t.Helper()
	evs, err := e.o.Events(context.Background(), ref(resource.KindLocation, downLoc))
	if err != nil {
		t.Fatal(err)
	}
	var story []string
	for i := len(evs) - 1; i >= 0; i-- {
		ev := evs[i].Spec.(*resource.Event)
		story = append(story, fmt.Sprintf("%s->%s", ev.From, ev.To))
		if ev.To == resource.PhaseFailed && !strings.Contains(ev.Message, "unreachable") {
			t.Errorf("outage event %q does not say the location is unreachable", ev.Message)
		}
	}
	if !slices.Contains(story, "Ready->Failed") || story[len(story)-1] != "Failed->Ready" {
		t.Errorf("events of %s: %v, want the outage (Ready->Failed) and the return (Failed->Ready) last", downLoc, story)
	}
}

// TestUnreachableLocationComesBackByItself: a location found unreachable
// (its ping fails) is pinged again with backoff, so it shows Ready as soon
// as it answers, not at the next resync.
func TestUnreachableLocationComesBackByItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, envOptions{locations: 1})
		locRef := ref(resource.KindLocation, "loc-1")
		e.waitPhase(locRef, resource.PhaseReady)
		v := e.f.VIM("loc-1")
		v.Down(false)
		if err := e.o.Resync(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := e.waitPhase(locRef, resource.PhaseFailed)
		if !strings.Contains(got.Status.Message, "unreachable") {
			t.Errorf("location while down: %q, want it to say unreachable", got.Status.Message)
		}
		settle(time.Minute)
		resyncs, pings := e.o.StatsSnapshot().Resyncs, v.Calls(fake.OpPing)
		if pings < 3 {
			t.Errorf("%d pings in the first minute down, want retries with backoff", pings)
		}
		v.Up()
		e.waitPhase(locRef, resource.PhaseReady)
		if n := e.o.StatsSnapshot().Resyncs; n != resyncs {
			t.Errorf("the location came back after %d resync(s); it must not need one", n-resyncs)
		}
	})
}
