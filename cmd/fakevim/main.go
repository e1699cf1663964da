// Command fakevim serves fake VIMs (package fake) over fakewire's JSON
// wire, one per location name, made on first use, so that their state
// outlives the orchestrator using them: the crash test (internal/chaos)
// kills the demo, never the VIMs.
//
//	go run ./cmd/fakevim [-addr 127.0.0.1:7070] [-build-time 0s]
//	                     [-delete-time 0s] [-latency 0s]
//
// It prints the address it listens on ("fakevim listening on
// http://127.0.0.1:7070"); the demo uses it with -fake-vim URL. SIGINT or
// SIGTERM stop it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/fake/fakewire"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fakevim:", err)
		os.Exit(1)
	}
}

type config struct {
	addr                           string
	buildTime, deleteTime, latency time.Duration
}

func parseFlags(args []string, out io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("fakevim", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:7070", "address to listen on (port 0: any free port)")
	fs.DurationVar(&c.buildTime, "build-time", 0, "how long an object takes to build, or a machine to change its power")
	fs.DurationVar(&c.deleteTime, "delete-time", 0, "how long an object takes to go after Delete")
	fs.DurationVar(&c.latency, "latency", 0, "latency of every VIM call")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.buildTime < 0 || c.deleteTime < 0 || c.latency < 0 {
		return nil, errors.New("-build-time, -delete-time and -latency must not be negative")
	}
	return c, nil
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	c, err := parseFlags(args, out)
	if err != nil {
		return err
	}
	vims := fake.NewFactory(&fake.Options{BuildTime: c.buildTime, DeleteTime: c.deleteTime, PowerTime: c.buildTime, Latency: c.latency})
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           fakewire.NewServer(&fakewire.ServerOptions{Factory: vims}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	fmt.Fprintf(out, "fakevim listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Calls hung by design end with their clients; do not wait for them.
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	srv.Close()
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
