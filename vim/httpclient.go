package vim

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

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
}

// NewHTTPClient returns a client for VIM calls: bounded in time (dial, TLS
// handshake, headers, whole call), TLS 1.2 or later with opts' trust, a
// pool sized for many concurrent calls to one endpoint, and redirects
// followed only to the same scheme and host (Go would carry X-Auth-Token
// along to any host a VIM, or whoever answers for it, names). Errors:
// Invalid for an unreadable or empty CA file.
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
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: sameOrigin,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
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
