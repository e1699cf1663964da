package chaos

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orca-nfv/orca/fake/fakewire"
	"github.com/orca-nfv/orca/internal/loadtest"
)

// build compiles the module's commands into dir (without -race: they are
// the system under test, not the test) and returns their paths by name.
func build(t *testing.T, dir string, cmds ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range cmds {
		bin, err := loadtest.Build(t.Context(), dir, "github.com/orca-nfv/orca/cmd/"+name, name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = bin
	}
	return out
}

// proc is a started command whose first lines announced where it listens.
type proc struct {
	cmd  *exec.Cmd
	done chan error // Wait's result, once
	url  string
	log  string // the file holding its stderr
}

// startProc starts bin with args, its stderr to logFile, and waits (within
// bound) for the stdout line starting with prefix, whose next word is the
// URL it serves.
func startProc(t *testing.T, bin string, args []string, logFile, prefix string, bound time.Duration) (*proc, error) {
	t.Helper()
	errf, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = errf
	// The test's flags, not the caller's ORCA_* settings (a secret key,
	// an admin password), configure the commands.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORCA_") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "XDG_CONFIG_HOME="+filepath.Dir(logFile))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		errf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		errf.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan error, 1), log: logFile}
	urls := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		found := false
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), prefix); ok && !found {
				found = true
				url, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
				urls <- url
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		p.done <- cmd.Wait()
		errf.Close()
	}()
	select {
	case p.url = <-urls:
		return p, nil
	case err := <-p.done:
		p.done <- err
		return nil, fmt.Errorf("%s exited before listening: %v; its log:\n%s", filepath.Base(bin), err, tail(logFile, 20))
	case <-time.After(bound):
		p.kill()
		return nil, fmt.Errorf("%s did not listen within %v; its log:\n%s", filepath.Base(bin), bound, tail(logFile, 20))
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	err := <-p.done
	p.done <- err
}

// stop asks the process to end (SIGTERM) and kills it if it does not
// within a bound.
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(30 * time.Second):
		p.kill()
	}
}

// tail returns the last n lines of a file.
func tail(file string, n int) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// ctxSleep waits d or until ctx ends.
func ctxSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startFakeVIM starts cmd/fakevim (built into bins) with a per-object
// build time and a per-call latency, logging into dir, and returns it with
// a client of its inspection endpoints.
func startFakeVIM(t *testing.T, bins map[string]string, dir, buildTime, latency string) (*proc, *fakewire.Client) {
	t.Helper()
	fv, err := startProc(t, bins["fakevim"], []string{"-addr", "127.0.0.1:0", "-build-time", buildTime, "-delete-time", "50ms", "-latency", latency},
		filepath.Join(dir, "fakevim.log"), "fakevim listening on ", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fv.stop)
	vims, err := fakewire.NewClient(fv.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fv, vims
}
