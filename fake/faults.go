package fake

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Op names a VIM operation, for fault injection and call counts.
type Op string

const (
	OpObserve    Op = "observe"
	OpObserveAll Op = "observe_all"
	OpCreate     Op = "create"
	OpUpdate     Op = "update"
	OpDelete     Op = "delete"
	OpPing       Op = "ping"
	OpPower      Op = "power"
	OpSnapshot   Op = "snapshot"
	OpConsole    Op = "console"
	OpHosts      Op = "hosts"
	OpSetHost    Op = "set_host"
	// OpAny matches every operation in fault injection.
	OpAny Op = "*"
)

type failNext struct {
	op   Op
	n    int
	code resource.ErrorCode
}

type failRate struct {
	p    float64
	code resource.ErrorCode
}

type faults struct {
	next        []failNext
	rate        map[Op]failRate
	hang        map[Op]int
	hangRate    map[Op]float64
	loseCreates int
	loseRate    float64
	// loseSeen is loseCreates as last seen here: Create (fake.go)
	// consumes losses, and the difference tells how many it did.
	// armed marks a loss drawn by loseRate for the Create under way,
	// withdrawn at the next look if that Create did not use it (it
	// adopted, or failed before committing).
	loseSeen int
	armed    bool
	down     downMode
	counts   FaultCounts
}

// downMode is how an unreachable VIM answers.
type downMode int

const (
	up downMode = iota
	downRefusing
	downHanging
)

// FaultCounts are the faults a VIM injected, by kind, since it was made.
type FaultCounts struct {
	// Errors counts calls failed with an injected error (FailNext,
	// FailRate).
	Errors int
	// Hangs counts calls held until their context ended (HangNext,
	// HangRate).
	Hangs int
	// LostCreates counts Creates that committed an object and then
	// failed (LoseCreateResponses, LoseCreateRate).
	LostCreates int
	// Unreachable counts calls refused or held while the VIM was down
	// (Down).
	Unreachable int
}

// Add returns the sum of c and d, for totals over several VIMs.
func (c FaultCounts) Add(d FaultCounts) FaultCounts {
	return FaultCounts{Errors: c.Errors + d.Errors, Hangs: c.Hangs + d.Hangs,
		LostCreates: c.LostCreates + d.LostCreates, Unreachable: c.Unreachable + d.Unreachable}
}

// settle accounts for what the last Create did with the lost responses
// pending: counts those it consumed and withdraws a rate-drawn loss it
// left. Between two looks at most one Create ran (each begins with take,
// under the lock it holds to the end).
func (f *faults) settle() {
	consumed := f.loseSeen - f.loseCreates
	if consumed > 0 {
		f.counts.LostCreates += consumed
	}
	if f.armed && consumed <= 0 && f.loseCreates > 0 {
		f.loseCreates--
	}
	f.armed = false
	f.loseSeen = f.loseCreates
}

// take applies the faults due for one call of op: whether to hang, or the
// error to fail with.
func (f *faults) take(op Op, rnd *rand.Rand) (hang bool, err error) {
	f.settle()
	switch f.down {
	case downHanging:
		f.counts.Unreachable++
		return true, nil
	case downRefusing:
		f.counts.Unreachable++
		return false, resource.Errorf(resource.Unavailable, "fake: unreachable: connection refused (%s)", op)
	}
	for _, key := range []Op{op, OpAny} {
		if f.hang[key] > 0 {
			f.hang[key]--
			f.counts.Hangs++
			return true, nil
		}
	}
	for i := range f.next {
		if fn := &f.next[i]; fn.n > 0 && (fn.op == op || fn.op == OpAny) {
			fn.n--
			code := fn.code
			f.next = slices.DeleteFunc(f.next, func(x failNext) bool { return x.n == 0 })
			f.counts.Errors++
			return false, resource.Errorf(code, "fake: injected %v on %s", code, op)
		}
	}
	for _, key := range []Op{op, OpAny} {
		if p, ok := f.hangRate[key]; ok && rnd.Float64() < p {
			f.counts.Hangs++
			return true, nil
		}
	}
	for _, key := range []Op{op, OpAny} {
		if r, ok := f.rate[key]; ok && rnd.Float64() < r.p {
			f.counts.Errors++
			return false, resource.Errorf(r.code, "fake: injected %v on %s (rate %.2f)", r.code, op, r.p)
		}
	}
	if op == OpCreate && f.loseRate > 0 && rnd.Float64() < f.loseRate {
		// Create loses its response when it commits (fake.go).
		f.loseCreates++
		f.loseSeen = f.loseCreates
		f.armed = true
	}
	return false, nil
}

