// Package surfaces mounts every seed API on one handler: seed 000 (with the
// identity and ops endpoints) and the four dialects, built on the seed 000
// handler's kit so that they share its users, login throttle, limits and
// request metrics. cmd/demo serves it; tests that must see what the demo
// serves (the security suite) mount the same.
package surfaces

import (
	"net/http"

	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/httpapi/mogan"
	"github.com/orca-nfv/orca/httpapi/openapi"
	"github.com/orca-nfv/orca/httpapi/trema"
	"github.com/orca-nfv/orca/httpapi/ui"
	"github.com/orca-nfv/orca/httpapi/waldur"
)

// New serves h (which also answers every unknown path) and the dialects.
// escOpts configure ESC (nil: its defaults, which dial nowhere private).
func New(h *httpapi.Handler, escOpts *esc.Options) http.Handler {
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
	mux.Handle(openapi.Path, openapi.New(b.Registry(), &openapi.Options{Kit: kit}))
	mount(ui.Paths, ui.New(b, kit, nil))
	return mux
}
