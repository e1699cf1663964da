package contrail_test

import (
	"context"
	"testing"

	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/vimtest"
)

// contrailTypes maps the driver's kinds to the Contrail types they become.
var contrailTypes = map[resource.Kind]string{
	resource.KindNetwork:         "virtual-network",
	resource.KindNetworkPolicy:   "network-policy",
	resource.KindSecurityGroup:   "security-group",
	resource.KindServiceTemplate: "service-template",
	resource.KindServiceInstance: "service-instance",
}

// httpStatus is the answer the driver maps to each error code.
var httpStatus = map[resource.ErrorCode]int{
	resource.NotFound: 404, resource.Conflict: 409, resource.Invalid: 400,
	resource.Unavailable: 503, resource.Unauthorized: 401, resource.Forbidden: 403,
}

// TestConformance runs vimtest over the fake in Keystone mode. Faults hit
// the next request whatever it is: the suite calls the operation right
// after asking for the fault, so that request is the operation's first.
func TestConformance(t *testing.T) {
	vimtest.Run(t, func(t *testing.T) *vimtest.Harness {
		srv, d, _ := newFake(t, nil)
		return &vimtest.Harness{
			Driver: d,
			Inject: func(_ vimtest.Op, code resource.ErrorCode) {
				times := 1
				if code == resource.Unauthorized {
					times = 2 // the driver re-authenticates once; the retry must fail too
				}
				srv.Inject(contrailfake.Fault{Status: httpStatus[code], Times: times})
			},
			Hang: func(vimtest.Op) { srv.Inject(contrailfake.Fault{Hang: true}) },
			Count: func(_ context.Context, o *vim.Object) (int, error) {
				n := 0
				for _, obj := range srv.Objects(contrailTypes[o.Kind]) {
					if obj["name"] == o.Ref.ID {
						n++
					}
				}
				return n, nil
			},
		}
	})
}