// FailNext makes the next n calls of op (OpAny: of any operation) fail with
// code, before they touch any object. Calls queue: FailNext(OpCreate, 1,
// Conflict) then FailNext(OpCreate, 1, Unavailable) fails two creates, in
// that order.
func (v *VIM) FailNext(op Op, n int, code resource.ErrorCode) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults.next = append(v.faults.next, failNext{op: op, n: n, code: code})
}

// FailRate makes each call of op fail with code with probability p (0 stops
// it). The draw is seeded by Options.Seed.
func (v *VIM) FailRate(op Op, p float64, code resource.ErrorCode) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.faults.rate == nil {
		v.faults.rate = map[Op]failRate{}
	}
	if p <= 0 {
		delete(v.faults.rate, op)
		return
	}
	v.faults.rate[op] = failRate{p: p, code: code}
}

// HangNext makes the next n calls of op block until their context ends, then
// fail with Unavailable wrapping the context's error.
func (v *VIM) HangNext(op Op, n int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.faults.hang == nil {
		v.faults.hang = map[Op]int{}
	}
	v.faults.hang[op] += n
}

// HangRate makes each call of op (OpAny: of any operation) block until its
// context ends with probability p (0 stops it), as a request whose answer
// never comes does. The draw is seeded by Options.Seed.
func (v *VIM) HangRate(op Op, p float64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.faults.hangRate == nil {
		v.faults.hangRate = map[Op]float64{}
	}
	if p <= 0 {
		delete(v.faults.hangRate, op)
		return
	}
	v.faults.hangRate[op] = p
}

// LoseCreateResponses makes the next n Creates that commit an object fail
// with Unavailable after committing it, as when a connection drops after
// the VIM accepted the request.
func (v *VIM) LoseCreateResponses(n int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults.settle()
	v.faults.loseCreates += n
	v.faults.loseSeen = v.faults.loseCreates
}

// LoseCreateRate makes each Create that commits a new object lose its
// response with probability p (0 stops it): the object exists, the caller
// gets Unavailable. A Create that adopts an existing object answers
// normally. The draw is seeded by Options.Seed.
func (v *VIM) LoseCreateRate(p float64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults.loseRate = max(p, 0)
}

// Down makes the VIM unreachable, as a site whose link or API is down:
// every call fails with Unavailable at once (connection refused) or, with
// hang, blocks until its context ends (packets dropped). Objects are kept
// and builds go on; Up brings the VIM back.
func (v *VIM) Down(hang bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults.down = downRefusing
	if hang {
		v.faults.down = downHanging
	}
}

// Up makes a VIM that Down took down reachable again.
func (v *VIM) Up() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults.down = up
}

// Faults returns how many faults the VIM injected, by kind.
func (v *VIM) Faults() FaultCounts {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults.settle()
	return v.faults.counts
}

// ClearFaults removes every pending injected fault and rate, and brings a
// VIM that is down back up. The counts of faults injected are kept.
func (v *VIM) ClearFaults() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults.settle()
	v.faults = faults{counts: v.faults.counts}
}

// driftValue replaces a field's value when it drifts: no spec holds it.
const driftValue = `"fake: changed out of band"`

// Drift changes the named spec fields (or vim.PartsField) of the object
// tagged orcaID out of band, as an operator editing it in the VIM would.
// Observe then lists them in Drift. It returns NotFound for an unknown tag
// and Invalid for a field the object does not have.
func (v *VIM) Drift(orcaID string, fields ...string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	o, ok := v.objects[orcaID]
	if !ok {
		return resource.Errorf(resource.NotFound, "fake: no object tagged %s", orcaID)
	}
	for _, f := range fields {
		if f == vim.PartsField {
			o.parts = []byte(driftValue)
			continue
		}
		if _, ok := o.applied[f]; !ok {
			return resource.InvalidField(f, "fake: %s has no such field", o.kind)
		}
		o.applied[f] = []byte(driftValue)
	}
	return nil
}

// Vanish deletes the object tagged orcaID out of band, at once, whatever
// uses it. It returns NotFound for an unknown tag.
func (v *VIM) Vanish(orcaID string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.objects[orcaID]; !ok {
		return resource.Errorf(resource.NotFound, "fake: no object tagged %s", orcaID)
	}
	delete(v.objects, orcaID)
	return nil
}

// Break puts the object tagged orcaID in the Error state with message, as a
// VIM does when a build fails.
func (v *VIM) Break(orcaID, message string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	o, ok := v.objects[orcaID]
	if !ok {
		return resource.Errorf(resource.NotFound, "fake: no object tagged %s", orcaID)
	}
	o.state, o.message, o.until = vim.StateError, message, time.Time{} // no pending build completes it
	return nil
}
