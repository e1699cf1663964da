package fakewire_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/fake/fakewire"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/vimtest"
)

var fakeOps = map[vimtest.Op]fake.Op{
	vimtest.OpObserve: fake.OpObserve, vimtest.OpCreate: fake.OpCreate,
	vimtest.OpUpdate: fake.OpUpdate, vimtest.OpDelete: fake.OpDelete,
}

// serve starts a wire server over a factory of fakes built with opts and
// returns its client.
func serve(t *testing.T, opts *fake.Options) (*fakewire.Server, *fakewire.Client) {
	t.Helper()
	srv := fakewire.NewServer(&fakewire.ServerOptions{Factory: fake.NewFactory(opts)})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c, err := fakewire.NewClient(ts.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// harness drives the location's VIM through the wire; faults are injected
// into the server's VIM in process, and Count reads the inspection
// endpoint, so the suite checks that too.
func harness(t *testing.T, srv *fakewire.Server, c *fakewire.Client, loc string) *vimtest.Harness {
	d, err := c.Dial(t.Context(), loc)
	if err != nil {
		t.Fatal(err)
	}
	v := srv.VIM(loc)
	return &vimtest.Harness{
		Driver: d,
		Inject: func(op vimtest.Op, code resource.ErrorCode) { v.FailNext(fakeOps[op], 1, code) },
		Hang:   func(op vimtest.Op) { v.HangNext(fakeOps[op], 1) },
		Count: func(ctx context.Context, o *vim.Object) (int, error) {
			objs, err := c.Objects(ctx, loc, o.Kind)
			n := 0
			for _, obj := range objs {
				if obj.OrcaID == o.Ref.ID {
					n++
				}
			}
			return n, err
		},
	}
}

// TestConformanceManual runs the suite over the wire with progress driven
// by Step.
func TestConformanceManual(t *testing.T) {
	vimtest.Run(t, func(t *testing.T) *vimtest.Harness {
		srv, c := serve(t, &fake.Options{Manual: true})
		h := harness(t, srv, c, "site")
		h.Settle = srv.VIM("site").Step
		return h
	})
}

// TestConformanceTimed runs the suite over the wire with progress on the
// clock.
func TestConformanceTimed(t *testing.T) {
	vimtest.Run(t, func(t *testing.T) *vimtest.Harness {
		srv, c := serve(t, &fake.Options{BuildTime: 2 * time.Millisecond, DeleteTime: time.Millisecond})
		return harness(t, srv, c, "site")
	})
}
