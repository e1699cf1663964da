// Command openstack drives two orca locations on a real OpenStack: the
// loopback cloud of ../shared/openstack (up.sh starts it; its openrc sets
// OS_AUTH_URL and the rest), or any cloud an openrc describes. Both
// locations name the same Keystone, so one cloud stands for two sites. It
// creates a network with a /24 per location, waits until both copies are
// Ready, prints what each location made in Neutron, then deletes it all
// again (unless -keep).
//
//	source /tmp/openstack/openrc
//	go run ./examples/openstack [-keep] [-timeout 10m]
//
// go test ./examples/openstack runs it against an in-process fake
// OpenStack (internal/testutil/osfake) every time, and against the cloud
// the OS_* variables name when Keystone answers there (else that test is
// skipped, saying so).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/secret"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/store/memstore"
	"github.com/orca-nfv/orca/vim"
	"github.com/orca-nfv/orca/vim/drivers"
)

func main() {
	keep := flag.Bool("keep", false, "leave the network and the locations in place")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	flag.Parse()
	cloud, err := cloudFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := run(ctx, cloud, &Options{Keep: *keep}, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// Cloud is where the OpenStack is and who logs in there, as an openrc's
// OS_* variables say.
type Cloud struct {
	AuthURL, Region string
	Credentials     vim.Credentials
}

// cloudFromEnv reads the OS_* variables.
func cloudFromEnv(getenv func(string) string) (Cloud, error) {
	or := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	c := Cloud{AuthURL: getenv("OS_AUTH_URL"), Region: getenv("OS_REGION_NAME"), Credentials: vim.Credentials{
		Username: getenv("OS_USERNAME"), Password: getenv("OS_PASSWORD"),
		ProjectName: getenv("OS_PROJECT_NAME"), ProjectID: getenv("OS_PROJECT_ID"),
		UserDomain: or("OS_USER_DOMAIN_NAME", "Default"), ProjectDomain: or("OS_PROJECT_DOMAIN_NAME", "Default"),
		ApplicationCredentialID: getenv("OS_APPLICATION_CREDENTIAL_ID"), ApplicationCredentialSecret: getenv("OS_APPLICATION_CREDENTIAL_SECRET"),
	}}
	if c.AuthURL == "" {
		return c, errors.New("OS_AUTH_URL is not set: source an openrc first (the loopback cloud's is /tmp/openstack/openrc)")
	}
	return c, nil
}

// Options tune run.
type Options struct {
	// Keep leaves the network and the locations in place.
	Keep bool
	// Network is the network's ID; default "example-net".
	Network string
	// Poll is how often progress is looked at; default 1s.
	Poll time.Duration
	// HTTPClient makes the OpenStack calls; nil: the drivers' default.
	HTTPClient *http.Client
}

// run makes the two locations and the network, waits for both copies,
// prints them, and cleans up.
func run(ctx context.Context, cloud Cloud, opts *Options, out io.Writer) error {
	network := opts.Network
	if network == "" {
		network = "example-net"
	}
	poll := opts.Poll
	if poll <= 0 {
		poll = time.Second
	}
	// Credentials are sealed in the store; this run's key lives in memory.
	keys, err := secret.Parse(secret.GenerateKey())
	if err != nil {
		return err
	}
	o := orca.New(memstore.New(nil), &orca.Options{
		Drivers: drivers.New(&drivers.Options{HTTPClient: opts.HTTPClient}),
		Keyring: keys, PollInterval: poll, Logger: slog.New(slog.DiscardHandler)})
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(runCtx) }()
	defer func() {
		stop()
		<-done
		o.Close()
	}()
	w := &waiter{o: o, poll: poll}
	sites := []string{"site-a", "site-b"}

	if _, err := o.SetCredentials(ctx, "cloud", cloud.Credentials); err != nil {
		return err
	}
	for _, id := range sites {
		if _, err := o.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id}, Name: id,
			Spec: &resource.Location{KeystoneEndpoint: cloud.AuthURL, Region: cloud.Region, CredentialID: "cloud"}}); err != nil {
			return err
		}
		if err := w.phase(ctx, resource.Ref{Kind: resource.KindLocation, ID: id}, resource.PhaseReady); err != nil {
			return err
		}
		fmt.Fprintf(out, "location %s: Ready on %s\n", id, cloud.AuthURL)
	}

	net := resource.Ref{Kind: resource.KindNetwork, ID: network}
	if _, err := o.Create(ctx, &resource.Resource{Ref: net, Tenant: "example", Name: network,
		Spec: &resource.Network{Description: "orca's examples/openstack", CIDR: "10.198.0.0/16", LocalPrefixLen: 24}}); err != nil {
		return err
	}
	if err := w.phase(ctx, net, resource.PhaseReady); err != nil {
		return err
	}
	copies, err := o.List(ctx, store.Filter{Kind: resource.KindLocalNetwork, Owner: &net})
	if err != nil {
		return err
	}
	slices.SortFunc(copies.Items, func(a, b *resource.Resource) int { return strings.Compare(a.Location, b.Location) })
	for _, c := range copies.Items {
		cidr := ""
		if s, ok := c.Spec.(*resource.LocalNetwork); ok {
			cidr = s.CIDR
		}
		fmt.Fprintf(out, "network %s at %s: %s, %s, Neutron network %s\n", network, c.Location, c.Status.Phase, cidr, c.Status.ExternalID)
	}
	if opts.Keep {
		fmt.Fprintln(out, "kept: the network and the locations stay (this run's orca store does not)")
		return nil
	}

	// Clean up: the network (orca deletes it in Neutron at both
	// locations first), then the locations.
	if err := o.Delete(ctx, net, 0); err != nil {
		return err
	}
	if err := w.gone(ctx, net); err != nil {
		return err
	}
	fmt.Fprintf(out, "network %s deleted at both locations\n", network)
	for _, id := range sites {
		ref := resource.Ref{Kind: resource.KindLocation, ID: id}
		if err := o.Delete(ctx, ref, 0); err != nil {
			return err
		}
		if err := w.gone(ctx, ref); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "locations deleted")
	return nil
}

