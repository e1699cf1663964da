//go:build linux

package main

import (
	"strings"
	"testing"
)

// TestDemoExitStatus: the process's exit status and stderr, as a shell
// sees them (the demo runs as a child; startChild is storefault_test.go's):
// 0 and nothing for -help, 2 and one line for a bad flag.
func TestDemoExitStatus(t *testing.T) {
	tests := map[string]struct {
		args   []string
		code   int
		stderr string // its one line's start; "" for none
	}{
		"help":          {args: []string{"-help"}, code: 0},
		"a bad flag":    {args: []string{"-log-format", "xml"}, code: 2, stderr: `demo: -log-format "xml"`},
		"a missing key": {args: []string{"-db", "memory", "-tls-cert", "/nonexistent/cert.pem", "-tls-key", "/nonexistent/key.pem"}, code: 2, stderr: "demo: -tls-cert/-tls-key"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := startChild(t, false, tc.args...)
			if code := c.wait(t); code != tc.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tc.code, c.stderr)
			}
			got := c.stderr.String()
			switch {
			case tc.stderr == "" && got != "":
				t.Errorf("stderr %q, want nothing", got)
			case tc.stderr != "" && (!strings.HasPrefix(got, tc.stderr) || strings.Count(got, "\n") != 1):
				t.Errorf("stderr %q, want one line starting %q", got, tc.stderr)
			}
		})
	}
}
