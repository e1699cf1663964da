// Package pgtest gives a test a throwaway PostgreSQL cluster of its own,
// started with scripts/pg (which installs PostgreSQL from the Debian
// packages when it is missing) and stopped when the test ends. Tests of the
// demo and of replicas import it; it needs no PostgreSQL driver.
package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Start returns the URL of a new, empty cluster on loopback. When
// PostgreSQL cannot be run here the test is skipped, saying why, unless
// ORCA_PG_REQUIRE=1 makes that a failure (CI).
func Start(t testing.TB) string {
	t.Helper()
	script, err := scriptPath()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "orca-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(script, "start", dir).Output()
	if err != nil {
		os.RemoveAll(dir)
		msg := "PostgreSQL is not available: " + err.Error()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg += ": " + strings.TrimSpace(string(ee.Stderr))
		}
		if os.Getenv("ORCA_PG_REQUIRE") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		exec.Command(script, "stop", dir).Run()
		os.RemoveAll(dir)
	})
	return strings.TrimSpace(string(out))
}

// scriptPath finds scripts/pg above the test's directory.
func scriptPath() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "scripts", "pg")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("pgtest: scripts/pg not found above the test's directory")
		}
		dir = parent
	}
}
