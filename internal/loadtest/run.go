package loadtest

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options tune a load; zero values mean the short variant's defaults.
type Options struct {
	// Clients run at once; default 8.
	Clients int
	// Duration of the load; default 5s.
	Duration time.Duration
	// Background is how many networks and servers the admin creates
	// before the load, to converge while it runs; default 300.
	Background int
	// Seed makes the clients' choices repeatable; default 1.
	Seed uint64
	// RequestTimeout bounds each request (a server that does not answer
	// within it has failed); default 60s.
	RequestTimeout time.Duration
	// DeleteBound bounds the wait, after the load, for the deletions under
	// way to finish (reported, not judged); default 2m.
	DeleteBound time.Duration
	// ReadShare is the share of reads among the clients' operations;
	// default 0.55.
	ReadShare float64
}

func (o *Options) withDefaults() Options {
	out := Options{Clients: 8, Duration: 5 * time.Second, Background: 300, Seed: 1,
		RequestTimeout: time.Minute, DeleteBound: 2 * time.Minute, ReadShare: 0.55}
	if o == nil {
		return out
	}
	if o.Clients > 0 {
		out.Clients = o.Clients
	}
	if o.Duration > 0 {
		out.Duration = o.Duration
	}
	if o.Background > 0 {
		out.Background = o.Background
	}
	if o.Seed != 0 {
		out.Seed = o.Seed
	}
	if o.RequestTimeout > 0 {
		out.RequestTimeout = o.RequestTimeout
	}
	if o.DeleteBound > 0 {
		out.DeleteBound = o.DeleteBound
	}
	if o.ReadShare > 0 {
		out.ReadShare = o.ReadShare
	}
	return out
}

// kinds are what the clients read and write, on every surface.
var kinds = []kind{v1Networks, v1Servers, tremaTenants{}, waldurKind{}, moganKind{}, escTenants{}, escNetworks{}}

// Run loads the demo at base, started with DemoArgs for as many clients:
// it logs every user in, makes the tenants' fixtures, creates
// opts.Background resources to converge, runs opts.Clients clients for
// opts.Duration (administrators and members of two tenants, a user each),
// then reads back every acknowledged write. The error is for a load that could not be set up; what the load
// found is in the report.
func Run(ctx context.Context, base string, opts *Options) (*Report, error) {
	o := opts.withDefaults()
	transport := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport}
	newClient := func(id int, u *user, rec *recorder) *client {
		return &client{id: id, base: base, http: hc, u: u, rng: rand.New(rand.NewPCG(o.Seed, uint64(id))), rec: rec, timeout: o.RequestTimeout}
	}

	// Setup and verification count apart from the load.
	aside := newRecorder()
	admin := newClient(1000, &user{name: "admin", password: adminPassword, tenant: "admin", admin: true}, aside)
	if err := login(admin, admin.u); err != nil {
		return nil, err
	}
	users := make([]*user, o.Clients)
	for i := range users {
		users[i] = clientUser(i)
		if err := login(admin, users[i]); err != nil {
			return nil, err
		}
	}
	for i, t := range tenants {
		if err := fixtures(admin, t, i); err != nil {
			return nil, err
		}
	}
	background(admin, o.Background)
	rc, err := startReceiver()
	if err != nil {
		return nil, err
	}
	defer rc.srv.Close()

	rep := &Report{Clients: o.Clients, Background: o.Background}
	rep.ReadyBefore, rep.CopiesBefore = convergence(admin)
	clients := make([]*client, o.Clients)
	start := time.Now()
	deadline := start.Add(o.Duration)
	var wg sync.WaitGroup
	for i := range clients {
		c := newClient(i, users[i], newRecorder())
		c.callback = rc.url
		clients[i] = c
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				c.step(o.ReadShare)
			}
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	rep.ReadyAfter, rep.CopiesAfter = convergence(admin)

	load := newRecorder()
	for _, c := range clients {
		load.merge(c.rec)
	}
	rep.Table = load.table(rep.Elapsed)
	rep.Surfaces = map[string]Figures{}
	for name, s := range load.by {
		rep.Requests += s.requests
		rep.Surfaces[name] = Figures{Requests: s.requests, Writes: s.writes, Acked: s.acked}
	}

	// Every client reads back its own objects, as its user, all at once;
	// the admin its background. Then they wait for their deletions.
	readers := append([]*client{admin}, clients...)
	verdicts := make([]*Verdict, len(readers))
	left := make([]int, len(readers))
	for i, c := range readers {
		c.rec = newRecorder()
		wg.Go(func() {
			verdicts[i] = verify(c, c.objs)
			left[i] = awaitDeletes(c, c.objs, o.DeleteBound)
		})
	}
	wg.Wait()
	rep.Verdict = &Verdict{}
	for i, c := range readers {
		rep.Verdict.add(verdicts[i])
		rep.DeletesLeft += left[i]
		aside.merge(c.rec)
	}
	rep.Callbacks = rc.seen.Load()
	load.merge(aside) // failures anywhere count
	rep.Failures, rep.Violations = load.failures, load.violations
	rep.Refusals, rep.Unexpected, rep.Samples = load.refusals, load.unexpected, load.samples
	return rep, nil
}

