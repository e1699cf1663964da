package loadtest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestQuantile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := map[string]struct {
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		"none":              {nil, 0.5, 0},
		"one":               {ms(7), 0.99, 7 * time.Millisecond},
		"median of four":    {ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		"p99 of a hundred":  {ms(hundred...), 0.99, 99 * time.Millisecond},
		"p50 of a hundred":  {ms(hundred...), 0.50, 50 * time.Millisecond},
		"max is the last":   {ms(1, 2, 3), 1, 3 * time.Millisecond},
		"tiny q, the first": {ms(5, 6), 0.001, 5 * time.Millisecond},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := quantile(tc.sorted, tc.q); got != tc.want {
				t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

// TestRecorder: statuses by class, 429s apart, 5xx and unanswered
// requests as failures with their bodies, refusals expected or not, and
// merging.
func TestRecorder(t *testing.T) {
	a, b := newRecorder(), newRecorder()
	get := req{surface: surfaceV1, method: "GET", path: "/x"}
	put := req{surface: surfaceV1, method: "PUT", path: "/x", body: "{}"}
	a.count(get, response{code: 200}, time.Millisecond, "u")
	a.count(get, response{code: 429}, time.Millisecond, "u")
	a.count(put, response{code: 503, body: []byte("overloaded")}, time.Millisecond, "u")
	b.count(put, response{err: errTest}, time.Millisecond, "v")
	b.count(put, response{code: 409}, time.Millisecond, "v")
	b.refused(put, response{code: 409, body: []byte("busy")}, "v", true)
	b.refused(put, response{code: 400, body: []byte("bad")}, "v", false)
	a.merge(b)

	s := a.by[surfaceV1]
	got := struct {
		Requests, Reads, Writes, Throttled, Latencies int
		Classes                                       [6]int
		Refusals                                      map[string]int
		Unexpected                                    int
	}{s.requests, s.reads, s.writes, s.throttled, len(s.latencies), s.classes, a.refusals, a.unexpected}
	want := got
	want.Requests, want.Reads, want.Writes, want.Throttled, want.Latencies = 5, 2, 3, 1, 3
	want.Classes = [6]int{1, 0, 1, 0, 1, 1}
	want.Refusals = map[string]int{surfaceV1 + " PUT 409 (expected)": 1, surfaceV1 + " PUT 400": 1}
	want.Unexpected = 1
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if len(a.failures) != 2 || !strings.Contains(a.failures[0], "503 overloaded") || !strings.Contains(a.failures[1], "no answer") {
		t.Errorf("failures %q", a.failures)
	}
	if len(a.samples) != 1 || !strings.Contains(a.samples[0], "400 bad") {
		t.Errorf("samples %q", a.samples)
	}
	if table := a.table(time.Second); !strings.Contains(table, surfaceV1) || !strings.Contains(table, "total") {
		t.Errorf("table:\n%s", table)
	}
}

type testError struct{}

func (testError) Error() string { return "connection reset" }

var errTest error = testError{}

// TestLockedBuffer: the log's end is kept within its bound, saying how
// much was left out, and the first panic line is noted.
func TestLockedBuffer(t *testing.T) {
	var b lockedBuffer
	b.Write([]byte("start\nlevel=ERROR msg=\"recovered panic\" err=boom\nmore\n"))
	b.Write([]byte(strings.Repeat("x", logKeep)))
	b.Write([]byte("\nlast line"))
	if got := b.panicLine; got != `level=ERROR msg="recovered panic" err=boom` {
		t.Errorf("panic line %q", got)
	}
	s := b.String()
	if !strings.HasSuffix(s, "\nlast line") || !strings.HasPrefix(s, "[") || len(b.buf) != logKeep {
		t.Errorf("kept %d bytes, starting %.40q", len(b.buf), s)
	}
}
