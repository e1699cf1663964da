package esc

import (
	"net/http"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// PUT /internal/ssl/reload reloads the server's TLS material from the
// files it was loaded from (Options.TLSReload), so that a renewed
// certificate is served without a restart: 204 once it is. It sits under
// the seed's base URL (/ESCManager), not under /v0. Administrators only.
// A reload that fails keeps the material in use and answers 500 (the
// seed's "failed to reload"), the details logged: file paths and parse
// errors describe the server. A server without TLS material answers 409,
// saying so: a 204 would tell an operator that a certificate they just
// renewed is in use when nothing serves it, and it is the server's state,
// not a fault, that refuses.

// sslPaths are where the reload is served.
var sslPaths = []string{"/internal/ssl/reload", "/ESCManager/internal/ssl/reload"}

// sslRoutes are the routes outside the API's bases.
func (a *api) sslRoutes() []route {
	var out []route
	for _, p := range sslPaths {
		out = append(out, route{"PUT", p, a.reloadTLS})
	}
	return out
}

func (a *api) reloadTLS(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators reload the TLS material")
	}
	if a.opts.TLSReload == nil {
		return dialect.Status(http.StatusConflict, "Failed to reload ESC truststore: this server serves no TLS (start it with a certificate and key)")
	}
	if err := a.opts.TLSReload(r.Context()); err != nil {
		a.kit.Log().Error("TLS reload failed", "err", err)
		return dialect.Status(http.StatusInternalServerError, "Failed to reload ESC truststore: the files do not load (see the server log); the previous certificate stays in use")
	}
	a.kit.Log().Info("TLS material reloaded", "by", dialect.Caller(r).UserName)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
