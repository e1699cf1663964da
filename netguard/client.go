package netguard

import (
	"crypto/tls"
	"net"
	"net/http"
	"slices"
	"time"
)

// ClientOptions configure Policy.Client. The zero value is usable.
type ClientOptions struct {
	// Timeout bounds a whole exchange, reading the body included; zero
	// means 10s.
	Timeout time.Duration
	// TLSConfig, if set, is cloned for https (a VIM's private CA, say);
	// nil means the system roots and TLS 1.2 or later.
	TLSConfig *tls.Config
}

// Transport limits. Headers are small in every API we call; a peer that
// sends more is misbehaving or attacking.
const (
	defaultTimeout         = 10 * time.Second
	tlsHandshakeTimeout    = 10 * time.Second
	maxResponseHeaderBytes = 64 << 10
)

// Client returns an *http.Client that dials only addresses p allows
// (checked after DNS, on every connection), uses no proxy, follows no
// redirect (a 3xx is returned to the caller as the response) and is
// bounded in time. Make one per use and keep it: each holds its own
// connection pool. Callers still bound the bodies they read.
func (p *Policy) Client(opts *ClientOptions) *http.Client {
	if opts == nil {
		opts = &ClientOptions{}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.TLSConfig != nil {
		tlsConf = opts.TLSConfig.Clone()
	}
	// A copy, so a caller editing its Policy later cannot race the dialer.
	snap := &Policy{}
	if p != nil {
		snap = &Policy{Allow: slices.Clone(p.Allow), Deny: slices.Clone(p.Deny)}
	}
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: snap.Control}
	return &http.Client{
		Timeout: timeout,
		// Following a redirect would let a permitted host send us to any
		// other URL, re-sending the body on 307/308; the caller decides.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			// No Proxy: through a proxy, Control would judge the proxy's
			// address and the proxy would reach the refused target for us.
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			ForceAttemptHTTP2:      true,
			TLSClientConfig:        tlsConf,
			TLSHandshakeTimeout:    tlsHandshakeTimeout,
			ResponseHeaderTimeout:  timeout,
			ExpectContinueTimeout:  time.Second,
			MaxResponseHeaderBytes: maxResponseHeaderBytes,
			MaxIdleConns:           100,
			MaxIdleConnsPerHost:    8,
			IdleConnTimeout:        90 * time.Second,
		},
	}
}
