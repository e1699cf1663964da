// Package loadtest loads the demo server over loopback: many clients at
// once, as the admin and as members of two tenants, reading and writing
// on every surface (seed 000's /v1.0, Trema, Waldur, Mogan and ESC) while
// the reconciler converges, then reading back every write the server
// acknowledged. Its test (TestLoad) is the short variant run by
// scripts/test; scripts/load runs 32 clients for 60 s and prints the
// report: requests, statuses, rate and latencies (p50, p99) per surface,
// and what was lost (nothing, or the test fails).
//
// The demo runs as a process of its own, built without the race detector
// (BuildDemo, StartDemo): what is measured is the server as users run it.
// Each client owns the objects it creates, so the state the server last
// acknowledged for each is known exactly; reads of a client's own objects
// during the load must show it too. Nothing imports this package but its
// test.
package loadtest
