package main

import (
	"net/http"

	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/httpapi/mogan"
	"github.com/orca-nfv/orca/httpapi/trema"
	"github.com/orca-nfv/orca/httpapi/waldur"
	"github.com/orca-nfv/orca/netguard"
)

// surfaces serves every API of the seeds on one handler: seed 000, the
// identity endpoint and the ops endpoints (h, which also answers every
// unknown path), and the seed dialects, built on h's kit so that they
// share its users, login throttle, limits and request metrics. ESC's
// callbacks go where the policy allows (the orchestrator delivers them
// through the same policy).
func surfaces(h *httpapi.Handler, callbacks *netguard.Policy) http.Handler {
	b, kit := h.Backend(), h.Kit()
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mount := func(paths []string, sh http.Handler) {
		for _, p := range paths {
			mux.Handle(p, sh)
		}
	}
	mount(trema.Paths, trema.New(b, kit))
	mount(waldur.Paths, waldur.New(b, kit, nil))
	mount(mogan.Paths, mogan.New(b, kit, nil))
	mount(esc.Paths, esc.New(b, kit, &esc.Options{Callbacks: callbacks}))
	return mux
}