// waiter polls orca until a resource reaches a phase or is gone.
type waiter struct {
	o    *orca.Orchestrator
	poll time.Duration
}

// phase waits for ref's phase; Failed is an error at once.
func (w *waiter) phase(ctx context.Context, ref resource.Ref, want resource.Phase) error {
	return w.until(ctx, ref, func(r *resource.Resource, err error) (bool, error) {
		switch {
		case err != nil:
			return false, err
		case r.Status.Phase == resource.PhaseFailed:
			return false, fmt.Errorf("%s failed: %s", ref, r.Status.Message)
		}
		return r.Status.Phase == want, nil
	})
}

// gone waits until ref is deleted.
func (w *waiter) gone(ctx context.Context, ref resource.Ref) error {
	return w.until(ctx, ref, func(_ *resource.Resource, err error) (bool, error) {
		if resource.CodeOf(err) == resource.NotFound {
			return true, nil
		}
		return false, err
	})
}

// until reads ref every poll until done says so (or fails); when ctx ends
// first, the error says where ref last stood.
func (w *waiter) until(ctx context.Context, ref resource.Ref, done func(*resource.Resource, error) (bool, error)) error {
	var last *resource.Resource
	for {
		r, err := w.o.Get(ctx, ref)
		if err == nil {
			last = r
		}
		if ok, err := done(r, err); err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			why := ""
			if last != nil {
				why = fmt.Sprintf(" (%s: %s)", last.Status.Phase, last.Status.Message)
			}
			return fmt.Errorf("waiting for %s: %w%s", ref, ctx.Err(), why)
		case <-time.After(w.poll):
		}
	}
}
