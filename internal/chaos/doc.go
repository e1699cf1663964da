// Package chaos is orca's crash test: it proves that kill -9 of the server
// loses nothing the API acknowledged and creates nothing twice.
//
// Its test (TestCrash) builds cmd/demo and cmd/fakevim, starts the fake
// VIMs in a process of their own (so that their state outlives the
// server), starts the demo on a SQLite file with three fake locations
// served by them (100ms to build an object, 2ms per VIM call), and writes resources of many kinds through the /v1.0 API
// in waves while it kills the demo with SIGKILL at random points of each
// wave's convergence (a random fraction of the wave's VIM creates or
// deletes made), restarting it each time on the same database and secret
// key. Some waves delete resources, so kills also land mid-deletion. At
// the end: every acknowledged resource is in the API and Ready at every
// location, every deleted one is gone, and every location's VIM holds
// exactly one object per live resource (the one the API names), none for
// deleted ones and no orphans; a security group's rules are its parts.
// It logs one report line: rounds survived, resources, acknowledged
// writes, writes in doubt (cut by a kill, resolved by retrying), VIM
// objects, duplicates (must be 0), missing, orphans, elapsed time.
//
// The default is short (60 resources, 3 kills) and runs in
// `go test ./...`; scripts/chaos runs the long one (1,000 resources, 20
// kills) through ORCA_CHAOS_RESOURCES and ORCA_CHAOS_ROUNDS.
// ORCA_CHAOS_SEED replays a run's random choices.
//
// TestReplicaFailover does the same to replicas: three demos on one
// PostgreSQL database split ten fake locations by leases; the one holding
// the most is killed with SIGKILL mid-convergence, and the test reports how
// long the others took to claim its locations, checks everything
// converged with no VIM object twice, and reads the fake VIMs' call logs
// (each call tagged with its replica) to show that no two replicas' calls
// at one location ever overlapped.
//
// It imports nothing from orca but the resource, fake (its call records)
// and fakewire packages: it sees the servers only as a user and the VIMs
// only as their inspection endpoints.
package chaos
