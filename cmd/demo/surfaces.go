package main

import (
	"net/http"

	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/httpapi/mogan"
	"github.com/orca-nfv/orca/httpapi/trema"
	"github.com/orca-nfv/orca/httpapi/waldur"
)

// surfaces serves every API of the seeds on one handler: seed 000, the
// identity endpoint and the ops endpoints (h, which also answers every
// unknown path), and the seed dialects, built on h's kit so that they
// share its users, login throttle, limits and request metrics. ESC's
// callbacks go where escOpts.Callbacks allows (the orchestrator delivers
// them through the same policy); its log level, password changes and TLS
// reload act on the demo's.
func surfaces(h *httpapi.Handler, escOpts *esc.Options) http.Handler {
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
	mount(esc.Paths, esc.New(b, kit, escOpts))
	return mux
}
