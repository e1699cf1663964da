package esc_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca/httpapi/esc"
)

func TestTLSReload(t *testing.T) {
	var reloads atomic.Int32
	fail := atomic.Bool{}
	n := newNode(t, func(o *esc.Options) {
		o.TLSReload = func(context.Context) error {
			if fail.Load() {
				return errors.New("open /etc/orca/tls.key: permission denied")
			}
			reloads.Add(1)
			return nil
		}
	})
	// Outside /v0: at the server's root and under the seed's base URL.
	for _, path := range []string{"/internal/ssl/reload", "/ESCManager/internal/ssl/reload"} {
		r := n.do("admin", "PUT", path, "").Want(t, 204, path)
		if r.Raw != "" {
			t.Errorf("%s: a body %q", path, r.Raw)
		}
	}
	if got := reloads.Load(); got != 2 {
		t.Errorf("%d reloads, want 2", got)
	}

	// A reload that fails is 500, saying so without the server's paths,
	// which the log has.
	fail.Store(true)
	r := n.do("admin", "PUT", "/internal/ssl/reload", "", "Accept", "application/json")
	if r.Code != 500 || !strings.Contains(r.Raw, "Failed to reload ESC truststore") || strings.Contains(r.Raw, "/etc/orca") {
		t.Errorf("a failed reload: %d %s", r.Code, r.Raw)
	}
	if !strings.Contains(n.log.String(), "/etc/orca/tls.key") {
		t.Errorf("the failure was not logged:\n%s", n.log.String())
	}

	for name, tc := range map[string]struct {
		user, method, path string
		status             int
		says               string
	}{
		"a member":        {"alice", "PUT", "/internal/ssl/reload", 403, "administrators"},
		"no credentials":  {"", "PUT", "/internal/ssl/reload", 401, "credentials"},
		"GET":             {"admin", "GET", "/internal/ssl/reload", 405, "not allowed"},
		"under /v0":       {"admin", "PUT", "/v0/internal/ssl/reload", 404, "no such path"},
		"another command": {"admin", "PUT", "/internal/ssl/rotate", 404, "no such path"},
	} {
		t.Run(name, func(t *testing.T) {
			r := n.do(tc.user, tc.method, tc.path, "")
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) {
				t.Errorf("%d %s, want %d saying %q", r.Code, r.Raw, tc.status, tc.says)
			}
		})
	}
	if got := reloads.Load(); got != 2 {
		t.Errorf("%d reloads after refused requests, want 2", got)
	}
}

// TestTLSReloadWithoutTLS: a server with nothing to reload does not claim
// a reload.
func TestTLSReloadWithoutTLS(t *testing.T) {
	s := newServer(t)
	r := as(s, "admin", "PUT", "/internal/ssl/reload", "")
	if r.Code != 409 || !strings.Contains(r.Raw, "serves no TLS") || r.Header.Get("ESC-Status-Code") != "409" {
		t.Errorf("%d %s", r.Code, r.Raw)
	}
}
