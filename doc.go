// Package orca keeps the desired state of cloud and NFV resources (networks,
// security groups, images, flavors, servers, Heat stacks, service templates
// and instances, network policies, tenants, ...) and drives many sites
// ("locations") to it through pluggable VIM drivers.
//
// # Architecture
//
// Everything is a resource (package resource): a kind, an ID, a tenant, a
// desired Spec and an observed Status. A resource the user asks for is
// global; for every target location the reconciler derives a per-location
// copy (a local_* kind, seed 000's local_network and friends) and realizes it
// with that location's VIM driver, recording status, output and task status
// on the copy and aggregating them into the global resource.
//
// Resources live in a Store (package store): an in-memory one for tests and
// embedders (store/memstore) and a SQLite one for durable single-node
// deployments (store/sqlitestore). Both share one implementation of the
// store's guarantees (store/engine) and pass one conformance suite
// (store/storetest): validation on every write, IDs unique across kinds,
// compare-and-swap on revisions, referential integrity that refuses deleting
// anything still referenced, tenant boundaries on references, and atomic
// multi-row transactions for allocation and outbox-style writes.
//
// The Orchestrator (this package) drives the locations. Apply and Delete
// write the store and enqueue; Run's workers reconcile one resource at a
// time per key: a location opens its drivers through a vim.Factory (with
// credentials decrypted by package secret); a global resource fans out to
// one per-location copy per target location and aggregates their status; a
// copy is realized by its location's driver — observe, then create after
// storing a create-pending marker (so a crash or a lost response leads to
// adoption, never a duplicate), update or replace on drift, recreate what
// vanished, and on deletion remove the VIM object before the row. Errors
// are retried with backoff or recorded as terminal by their code; a
// periodic resync observes each location's objects in bulk. Phase changes
// are recorded as events; one-shot operations (pull, unlink, power, reboot,
// snapshot, ...) are actions with a recorded outcome. A deployment (a VNF:
// groups of VMs) is a composite kind: it owns servers, server groups,
// volumes, networks and subnets, which it keeps to its spec, recovers
// (recovery.go) and scales on VIM metrics (autoscale.go).
//
// Several replicas can share one store (PostgreSQL, store/pgstore): with
// Options.Leases they split the work by leases kept in the store, one per
// location and hash shards of the rest (lease.go, leasesplit.go), and
// every write of a pass is fenced by its lease's epoch (fence.go); each
// follows what the others write (follow.go).
//
// The dependency direction is strictly downward:
//
//	resource ← store ← vim ← drivers ← orca (reconciler) ← httpapi ← cmd/demo
//
// The kind registry (resource.Registry) is the one place that knows each
// kind's wire spellings, scope, parent, local counterpart, references and
// mutable fields; embedders register their own kinds next to the built-in
// ones.
package orca
