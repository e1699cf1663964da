package contrail_test

import (
	"testing"

	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/contrail"
)

// TestDialGuardRefusalIsTerminal: a Contrail endpoint that the client's
// dial guard refuses (here loopback, not allowed) fails Forbidden, which
// the orchestrator does not retry, not Unavailable, which it would retry
// forever.
func TestDialGuardRefusalIsTerminal(t *testing.T) {
	hc, err := vim.NewHTTPClient(&vim.HTTPOptions{Guard: &netguard.Policy{}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, &contrailfake.Options{}, func(o *contrail.Options) { o.HTTPClient = hc })
	_, err = e.d.Observe(t.Context(), network("net-1", "10.0.0.0/24"))
	if resource.CodeOf(err) != resource.Forbidden {
		t.Fatalf("Observe through a refusing guard = %v, want Forbidden", err)
	}
}
