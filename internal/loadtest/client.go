package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// user is one of the demo's users, as the load logs in.
type user struct {
	name, password, tenant string
	admin                  bool
	token                  string // X-Auth-Token, from /v3/auth/tokens
}

// client is one concurrent caller: a user, its own objects and its own
// counters (merged after the run, so clients share nothing but the
// server).
type client struct {
	id   int
	base string
	http *http.Client
	u    *user
	rng  *rand.Rand
	rec  *recorder
	objs []*object
	seq  int
	// callback is the URL ESC writes report to ("" for none).
	callback string
	// timeout bounds one request: a server that does not answer within
	// it has failed (a guard against hangs, counted as a transport error).
	timeout time.Duration
}

// response is a request's outcome; err is a transport error (no answer).
type response struct {
	code   int
	header http.Header
	body   []byte
	err    error
}

// req is a request to send.
type req struct {
	surface, method, path string
	body                  string
	// contentType defaults to application/json when there is a body.
	contentType, accept string
	// headers are further headers, name then value ("" removes one).
	headers []string
	// expect are the refusals (4xx) a well-behaved client may meet with
	// this write, such as a power change while another is in flight.
	expect []int
}

// maxThrottled bounds the retries of a request answered 429.
const maxThrottled = 20

// do sends r as the client's user (X-Auth-Token, or HTTP basic on ESC),
// times it and counts it on its surface; a 5xx or a transport error is
// recorded as a failure with its body. A 429 (the server's rate limit) is
// waited out as its Retry-After says and the request sent again, as a
// well-behaved client does.
func (c *client) do(r req) response {
	for attempt := 0; ; attempt++ {
		resp := c.send(r)
		if resp.code != http.StatusTooManyRequests || attempt == maxThrottled {
			return resp
		}
		wait, err := strconv.Atoi(resp.header.Get("Retry-After"))
		if err != nil || wait < 1 {
			wait = 1
		}
		time.Sleep(time.Duration(min(wait, 5)) * time.Second)
	}
}

// send sends r once.
func (c *client) send(r req) response {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		panic(err) // the load's own paths are valid
	}
	if r.body != "" {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	if r.accept != "" {
		hr.Header.Set("Accept", r.accept)
	}
	if r.surface == surfaceESC {
		hr.SetBasicAuth(c.u.name, c.u.password)
	} else {
		hr.Header.Set("X-Auth-Token", c.u.token)
	}
	for i := 0; i+1 < len(r.headers); i += 2 {
		if r.headers[i+1] == "" {
			hr.Header.Del(r.headers[i])
		} else {
			hr.Header.Set(r.headers[i], r.headers[i+1])
		}
	}
	start := time.Now()
	resp, err := c.http.Do(hr)
	var out response
	if err == nil {
		out.code, out.header = resp.StatusCode, resp.Header
		out.body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	out.err = err
	c.rec.count(r, out, time.Since(start), c.u.name)
	return out
}

// json decodes a response body into v; false (and a violation recorded)
// when it is not what the surface promised.
func (c *client) json(r req, resp response, v any) bool {
	if err := json.Unmarshal(resp.body, v); err != nil {
		c.rec.violate("%s %s as %s: %d with a body that does not decode: %v: %.300s", r.method, r.path, c.u.name, resp.code, err, resp.body)
		return false
	}
	return true
}

// nextID returns a new object ID, unique in the run: IDs are unique
// across kinds in orca, and ESC refuses anything else.
func (c *client) nextID(kind string) string {
	c.seq++
	return fmt.Sprintf("ld%02d-%s-%d", c.id, kind, c.seq)
}

// pick returns one of the client's objects of kind k that is not known
// to be deleted, or nil.
func (c *client) pick(k kind) *object {
	var live []*object
	for _, o := range c.objs {
		if o.kind == k && o.want != nil && !o.unknown {
			live = append(live, o)
		}
	}
	if len(live) == 0 {
		return nil
	}
	return live[c.rng.IntN(len(live))]
}

// settle records a write's outcome on o: acknowledged (a status of ok)
// sets the state the server promised, next (nil: deleted); refused (a 4xx)
// leaves it as it was, as bad input changes nothing; anything else leaves
// it unknown. It reports whether the write was acknowledged.
func (c *client) settle(r req, o *object, resp response, next map[string]string, ok ...int) bool {
	for _, code := range ok {
		if resp.code == code {
			o.want = next
			o.acked++
			c.rec.acked(r)
			return true
		}
	}
	if resp.err != nil || resp.code >= 500 {
		o.unknown = true
		return false
	}
	c.rec.refused(r, resp, c.u.name, slices.Contains(r.expect, resp.code))
	return false
}
