package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"sync/atomic"
)

// certificate is the demo's TLS certificate and key, read from their files
// at start and again on demand (ESC's PUT /internal/ssl/reload), so that a
// renewed certificate is served without a restart. A reload that fails
// keeps the one in use; connections already open keep theirs.
type certificate struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

func loadCertificate(certFile, keyFile string) (*certificate, error) {
	c := &certificate{certFile: certFile, keyFile: keyFile}
	if err := c.reload(context.Background()); err != nil {
		return nil, err
	}
	return c, nil
}

// reload reads the files again.
func (c *certificate) reload(context.Context) error {
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s and key %s: %w", c.certFile, c.keyFile, err)
	}
	c.cur.Store(&pair)
	return nil
}

// config serves the current certificate.
func (c *certificate) config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.cur.Load(), nil
		},
	}
}
