package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DemoPackage is the demo server's import path.
const DemoPackage = "github.com/orca-nfv/orca/cmd/demo"

// BuildDemo compiles the demo server into dir, without the race detector
// (a load test measures the server, not the detector), and returns the
// binary's path. The go command is $GOROOT/bin/go when GOROOT is set (go
// test sets it), else the one on PATH.
func BuildDemo(ctx context.Context, dir string) (string, error) {
	return Build(ctx, dir, DemoPackage, "orca-demo")
}

// Build compiles the command pkg into dir/name, without the race
// detector, and returns the binary's path.
func Build(ctx context.Context, dir, pkg, name string) (string, error) {
	goTool := "go"
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			goTool = p
		}
	}
	bin := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, pkg)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %v\n%s", pkg, err, out)
	}
	return bin, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// DemoOptions say how to start a demo process.
type DemoOptions struct {
	// Bin is the binary BuildDemo made.
	Bin string
	// Args are the demo's flags; -addr 127.0.0.1:0 is added in front.
	Args []string
	// Env is added to the process's environment ("K=V" each).
	Env []string
	// Banner starts the line the process prints once it listens, followed
	// by its URL; default the demo's, "orca demo listening on ".
	Banner string
}

// Demo is a demo server running as a process of its own, on loopback.
type Demo struct {
	// URL is where it listens ("http://127.0.0.1:PORT").
	URL  string
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan error
}

// StartDemo starts the demo and waits for the line saying where it
// listens (or for it to exit first).
func StartDemo(ctx context.Context, opts DemoOptions) (*Demo, error) {
	args := append([]string{"-addr", "127.0.0.1:0"}, opts.Args...)
	cmd := exec.Command(opts.Bin, args...)
	cmd.Env = append(os.Environ(), opts.Env...)
	d := &Demo{cmd: cmd, logs: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = d.logs
	// Standard output through a pipe of ours: Wait returns once the
	// process has exited and its output is read to the end.
	stdout, pw := io.Pipe()
	cmd.Stdout = pw
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	banner := opts.Banner
	if banner == "" {
		banner = "orca demo listening on "
	}
	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(stdout)
		seen := false
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), banner); ok && !seen {
				url, _, _ := strings.Cut(rest, " ")
				found <- url
				seen = true
			}
		}
		io.Copy(io.Discard, stdout) // past a line too long to scan
		if !seen {
			close(found)
		}
	}()
	go func() {
		err := cmd.Wait()
		pw.Close()
		d.done <- err
	}()
	var err error
	select {
	case url, ok := <-found:
		if ok {
			d.URL = url
			return d, nil
		}
		err = errors.New("the demo exited before listening")
	case <-ctx.Done():
		err = ctx.Err()
	}
	d.Stop()
	return nil, fmt.Errorf("%w; its log:\n%s", err, d.Logs())
}

// PID is the process's ID.
func (d *Demo) PID() int { return d.cmd.Process.Pid }

// Logs returns what the demo wrote to its standard error.
func (d *Demo) Logs() string { return d.logs.String() }

// Stop asks the demo to shut down (SIGTERM), kills it if it has not within
// 20 seconds, and returns how it exited (nil for a clean stop).
func (d *Demo) Stop() error {
	d.cmd.Process.Signal(syscall.SIGTERM) // os.ErrProcessDone once it has exited
	select {
	case err := <-d.done:
		d.done <- err // a second Stop answers the same
		return err
	case <-time.After(20 * time.Second):
		d.cmd.Process.Kill()
		err := <-d.done
		d.done <- err
		return fmt.Errorf("the demo did not stop within 20s of SIGTERM (killed): %v", err)
	}
}

// logKeep bounds the demo's log kept in memory: its last bytes.
const logKeep = 4 << 20

// lockedBuffer keeps the end of what the process writes, safe for the
// process's writer and readers, and notes any line that tells of a panic.
type lockedBuffer struct {
	mu        sync.Mutex
	buf       []byte
	dropped   int
	panicLine string
}

var _ io.Writer = (*lockedBuffer)(nil)

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.panicLine == "" {
		if i := bytes.Index(p, []byte("panic")); i >= 0 {
			line := p[max(0, bytes.LastIndexByte(p[:i], '\n')+1):]
			if j := bytes.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			b.panicLine = string(line)
		}
	}
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - logKeep; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
		b.dropped += over
	}
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped > 0 {
		return fmt.Sprintf("[%d bytes before these left out]\n%s", b.dropped, b.buf)
	}
	return string(b.buf)
}

// PanicLine returns the first line of the demo's log that mentions a
// panic, or "".
func (d *Demo) PanicLine() string {
	d.logs.mu.Lock()
	defer d.logs.mu.Unlock()
	return d.logs.panicLine
}
