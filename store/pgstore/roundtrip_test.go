package pgstore

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// turnProxy forwards TCP connections to a server and counts round trips:
// each time the client speaks after the server did.
type turnProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	turns  int
	client bool // the last to speak was the client
}

func newTurnProxy(t *testing.T, target string) *turnProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &turnProxy{ln: ln, target: target}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Go(func() { p.pipe(s, c, true); s.Close() })
			wg.Go(func() { p.pipe(c, s, false); c.Close() })
		}
	})
	return p
}

func (p *turnProxy) pipe(dst io.Writer, src io.Reader, fromClient bool) {
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if fromClient && !p.client {
				p.turns++
			}
			p.client = fromClient
			p.mu.Unlock()
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *turnProxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.turns
}

// TestRoundTrips counts what each call costs in round trips once its
// statements are prepared: BEGIN, the lock, the counter and writes travel
// with other statements (begin.go). A change that adds a round trip to the
// hot paths fails here, whatever the machine's speed.
func TestRoundTrips(t *testing.T) {
	dsn := freshSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := newTurnProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	s, err := Open(t.Context(), u.String(), &Options{ReadConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	if _, err := s.Create(ctx, location("loc-1")); err != nil {
		t.Fatal(err)
	}
	var n int
	var r *resource.Resource
	tests := []struct {
		name  string
		want  int
		setup func() error // not counted
		do    func() error
	}{
		{name: "Get", want: 2, do: func() error {
			_, err := s.Get(ctx, resource.Ref{Kind: resource.KindLocation, ID: "loc-1"})
			return err
		}},
		{name: "List, one page", want: 2, do: func() error {
			_, err := s.List(ctx, store.Filter{Kind: resource.KindNetwork})
			return err
		}},
		{name: "Create without references", want: 2, do: func() error {
			n++
			_, err := s.Create(ctx, network(fmt.Sprintf("n%d", n)))
			return err
		}},
		{name: "Create with two (owner, location)", want: 4, do: func() error {
			n++
			_, err := s.Create(ctx, localNetwork(fmt.Sprintf("ln%d", n), "n1", "loc-1"))
			return err
		}},
		{name: "UpdateStatus", want: 2, setup: func() (err error) {
			r, err = s.Get(ctx, resource.Ref{Kind: resource.KindNetwork, ID: "n1"})
			return err
		}, do: func() error {
			r.Status.Message = "again"
			_, err := s.UpdateStatus(ctx, r)
			return err
		}},
		{name: "an empty Txn", want: 0, do: func() error {
			return s.Txn(ctx, func(ctx context.Context, tx store.Tx) error { return nil })
		}},
	}
	for _, tc := range tests {
		// The first run prepares the statements; the least of the
		// next ones is the cost (a pool's health check may add one).
		best := -1
		for i := range 4 {
			if tc.setup != nil {
				if err := tc.setup(); err != nil {
					t.Fatal(err)
				}
			}
			before := p.count()
			if err := tc.do(); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := p.count() - before; i > 0 && (best < 0 || got < best) {
				best = got
			}
		}
		if best != tc.want {
			t.Errorf("%s: %d round trips, want %d", tc.name, best, tc.want)
		}
	}
}
