package loadtest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/go-cmp/cmp"
)

// kind is one kind of object on one surface, as the clients write and
// read it. Each method sends its requests through the client, which counts
// them; writes settle the object's expected state.
type kind interface {
	// surface is the API the kind is reached through.
	surface() string
	// writable reports whether u creates, changes and deletes these.
	writable(u *user) bool
	create(c *client)
	// change updates o, or acts on it; false when the kind has neither.
	change(c *client, o *object) bool
	remove(c *client, o *object)
	// read gets o and checks it against o's expected state.
	read(c *client, o *object)
	// list lists with filters, checking what it can.
	list(c *client)
	// observe reads o back through its surface as c sees it: its fields,
	// or found false when it is not there.
	observe(c *client, o *object) (fields map[string]string, found bool)
	// v1 is o's path under /v1.0, where orca.deleting shows a delete
	// under way.
	v1(o *object) string
}

// object is one object a client wrote: what the server acknowledged last.
type object struct {
	kind   kind
	id     string
	tenant string
	// name is the name it was created with, which changes extend.
	name string
	// want is the state the last acknowledged write promised; nil after
	// an acknowledged delete.
	want map[string]string
	// unknown is set when a write got no answer (or a 5xx): the object's
	// state is then not checked.
	unknown bool
	acked   int
}

// checkRead compares a read of o (fields, or a 404 when found is false)
// with what the client was last told: an acknowledged write a later read
// does not show is a violation. A deleted object may still be read while
// its deletion is under way.
func (c *client) checkRead(r req, o *object, found bool, fields map[string]string) {
	switch {
	case o.unknown || o.want == nil:
	case !found:
		c.rec.violate("%s %s as %s: 404 after the write acknowledged last (%v)", r.method, r.path, c.u.name, o.want)
	default:
		if diff := cmp.Diff(o.want, fields); diff != "" {
			c.rec.violate("%s %s as %s: not the write acknowledged last (-want +got):\n%s", r.method, r.path, c.u.name, diff)
		}
	}
}

// Verdict is the read-back of every acknowledged write after the load.
type Verdict struct {
	// Objects are the objects written; Checked those whose state is
	// known (the rest had a write without an answer).
	Objects, Checked int
	// Writes are the acknowledged writes.
	Writes int
	// Lost describes each object whose last acknowledged write is not
	// what the API shows.
	Lost []string
	// Deleted are objects whose delete was acknowledged; Pending those
	// still being deleted (orca.deleting) when last looked at.
	Deleted, Pending int
}

// verify reads back objects as c, the client that wrote them, through
// their own surface and through /v1.0. An object deleted must be gone or
// being deleted; any other must show exactly its last acknowledged state.
func verify(c *client, objs []*object) *Verdict {
	v := &Verdict{Objects: len(objs)}
	for _, o := range objs {
		v.Writes += o.acked
		if o.unknown {
			continue
		}
		v.Checked++
		code, deleting := c.v1State(o)
		what := fmt.Sprintf("%s %s (%s)", o.kind.surface(), o.id, o.kind.v1(o))
		if o.want == nil {
			v.Deleted++
			switch {
			case code == 200 && deleting:
				v.Pending++
			case code != 404 && code != 200:
				v.Lost = append(v.Lost, fmt.Sprintf("%s: deleted; /v1.0 answers %d", what, code))
			case code == 200:
				v.Lost = append(v.Lost, what+": deleted (acknowledged), yet present and not being deleted")
			}
			continue
		}
		fields, found := o.kind.observe(c, o)
		switch {
		case !found:
			v.Lost = append(v.Lost, fmt.Sprintf("%s: missing; the last acknowledged write left %v", what, o.want))
		case code != 200 || deleting:
			v.Lost = append(v.Lost, fmt.Sprintf("%s: /v1.0 answers %d (deleting %v) for an object never deleted", what, code, deleting))
		default:
			if diff := cmp.Diff(o.want, fields); diff != "" {
				v.Lost = append(v.Lost, fmt.Sprintf("%s: not the write acknowledged last (-want +got):\n%s", what, diff))
			}
		}
	}
	return v
}

// awaitDeletes polls the objects whose deletion was acknowledged until
// they are gone or bound passes (a guard, not an assertion): how many are
// still there.
func awaitDeletes(c *client, objs []*object, bound time.Duration) int {
	var left []*object
	for _, o := range objs {
		if !o.unknown && o.want == nil {
			left = append(left, o)
		}
	}
	deadline := time.Now().Add(bound)
	for {
		var still []*object
		for _, o := range left {
			if code, _ := c.v1State(o); code == 200 {
				still = append(still, o)
			}
		}
		if left = still; len(left) == 0 || time.Now().After(deadline) {
			return len(left)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// add sums another verdict into v.
func (v *Verdict) add(o *Verdict) {
	v.Objects += o.Objects
	v.Checked += o.Checked
	v.Writes += o.Writes
	v.Lost = append(v.Lost, o.Lost...)
	v.Deleted += o.Deleted
	v.Pending += o.Pending
}

// v1State gets o through /v1.0: the status, and whether orca is deleting it.
func (c *client) v1State(o *object) (code int, deleting bool) {
	r := req{surface: surfaceV1, method: "GET", path: o.kind.v1(o)}
	resp := c.do(r)
	if resp.code != 200 {
		return resp.code, false
	}
	var wrapped map[string]struct {
		Orca struct {
			Deleting bool `json:"deleting"`
		} `json:"orca"`
	}
	if !c.json(r, resp, &wrapped) || len(wrapped) != 1 {
		return resp.code, false
	}
	for _, one := range wrapped {
		deleting = one.Orca.Deleting
	}
	return resp.code, deleting
}

// str renders a JSON value as the fields compare it.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}
