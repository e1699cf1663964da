package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/identity"
)

// serverLimits bound what one client may hold of the server: time to send
// its headers (a slowloris client is cut off), its whole request, time to
// take its answer, an idle keep-alive connection, and header bytes
// (more: 431).
type serverLimits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}

// defaultServerLimits are the demo's: generous for a person with curl or
// an automation client, short enough that idle or stalled connections do
// not pile up. Headers are small in every surface (a Keystone token is
// a few hundred bytes).
func defaultServerLimits() serverLimits {
	return serverLimits{readHeader: 10 * time.Second, read: 30 * time.Second, write: 60 * time.Second,
		idle: 2 * time.Minute, maxHeaderBytes: 64 << 10}
}

// newHTTPServer is the demo's server for h, within l; the server's own
// complaints (TLS handshakes that fail, say) go to log as warnings.
func newHTTPServer(h http.Handler, log *slog.Logger, l serverLimits) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    l.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// rateLimited limits h to rate requests a second per user (per address for
// callers without a valid token), in bursts of twice that; 0 is no limit.
func rateLimited(h http.Handler, rate float64, auth identity.Authenticator) (http.Handler, error) {
	if rate == 0 {
		return h, nil
	}
	l, err := dialect.NewRateLimiter(&dialect.RateLimitOptions{Rate: rate, Auth: auth})
	if err != nil {
		return nil, err
	}
	return l.Wrap(h), nil
}
