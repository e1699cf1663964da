package main

import (
	"net/http"

	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/mogan"
	"github.com/orca-nfv/orca/httpapi/trema"
	"github.com/orca-nfv/orca/httpapi/waldur"
)

// surfaces serves every API of the seeds on one handler: seed 000, the
// identity endpoint and the ops endpoints (h, which also answers every
// unknown path), and the seed dialects, built on h's kit so that they
// share its users, login throttle, limits and request metrics.
func surfaces(h *httpapi.Handler) http.Handler {
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
	return mux
}
