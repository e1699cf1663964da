// Command faketest is a user's own code tested the way a user would test
// it: onboard.go is a small "tenant onboarding" helper written on orca
// (create a tenant's network, wait until it is Ready at every location,
// ask again where a VIM refused it), and onboard_test.go its unit tests,
// over orca's in-memory store and fake VIMs with faults injected (errors,
// lost responses, hangs, a location down), in virtual time
// (testing/synctest), so they are exact and take milliseconds.
//
//	go run ./examples/faketest       # onboards a tenant at three fake locations, one of them flaky
//	go test ./examples/faketest      # the tests
//
// Running it prints where the tenant's network stands at each location.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/memstore"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run onboards tenant acme at three fake locations: site-c first refuses
// two creates (unavailable) and then loses the answer to one, and orca
// retries and adopts; site-b refuses the network once for good (quota), and
// the Onboarder asks again.
func run(ctx context.Context, out io.Writer) error {
	vims := fake.NewFactory(&fake.Options{BuildTime: 500 * time.Millisecond})
	o := orca.New(memstore.New(nil), &orca.Options{Drivers: vims, PollInterval: 200 * time.Millisecond,
		RetryBase: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		o.Close()
	}()
	for _, id := range []string{"site-a", "site-b", "site-c"} {
		if _, err := o.Create(ctx, &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id},
			Spec: &resource.Location{KeystoneEndpoint: "fake://" + id}}); err != nil {
			return err
		}
	}
	vims.VIM("site-b").FailNext(fake.OpCreate, 1, resource.Forbidden)
	vims.VIM("site-c").FailNext(fake.OpCreate, 2, resource.Unavailable)
	vims.VIM("site-c").LoseCreateResponses(1)

	ob := &Onboarder{Orca: o, Poll: 100 * time.Millisecond, Timeout: time.Minute}
	sites, err := ob.Onboard(ctx, Request{Tenant: "acme", CIDR: "10.40.0.0/16"})
	for _, s := range sites {
		fmt.Fprintf(out, "%s: %s %s (pulls: %d)\n", s.Location, s.Phase, s.Subnet, s.Retries)
	}
	if err != nil {
		return err
	}
	for _, id := range []string{"site-a", "site-b", "site-c"} {
		v := vims.VIM(id)
		f := v.Faults()
		fmt.Fprintf(out, "%s's VIM: %d network(s); faults injected: %d errors, %d lost responses\n",
			id, len(v.Objects(resource.KindNetwork)), f.Errors, f.LostCreates)
	}
	return nil
}
