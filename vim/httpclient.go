package vim

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
)

// HTTPOptions configure the HTTP client of a driver that talks to a VIM
// over HTTP.
type HTTPOptions struct {
	// CAFile adds a PEM CA bundle to trust; Insecure skips certificate
	// verification (never the default, never in production).
	CAFile   string
	Insecure bool
	// Timeout bounds each call; default 30s.
	Timeout time.Duration
	// Guard, when set, judges every address the client connects to,
	// after DNS and on every connection (redirects and the endpoints a
	// VIM's catalog names included): a location endpoint on loopback, a
	// private network or the cloud metadata address is not reached unless
	// Guard allows its prefix, and a name that resolves (or rebinds)
	// there is refused too. With a Guard no proxy is used, since the
	// check would judge the proxy and the proxy reach the VIM. Nil dials
	// anywhere, for embedders (and tests) that trust every endpoint.
	Guard *netguard.Policy
}

// NewHTTPClient returns a client for VIM calls: bounded in time (dial, TLS
// handshake, headers, whole call), TLS 1.2 or later with opts' trust, a
// pool sized for many concurrent calls to one endpoint, redirects
// followed only to the same scheme and host (Go would carry X-Auth-Token
// along to any host a VIM, or whoever answers for it, names), and, with
// opts.Guard, only the addresses it allows dialled. Errors: Invalid for an
// unreadable or empty CA file.
func NewHTTPClient(opts *HTTPOptions) (*http.Client, error) {
	if opts == nil {
		opts = &HTTPOptions{}
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opts.Insecure}
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, resource.Errorf(resource.Invalid, "CA file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, resource.Errorf(resource.Invalid, "CA file %s holds no PEM certificate", opts.CAFile)
		}
		tlsConf.RootCAs = pool
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	proxy := http.ProxyFromEnvironment
	if opts.Guard != nil {
		// A copy, so that a caller editing its Policy cannot race the
		// dialer.
		g := &netguard.Policy{Allow: slices.Clone(opts.Guard.Allow), Deny: slices.Clone(opts.Guard.Deny)}
		dialer.Control = g.Control
		proxy = nil
	}
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: sameOrigin,
		Transport: &http.Transport{
			Proxy:                 proxy,
			DialContext:           dialer.DialContext,
			TLSClientConfig:       tlsConf,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
		},
	}, nil
}

// sameOrigin allows a redirect that stays on the first request's scheme and
// host, up to 10 of them.
func sameOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return fmt.Errorf("stopped after 10 redirects")
	}
	if first := via[0].URL; req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("refusing a redirect from %s to another origin (%s://%s)", first.Host, req.URL.Scheme, req.URL.Host)
	}
	return nil
}
