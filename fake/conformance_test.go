package fake_test

import (
	"context"
	"testing"
	"time"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/vimtest"
)

var fakeOps = map[vimtest.Op]fake.Op{
	vimtest.OpObserve: fake.OpObserve, vimtest.OpCreate: fake.OpCreate,
	vimtest.OpUpdate: fake.OpUpdate, vimtest.OpDelete: fake.OpDelete,
}

func harness(v *fake.VIM) *vimtest.Harness {
	return &vimtest.Harness{
		Driver: v,
		Inject: func(op vimtest.Op, code resource.ErrorCode) { v.FailNext(fakeOps[op], 1, code) },
		Hang:   func(op vimtest.Op) { v.HangNext(fakeOps[op], 1) },
		Count: func(ctx context.Context, o *vim.Object) (int, error) {
			n := 0
			for _, info := range v.Objects(o.Kind) {
				if info.OrcaID == o.Ref.ID {
					n++
				}
			}
			return n, nil
		},
	}
}

// TestConformanceManual runs the suite with progress driven by Step.
func TestConformanceManual(t *testing.T) {
	vimtest.Run(t, func(t *testing.T) *vimtest.Harness {
		v := fake.New(&fake.Options{Manual: true})
		h := harness(v)
		h.Settle = v.Step
		return h
	})
}

// TestConformanceTimed runs the suite with progress on the clock, so the
// suite's bounded polling is what waits.
func TestConformanceTimed(t *testing.T) {
	vimtest.Run(t, func(t *testing.T) *vimtest.Harness {
		v := fake.New(&fake.Options{BuildTime: 2 * time.Millisecond, DeleteTime: time.Millisecond})
		return harness(v)
	})
}