// step is one operation of a client: a read (a get of one of its objects,
// or a list) or a write (a create, change or delete) of a random kind;
// kinds the user may not write are read.
func (c *client) step(readShare float64) {
	k := kinds[c.rng.IntN(len(kinds))]
	if c.rng.Float64() < readShare || !k.writable(c.u) {
		if o := c.pickAny(k); o != nil && c.rng.IntN(10) < 6 {
			k.read(c, o)
		} else {
			k.list(c)
		}
		return
	}
	o := c.pick(k)
	switch n := c.rng.IntN(10); {
	case o == nil || n < 4:
		k.create(c)
	case n < 7:
		if !k.change(c, o) {
			k.create(c)
		}
	default:
		k.remove(c, o)
	}
}

// pickAny returns one of the client's objects of kind k whose state is
// known, deleted ones included, or nil.
func (c *client) pickAny(k kind) *object {
	var known []*object
	for _, o := range c.objs {
		if o.kind == k && !o.unknown {
			known = append(known, o)
		}
	}
	if len(known) == 0 {
		return nil
	}
	return known[c.rng.IntN(len(known))]
}

// Report is what a load found.
type Report struct {
	Clients, Background int
	Elapsed             time.Duration
	// Table has each surface's requests, statuses, rate and latencies
	// during the load.
	Table    string
	Requests int
	// Surfaces are each surface's counts during the load.
	Surfaces map[string]Figures
	// Failures are the 5xx answers and requests without an answer, in
	// any phase, with their bodies; Violations the answers that
	// contradict an acknowledged write, or a surface's promised shape.
	Failures, Violations []string
	// Refusals count the writes answered 4xx, by surface, method and
	// status; Unexpected those a well-behaved client should not meet,
	// some of them in Samples.
	Refusals   map[string]int
	Unexpected int
	Samples    []string
	// Verdict is the read-back of every acknowledged write.
	Verdict *Verdict
	// DeletesLeft are deletions still under way when the wait for them
	// ended.
	DeletesLeft int
	// Local copies Ready, and all of them, before and after the load.
	ReadyBefore, CopiesBefore, ReadyAfter, CopiesAfter int
	// Callbacks are the ESC callbacks received.
	Callbacks int64
}

// Figures are one surface's counts: requests, writes among them, and
// writes acknowledged.
type Figures struct{ Requests, Writes, Acked int }

// OK reports whether the load found nothing wrong.
func (r *Report) OK() bool {
	return len(r.Failures) == 0 && len(r.Violations) == 0 && r.Unexpected == 0 && len(r.Verdict.Lost) == 0
}

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "load: %d clients for %v, %d requests (%.1f req/s)\n\n", r.Clients, r.Elapsed.Round(time.Millisecond),
		r.Requests, float64(r.Requests)/r.Elapsed.Seconds())
	b.WriteString(r.Table)
	v := r.Verdict
	fmt.Fprintf(&b, "\nacknowledged writes: %d on %d objects; read back after the load: %d objects checked, %d lost; "+
		"%d without an answer to a write (not checked)\n", v.Writes, v.Objects, v.Checked, len(v.Lost), v.Objects-v.Checked)
	fmt.Fprintf(&b, "deletes acknowledged: %d; under way at the read-back: %d; still under way at the end of the wait: %d\n",
		v.Deleted, v.Pending, r.DeletesLeft)
	fmt.Fprintf(&b, "convergence (%d background networks and servers, then the clients' objects): local copies Ready %d/%d at the start of the load, %d/%d at its end\n",
		r.Background, r.ReadyBefore, r.CopiesBefore, r.ReadyAfter, r.CopiesAfter)
	fmt.Fprintf(&b, "ESC callbacks received: %d\n", r.Callbacks)
	fmt.Fprintf(&b, "5xx and unanswered: %d; read-your-writes and shape violations: %d; unexpected refusals: %d\n",
		len(r.Failures), len(r.Violations), r.Unexpected)
	if len(r.Refusals) > 0 {
		b.WriteString("writes refused (4xx):\n")
		for _, k := range slices.Sorted(maps.Keys(r.Refusals)) {
			fmt.Fprintf(&b, "  %-40s %d\n", k, r.Refusals[k])
		}
	}
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s (%d):\n", title, len(lines))
		for i, l := range lines {
			if i == maxSamples {
				fmt.Fprintf(&b, "  ... and %d more\n", len(lines)-i)
				break
			}
			fmt.Fprintf(&b, "  %s\n", l)
		}
	}
	section("5xx and unanswered requests", r.Failures)
	section("lost writes", v.Lost)
	section("violations", r.Violations)
	section("unexpected refusals", r.Samples)
	return b.String()
}
