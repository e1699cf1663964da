package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// seedOptions tune -seed-example's progress; zero fields are defaults.
type seedOptions struct {
	// poll is how often the copies are counted; default 250ms.
	poll time.Duration
	// plain is the least time between two progress lines when stderr is
	// not a terminal (on one, the line is redrawn at every change);
	// default 5s.
	plain time.Duration
	// stall gives up watching after so long without any change (a
	// location that is down); default 2m.
	stall time.Duration
}

func (s seedOptions) withDefaults() seedOptions {
	s.poll = cmp.Or(s.poll, 250*time.Millisecond)
	s.plain = cmp.Or(s.plain, 5*time.Second)
	s.stall = cmp.Or(s.stall, 2*time.Minute)
	return s
}

// seedExample creates the example data at the fake locations (those
// labelled kind=fake) and reports its convergence on con until every copy
// is Ready or Failed, nothing changed for opts.stall, or ctx ends; it
// always ends with one summary line. It runs beside the server, never
// before it.
func seedExample(ctx context.Context, o *orca.Orchestrator, con *console, opts seedOptions) {
	opts = opts.withDefaults()
	start := time.Now()
	locs, err := fakeLocations(ctx, o)
	if err != nil {
		con.done("example data not created: " + err.Error())
		return
	}
	refs, line := createExampleData(ctx, o, locs)
	con.done(line)
	w := &copyWatch{o: o}
	if err := w.expect(ctx, refs); err != nil {
		con.done("example data: cannot follow its convergence: " + err.Error())
		return
	}
	tick := time.NewTicker(opts.poll)
	defer tick.Stop()
	var last progress
	var printed string // the last progress shown
	var lastPrinted time.Time
	lastChange := time.Now()
	for {
		p, err := w.count(ctx)
		switch {
		case ctx.Err() != nil:
			if err == nil {
				last = p
			}
			con.done("example data not converged at shutdown: " + last.String())
			return
		case err != nil:
			con.done("example data: cannot follow its convergence: " + err.Error())
			return
		case p.settled():
			verb := "converged"
			if p.failed > 0 {
				verb = "settled"
			}
			con.done(fmt.Sprintf("example data %s in %v: %s", verb, time.Since(start).Round(100*time.Millisecond), p.summary()))
			return
		}
		changed := p.String() != last.String()
		if changed {
			lastChange = time.Now()
		}
		if time.Since(lastChange) >= opts.stall {
			con.done(fmt.Sprintf("example data not converged, no change for %v: %s (GET /v1.0/events tells why)", opts.stall, p.String()))
			return
		}
		if p.String() != printed && (con.tty || time.Since(lastPrinted) >= opts.plain) {
			printed, lastPrinted = p.String(), time.Now()
			con.progress("converging example data: " + printed)
		}
		last = p
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// fakeLocations lists the locations labelled kind=fake, in natural order
// (loc-2 before loc-10).
func fakeLocations(ctx context.Context, o *orca.Orchestrator) ([]string, error) {
	page, err := o.List(ctx, store.Filter{Kind: resource.KindLocation, Labels: fakeOnly().Selector})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range page.Items {
		if !l.Deleting {
			ids = append(ids, l.ID)
		}
	}
	slices.SortFunc(ids, naturally)
	return ids, nil
}

func naturally(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b)) }

// copyWatch counts the per-location copies of some global resources.
type copyWatch struct {
	o *orca.Orchestrator
	// globals are the watched resources that have copies, and where
	// each is expected to have one.
	globals []watched
	locs    []string
}

type watched struct {
	ref   resource.Ref
	local resource.Kind
	at    map[string]bool // location IDs
}

// expect notes where each of refs should have a copy: at the locations
// its placement selects now.
func (w *copyWatch) expect(ctx context.Context, refs []resource.Ref) error {
	page, err := w.o.List(ctx, store.Filter{Kind: resource.KindLocation})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, ref := range refs {
		info, ok := w.o.Registry().Info(ref.Kind)
		if !ok || info.Local == "" {
			continue // the tenant, the rules: no copies of their own
		}
		r, err := w.o.Get(ctx, ref)
		if err != nil {
			return err
		}
		g := watched{ref: ref, local: info.Local, at: map[string]bool{}}
		for _, l := range page.Items {
			if !l.Deleting && r.Placement.Matches(l) {
				g.at[l.ID] = true
				if !seen[l.ID] {
					seen[l.ID] = true
					w.locs = append(w.locs, l.ID)
				}
			}
		}
		w.globals = append(w.globals, g)
	}
	slices.SortFunc(w.locs, naturally)
	return nil
}

// count reads the copies' phases.
func (w *copyWatch) count(ctx context.Context) (progress, error) {
	p := progress{locs: w.locs, ready: map[string]int{}, total: map[string]int{}}
	for _, g := range w.globals {
		page, err := w.o.List(ctx, store.Filter{Kind: g.local, Owner: &g.ref})
		if err != nil {
			return progress{}, err
		}
		for loc := range g.at {
			p.total[loc]++
			p.all++
		}
		for _, c := range page.Items {
			if !g.at[c.Location] || c.Deleting {
				continue
			}
			switch c.Status.Phase {
			case resource.PhaseReady:
				p.ready[c.Location]++
				p.readyAll++
			case resource.PhaseFailed:
				p.failed++
				p.failures = append(p.failures, fmt.Sprintf("%s at %s: %s", g.ref.ID, c.Location, c.Status.Message))
			}
		}
	}
	slices.Sort(p.failures)
	return p, nil
}

// progress is a count of copies: Ready per location and in all, Failed.
type progress struct {
	locs          []string
	ready, total  map[string]int
	readyAll, all int
	failed        int
	failures      []string
}

// settled: every copy is Ready or Failed.
func (p progress) settled() bool { return p.readyAll+p.failed == p.all }

// String is "7/12 copies Ready, 0 failed (loc-1 5/6, loc-2 2/6)".
func (p progress) String() string {
	per := make([]string, len(p.locs))
	for i, l := range p.locs {
		per[i] = fmt.Sprintf("%s %d/%d", l, p.ready[l], p.total[l])
	}
	s := fmt.Sprintf("%d/%d copies Ready, %d failed", p.readyAll, p.all, p.failed)
	if len(per) > 0 {
		s += " (" + strings.Join(per, ", ") + ")"
	}
	return s
}

// summary is String and, when some failed, what the first three say.
func (p progress) summary() string {
	s := p.String()
	if len(p.failures) == 0 {
		return s
	}
	more := ""
	if len(p.failures) > 3 {
		more = fmt.Sprintf("; and %d more", len(p.failures)-3)
	}
	return s + "; " + strings.Join(p.failures[:min(3, len(p.failures))], "; ") + more
}
