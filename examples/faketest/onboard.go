package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// This file is "the user's code": a small helper a team writes on top of
// orca, which onboard_test.go tests with orca's in-memory store and fake
// VIMs.

// Onboarder gives a new tenant its network at every location and waits
// until each location's copy is Ready. A copy that failed for good (the
// VIM refused it) is asked again, Retries times, with a pull; orca itself
// retries what is only unavailable.
type Onboarder struct {
	Orca *orca.Orchestrator
	// Poll is how often the copies are looked at; default 1s.
	Poll time.Duration
	// Timeout bounds the whole wait; default 5m.
	Timeout time.Duration
	// Retries is how many pulls a location whose copy Failed gets
	// before Onboard gives up on it; default 2 (-1: none).
	Retries int
}

// Request is a tenant to onboard: its ID and the range its network's
// per-location /24s are carved from.
type Request struct {
	Tenant string
	CIDR   string
}

// Site is where one location stands.
type Site struct {
	Location string
	Phase    resource.Phase
	Message  string
	Subnet   string // the location's /24
	Retries  int    // pulls Onboard asked for
}

// NotReadyError says which locations are not Ready, and why Onboard
// stopped waiting: Cause is context.DeadlineExceeded for the Timeout (or
// the caller's context's error), nil when a location failed past its
// retries.
type NotReadyError struct {
	Tenant string
	Sites  []Site // those not Ready
	Cause  error
}

func (e *NotReadyError) Error() string {
	var parts []string
	for _, s := range e.Sites {
		parts = append(parts, fmt.Sprintf("%s %s (%s)", s.Location, s.Phase, s.Message))
	}
	why := "failed"
	if e.Cause != nil {
		why = "not ready: " + e.Cause.Error()
	}
	return fmt.Sprintf("onboarding %s %s at %s", e.Tenant, why, strings.Join(parts, "; "))
}

func (e *NotReadyError) Unwrap() error { return e.Cause }

// NetworkID is the ID of a tenant's network.
func NetworkID(tenant string) string { return tenant + "-net" }

// Onboard creates the tenant and its network (what exists is kept, so a
// second call only waits) and returns every location's Site once all are
// Ready, or the Sites and a *NotReadyError.
func (ob *Onboarder) Onboard(ctx context.Context, req Request) ([]Site, error) {
	poll, timeout := cmp.Or(ob.Poll, time.Second), cmp.Or(ob.Timeout, 5*time.Minute)
	retries := cmp.Or(ob.Retries, 2)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	net := resource.Ref{Kind: resource.KindNetwork, ID: NetworkID(req.Tenant)}
	for _, r := range []*resource.Resource{
		{Ref: resource.Ref{Kind: resource.KindTenant, ID: req.Tenant}, Name: req.Tenant, Spec: &resource.Tenant{Description: "onboarded"}},
		{Ref: net, Tenant: req.Tenant, Name: net.ID, Spec: &resource.Network{CIDR: req.CIDR, LocalPrefixLen: 24}},
	} {
		if _, err := ob.Orca.Create(ctx, r); err != nil && resource.CodeOf(err) != resource.Conflict {
			return nil, fmt.Errorf("onboarding %s: %w", req.Tenant, err)
		}
	}

	pulls := map[string]int{}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	var sites, notReady []Site // as last seen
	for {
		now, err := ob.sites(ctx, net, pulls)
		if err != nil {
			if ctx.Err() != nil { // the store call was cut by our deadline
				return sites, notReadyOr(req.Tenant, notReady, ctx.Err())
			}
			return sites, err
		}
		sites, notReady = now, nil
		var failed []Site
		for _, s := range sites {
			if s.Phase != resource.PhaseReady {
				notReady = append(notReady, s)
			}
			if s.Phase == resource.PhaseFailed {
				failed = append(failed, s)
			}
		}
		if len(notReady) == 0 {
			return sites, nil
		}
		if len(failed) > 0 {
			if slices.ContainsFunc(failed, func(s Site) bool { return retries < 0 || pulls[s.Location] >= retries }) {
				return sites, &NotReadyError{Tenant: req.Tenant, Sites: notReady}
			}
			for _, s := range failed {
				pulls[s.Location]++
			}
			// One pull asks every location again; wait for it to run
			// so the next look sees its outcome, not the old failure.
			if err := ob.pull(ctx, poll, net); err != nil {
				return sites, notReadyOr(req.Tenant, notReady, err)
			}
			continue
		}
		select {
		case <-ctx.Done():
			return sites, notReadyOr(req.Tenant, notReady, ctx.Err())
		case <-tick.C:
		}
	}
}

// notReadyOr is the NotReadyError for a context that ended, else err.
func notReadyOr(tenant string, sites []Site, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &NotReadyError{Tenant: tenant, Sites: sites, Cause: err}
	}
	return err
}

// sites reads where the network's copies stand, one Site per location (a
// location without a copy yet is Pending).
func (ob *Onboarder) sites(ctx context.Context, net resource.Ref, pulls map[string]int) ([]Site, error) {
	locs, err := ob.Orca.List(ctx, store.Filter{Kind: resource.KindLocation})
	if err != nil {
		return nil, err
	}
	copies, err := ob.Orca.List(ctx, store.Filter{Kind: resource.KindLocalNetwork, Owner: &net})
	if err != nil {
		return nil, err
	}
	var sites []Site
	for _, l := range locs.Items {
		if l.Deleting {
			continue
		}
		s := Site{Location: l.ID, Phase: resource.PhasePending, Message: "no copy yet", Retries: pulls[l.ID]}
		for _, c := range copies.Items {
			if c.Location == l.ID && !c.Deleting {
				s.Phase, s.Message = c.Status.Phase, c.Status.Message
				if spec, ok := c.Spec.(*resource.LocalNetwork); ok {
					s.Subnet = spec.CIDR
				}
			}
		}
		sites = append(sites, s)
	}
	return sites, nil
}

// pull asks orca to reconcile the network and its copies now, and waits
// until that action has run.
func (ob *Onboarder) pull(ctx context.Context, poll time.Duration, net resource.Ref) error {
	a, err := ob.Orca.Act(ctx, net, resource.VerbPull, nil)
	if err != nil {
		return err
	}
	for {
		cur, err := ob.Orca.Get(ctx, a.Ref)
		if err != nil {
			return err
		}
		if p := cur.Status.Phase; p == resource.PhaseReady || p == resource.PhaseFailed {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}
