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
	loseCreates int
}

// take applies the faults due for one call of op: whether to hang, or the
// error to fail with.
func (f *faults) take(op Op, rnd *rand.Rand) (hang bool, err error) {
	for _, key := range []Op{op, OpAny} {
		if f.hang[key] > 0 {
			f.hang[key]--
			return true, nil
		}
	}
	for i := range f.next {
		if fn := &f.next[i]; fn.n > 0 && (fn.op == op || fn.op == OpAny) {
			fn.n--
			code := fn.code
			f.next = slices.DeleteFunc(f.next, func(x failNext) bool { return x.n == 0 })
			return false, resource.Errorf(code, "fake: injected %v on %s", code, op)
		}
	}
	for _, key := range []Op{op, OpAny} {
		if r, ok := f.rate[key]; ok && rnd.Float64() < r.p {
			return false, resource.Errorf(r.code, "fake: injected %v on %s (rate %.2f)", r.code, op, r.p)
		}
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

// LoseCreateResponses makes the next n Creates commit the object and then
// fail with Unavailable, as when a connection drops after the VIM accepted
// the request.
func (v *VIM) LoseCreateResponses(n int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults.loseCreates += n
}

// ClearFaults removes every pending injected fault.
func (v *VIM) ClearFaults() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.faults = faults{}
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
