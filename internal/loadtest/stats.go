package loadtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The surfaces, in the report's order.
const (
	surfaceV1     = "v1.0 (seed 000)"
	surfaceTrema  = "trema (001)"
	surfaceWaldur = "waldur (002)"
	surfaceMogan  = "mogan (003)"
	surfaceESC    = "esc /v0 (004)"
)

var surfaces = []string{surfaceV1, surfaceTrema, surfaceWaldur, surfaceMogan, surfaceESC}

// maxSamples bounds the failures and refusals kept in full.
const maxSamples = 20

// recorder counts one client's requests (or one phase's), unlocked: each
// goroutine has its own, merged at the end.
type recorder struct {
	by map[string]*surfaceStats
	// failures are 5xx answers and transport errors, each with its body.
	failures []string
	// violations are answers that contradict what the client was told
	// before: a read missing its own acknowledged write, a body that is
	// not the surface's shape.
	violations []string
	// refusals counts 4xx answers to writes by "surface METHOD status";
	// unexpected are those a well-behaved client should not meet, with
	// some of their bodies in samples.
	refusals   map[string]int
	unexpected int
	samples    []string
}

// surfaceStats are one surface's counters.
type surfaceStats struct {
	requests, reads, writes, acked int
	classes                        [6]int // by status / 100; 0 = no answer
	// throttled are 429 answers (the rate limit), apart from the 4xx
	// class and from the latencies.
	throttled int
	latencies []time.Duration
}

func newRecorder() *recorder {
	return &recorder{by: map[string]*surfaceStats{}, refusals: map[string]int{}}
}

func (rc *recorder) surface(name string) *surfaceStats {
	s := rc.by[name]
	if s == nil {
		s = &surfaceStats{}
		rc.by[name] = s
	}
	return s
}

// count records one request.
func (rc *recorder) count(r req, resp response, d time.Duration, who string) {
	s := rc.surface(r.surface)
	s.requests++
	if r.method == "GET" {
		s.reads++
	} else {
		s.writes++
	}
	switch {
	case resp.code == 429:
		s.throttled++
		return
	case resp.err != nil:
		s.classes[0]++
		rc.failures = append(rc.failures, fmt.Sprintf("%s %s as %s: no answer: %v", r.method, r.path, who, resp.err))
	case resp.code >= 100 && resp.code < 600:
		s.latencies = append(s.latencies, d)
		s.classes[resp.code/100]++
		if resp.code >= 500 {
			rc.failures = append(rc.failures, fmt.Sprintf("%s %s as %s (body %.500q): %d %.2000s", r.method, r.path, who, r.body, resp.code, resp.body))
		}
	}
}

func (rc *recorder) acked(r req) { rc.surface(r.surface).acked++ }

// refused records a write answered with a 4xx.
func (rc *recorder) refused(r req, resp response, who string, expected bool) {
	key := fmt.Sprintf("%s %s %d", r.surface, r.method, resp.code)
	if expected {
		key += " (expected)"
	} else {
		rc.unexpected++
		if len(rc.samples) < maxSamples {
			rc.samples = append(rc.samples, fmt.Sprintf("%s %s as %s (body %.300q): %d %.500s", r.method, r.path, who, r.body, resp.code, resp.body))
		}
	}
	rc.refusals[key]++
}

func (rc *recorder) violate(format string, args ...any) {
	rc.violations = append(rc.violations, fmt.Sprintf(format, args...))
}

// merge adds other's counts to rc.
func (rc *recorder) merge(other *recorder) {
	for name, o := range other.by {
		s := rc.surface(name)
		s.requests += o.requests
		s.reads += o.reads
		s.writes += o.writes
		s.acked += o.acked
		s.throttled += o.throttled
		for i := range s.classes {
			s.classes[i] += o.classes[i]
		}
		s.latencies = append(s.latencies, o.latencies...)
	}
	rc.failures = append(rc.failures, other.failures...)
	rc.violations = append(rc.violations, other.violations...)
	for k, n := range other.refusals {
		rc.refusals[k] += n
	}
	rc.unexpected += other.unexpected
	rc.samples = append(rc.samples, other.samples...)
}

// quantile returns the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// table renders the per-surface figures of a phase that lasted elapsed.
func (rc *recorder) table(elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %8s %7s %7s %7s %6s %5s %5s %5s %6s %7s %9s %9s %9s\n",
		"surface", "requests", "reads", "writes", "acked", "2xx", "4xx", "429", "5xx", "no-ans", "req/s", "p50", "p99", "max")
	total := &surfaceStats{}
	row := func(name string, s *surfaceStats) {
		lat := slices.Clone(s.latencies)
		slices.Sort(lat)
		var top time.Duration
		if len(lat) > 0 {
			top = lat[len(lat)-1]
		}
		fmt.Fprintf(&b, "%-16s %8d %7d %7d %7d %6d %5d %5d %5d %6d %7.1f %9s %9s %9s\n", name, s.requests, s.reads, s.writes, s.acked,
			s.classes[2], s.classes[4], s.throttled, s.classes[5], s.classes[0], float64(s.requests)/elapsed.Seconds(),
			round(quantile(lat, 0.50)), round(quantile(lat, 0.99)), round(top))
	}
	names := slices.Clone(surfaces)
	for _, n := range slices.Sorted(maps.Keys(rc.by)) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, n := range names {
		s := rc.by[n]
		if s == nil {
			continue
		}
		row(n, s)
		total.requests += s.requests
		total.reads += s.reads
		total.writes += s.writes
		total.acked += s.acked
		total.throttled += s.throttled
		for i := range s.classes {
			total.classes[i] += s.classes[i]
		}
		total.latencies = append(total.latencies, s.latencies...)
	}
	row("total", total)
	return b.String()
}

// round keeps a duration's figures readable.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
