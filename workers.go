package orca

import (
	"runtime"
	"sync"
)

// Worker pool sizing when Options.Workers is zero.
const (
	// workersPerSlot: a pass spends time in the store before and after
	// its VIM call, so one worker per call slot leaves slots idle
	// meanwhile. BenchmarkConverge (10,000 networks × 10 locations)
	// measured 1.3 × its bound with one worker per slot and 1.15 × with
	// two; three did no better.
	workersPerSlot = 2
	// minWorkers serves the store-only passes of a process with few or
	// no locations open.
	minWorkers = 8
	// maxAutoWorkers bounds the goroutines a large fleet gets by
	// default; Options.Workers sets any other size.
	maxAutoWorkers = 4096
)

// pool runs the reconciler's workers while Run runs. With Options.Workers
// set, it runs that many; otherwise it grows as locations open, to
// workersPerSlot per VIM call slot (LocationConcurrency per location). It
// does not shrink when locations close: an idle worker costs a few KiB.
type pool struct {
	mu      sync.Mutex
	fixed   int    // Options.Workers; 0 sizes the pool by the open locations
	perLoc  int    // VIM call slots per location
	slots   int    // VIM call slots of the open locations
	started int    // workers started by this Run
	spawn   func() // starts one worker; nil while Run is not running
	q       *queue
}

// size is how many workers the pool should run; callers hold mu.
func (p *pool) size() int {
	if p.fixed > 0 {
		return p.fixed
	}
	return min(max(workersPerSlot*p.slots, minWorkers), maxAutoWorkers)
}

// start starts the pool's workers with spawn, and later ones as locations
// open, until stop.
func (p *pool) start(spawn func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.spawn, p.started = spawn, 0
	p.fill()
}

// stop makes the pool start no more workers; those running end with the
// queue's closing.
func (p *pool) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.spawn = nil
}

// locations records how many locations are open, growing the pool to
// match.
func (p *pool) locations(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.slots = n * p.perLoc
	p.fill()
}

// fill starts workers up to size and sets the queue's share of them for
// store-only passes; callers hold mu.
func (p *pool) fill() {
	n := p.size()
	// Store-only passes contend for the store and the CPU, not for VIM
	// slots: a few per core keep them flowing, and at most half the
	// workers leaves the rest to VIM work.
	p.q.setFanCap(min(4*runtime.GOMAXPROCS(0), max(n/2, 1)))
	if p.spawn == nil {
		return
	}
	for ; p.started < n; p.started++ {
		p.spawn()
	}
}

// running is how many workers this Run started (0 when not running).
func (p *pool) running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.spawn == nil {
		return 0
	}
	return p.started
}
