// Package apibench measures the API as users hit it: a server process
// (the demo, or the bare baseline in ./bare) over loopback sockets, C
// concurrent clients for a while, each workload in turn. It reports
// requests a second, latency quantiles, and the server's CPU time and
// allocations per request, read from the process. scripts/bench runs it
// (TestAPIBench) and prints each orca figure as a ratio to the bare
// server's measured in the same run.
package apibench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one request of a workload; i counts the requests of a run,
// across its clients, so bodies and IDs can be made unique.
type Request func(i int64) (method, path, body string)

// Workload is what the clients send and the status each answer must have.
type Workload struct {
	Name string
	Make Request
	Want int
	// Header is added to every request (another surface's credentials).
	Header map[string]string
}

// Server is the process under test.
type Server struct {
	URL, Token string
	PID        int
	// Mallocs returns the process's allocation count so far.
	Mallocs func() (uint64, error)
}

// Result is one run's figures.
type Result struct {
	Requests      int64
	Elapsed       time.Duration
	P50, P99      time.Duration
	CPUPerRequest time.Duration // user+system time of the server process
	AllocsPerReq  float64
	Errors        int64
	FirstError    string
}

// PerSecond is the throughput.
func (r Result) PerSecond() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Run sends w from clients goroutines for d and measures.
func Run(s Server, w Workload, clients int, d time.Duration) (Result, error) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}, Timeout: time.Minute}
	defer hc.CloseIdleConnections()
	cpu0, err := cpuTime(s.PID)
	if err != nil {
		return Result{}, err
	}
	m0, err := s.Mallocs()
	if err != nil {
		return Result{}, err
	}
	var (
		next     atomic.Int64
		errs     atomic.Int64
		firstErr atomic.Value
		mu       sync.Mutex
		lat      []time.Duration
		wg       sync.WaitGroup
	)
	start := time.Now()
	stop := start.Add(d)
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(stop) {
				method, path, body := w.Make(next.Add(1))
				req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
				req.Header.Set("X-Auth-Token", s.Token)
				for k, v := range w.Header {
					req.Header.Set(k, v)
				}
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				t0 := time.Now()
				res, err := hc.Do(req)
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				mine = append(mine, time.Since(t0))
				if err != nil || res.StatusCode != w.Want {
					if errs.Add(1) == 1 {
						if err != nil {
							firstErr.Store(err.Error())
						} else {
							firstErr.Store(fmt.Sprintf("%s %s: %d, want %d", method, path, res.StatusCode, w.Want))
						}
					}
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu1, err := cpuTime(s.PID)
	if err != nil {
		return Result{}, err
	}
	m1, err := s.Mallocs()
	if err != nil {
		return Result{}, err
	}
	slices.Sort(lat)
	r := Result{Requests: int64(len(lat)), Elapsed: elapsed, Errors: errs.Load()}
	if len(lat) > 0 {
		r.P50, r.P99 = lat[len(lat)/2], lat[len(lat)*99/100]
		r.CPUPerRequest = (cpu1 - cpu0) / time.Duration(len(lat))
		r.AllocsPerReq = float64(m1-m0) / float64(len(lat))
	}
	if e, ok := firstErr.Load().(string); ok {
		r.FirstError = e
	}
	return r, nil
}

// cpuTime is the user and system time a process used so far
// (/proc/PID/stat, in clock ticks of 10ms on Linux).
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("server CPU time: %w", err)
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing parenthesis (field 3 is the state).
	rest := string(raw[strings.LastIndexByte(string(raw), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("server CPU time: short /proc stat %q", raw)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("server CPU time: %q", raw)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}
