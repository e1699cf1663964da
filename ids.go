package orca

import (
	"context"
	"fmt"
	"strconv"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Pools are found by name. A resource created with one of these fields at 0
// gets the lowest free value of the pool; a value given explicitly is
// reserved in it, so no one else can be allocated it. Without the pool the
// field stays as given (0: the VIM picks).
const (
	PoolContrailNetworkID       = "contrail_network_id"
	PoolContrailSecurityGroupID = "contrail_security_group_id"
	PoolRouteTarget             = "route_target"
)

// pooledField is a spec field whose values come from an id pool.
type pooledField struct {
	pool string
	get  func(resource.Spec) int64
	set  func(resource.Spec, int64) resource.Spec // returns a copy
}

func pooledFields(k resource.Kind) []pooledField {
	switch k {
	case resource.KindNetwork:
		return []pooledField{{PoolContrailNetworkID,
			func(s resource.Spec) int64 { return s.(*resource.Network).ContrailID },
			func(s resource.Spec, v int64) resource.Spec { c := *s.(*resource.Network); c.ContrailID = v; return &c }}}
	case resource.KindSecurityGroup:
		return []pooledField{{PoolContrailSecurityGroupID,
			func(s resource.Spec) int64 { return s.(*resource.SecurityGroup).ContrailID },
			func(s resource.Spec, v int64) resource.Spec {
				c := *s.(*resource.SecurityGroup)
				c.ContrailID = v
				return &c
			}}}
	case resource.KindRouteTargetAssociation:
		return []pooledField{{PoolRouteTarget,
			func(s resource.Spec) int64 { return s.(*resource.RouteTargetAssociation).RouteTarget },
			func(s resource.Spec, v int64) resource.Spec {
				c := *s.(*resource.RouteTargetAssociation)
				c.RouteTarget = v
				return &c
			}}}
	}
	return nil
}

// keepAllocated carries allocated values over an update that leaves them
// at 0 (the caller did not repeat them), so the update is not refused as a
// change of an immutable field.
func keepAllocated(cur, next *resource.Resource) {
	for _, f := range pooledFields(next.Kind) {
		if f.get(next.Spec) == 0 && f.get(cur.Spec) != 0 {
			next.Spec = f.set(next.Spec, f.get(cur.Spec))
		}
	}
}

// createWithIDs creates r, allocating or reserving its pooled fields in the
// same transaction: two concurrent creates never get the same value, and a
// failed create allocates nothing.
func (o *Orchestrator) createWithIDs(ctx context.Context, r *resource.Resource) (*resource.Resource, error) {
	fields := pooledFields(r.Kind)
	if len(fields) == 0 {
		return o.store.Create(ctx, r)
	}
	if r.ID == "" {
		r.ID = resource.NewID() // allocations name their holder
	}
	var out *resource.Resource
	err := o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		next := *r
		for _, f := range fields {
			pool, err := findPool(ctx, tx, f.pool)
			if err != nil || pool == nil {
				if err != nil {
					return err
				}
				continue
			}
			v := f.get(next.Spec)
			if v == 0 {
				if v, err = allocate(ctx, tx, pool, &next); err != nil {
					return err
				}
				next.Spec = f.set(next.Spec, v)
			} else if err := reserve(ctx, tx, pool, v, &next); err != nil {
				return err
			}
		}
		var err error
		out, err = tx.Create(ctx, &next)
		return err
	})
	return out, err
}

// updateWithIDs writes next over cur; a pooled field whose value changes
// gives back the old value and reserves the new one in the same
// transaction (Conflict when the new one is taken, nothing changed).
func (o *Orchestrator) updateWithIDs(ctx context.Context, cur, next *resource.Resource) (*resource.Resource, error) {
	var moved []pooledField
	for _, f := range pooledFields(next.Kind) {
		if f.get(next.Spec) != f.get(cur.Spec) {
			moved = append(moved, f)
		}
	}
	if len(moved) == 0 {
		return o.store.Update(ctx, next)
	}
	var out *resource.Resource
	err := o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		for _, f := range moved {
			pool, err := findPool(ctx, tx, f.pool)
			if err != nil || pool == nil {
				if err != nil {
					return err
				}
				continue // no pool: values are not policed
			}
			old := resource.Ref{Kind: resource.KindIDAllocation, ID: allocationID(pool, f.get(cur.Spec))}
			if a, err := tx.Get(ctx, old); err == nil && a.Spec.(*resource.IDAllocation).HolderID == cur.ID {
				if err := tx.Delete(ctx, old, 0); err != nil {
					return err
				}
			} else if err != nil && resource.CodeOf(err) != resource.NotFound {
				return err
			}
			if err := reserve(ctx, tx, pool, f.get(next.Spec), next); err != nil {
				return err
			}
		}
		var err error
		out, err = tx.Update(ctx, next)
		return err
	})
	return out, err
}

func findPool(ctx context.Context, tx store.Tx, name string) (*resource.Resource, error) {
	page, err := tx.List(ctx, store.Filter{Kind: resource.KindIDPool, Name: name, Limit: 1})
	if err != nil || len(page.Items) == 0 {
		return nil, err
	}
	return page.Items[0], nil
}

func allocationID(pool *resource.Resource, v int64) string {
	return pool.ID + "." + strconv.FormatInt(v, 10)
}

// reserve records v as taken by holder; Conflict if someone has it.
func reserve(ctx context.Context, tx store.Tx, pool *resource.Resource, v int64, holder *resource.Resource) error {
	spec := pool.Spec.(*resource.IDPool)
	if v < *spec.Start || v > *spec.End {
		return nil // outside the pool: not the pool's to police
	}
	_, err := tx.Create(ctx, &resource.Resource{
		Ref:  resource.Ref{Kind: resource.KindIDAllocation, ID: allocationID(pool, v)},
		Spec: &resource.IDAllocation{PoolID: pool.ID, Value: v, HolderKind: holder.Kind, HolderID: holder.ID},
	})
	if resource.CodeOf(err) == resource.Conflict && resource.FieldOf(err) == "id" {
		return resource.Errorf(resource.Conflict, "%d is already allocated from id pool %s", v, pool.Name)
	}
	return err
}

// allocate takes the first free value of the pool, searching from where the
// last allocation stopped (kept in the pool's status) and wrapping around.
// Forbidden when the pool is exhausted.
func allocate(ctx context.Context, tx store.Tx, pool *resource.Resource, holder *resource.Resource) (int64, error) {
	spec := pool.Spec.(*resource.IDPool)
	start, end := *spec.Start, *spec.End
	next := start
	if h, ok := pool.Status.Output["next"].(float64); ok && int64(h) >= start && int64(h) <= end {
		next = int64(h)
	}
	for n := int64(0); n <= end-start; n++ {
		v := start + (next-start+n)%(end-start+1)
		_, err := tx.Get(ctx, resource.Ref{Kind: resource.KindIDAllocation, ID: allocationID(pool, v)})
		if resource.CodeOf(err) != resource.NotFound {
			if err != nil {
				return 0, err
			}
			continue // taken
		}
		if err := reserve(ctx, tx, pool, v, holder); err != nil {
			return 0, err
		}
		p := *pool
		p.Status.Output = map[string]any{"next": v + 1}
		if _, err := tx.Update(ctx, &p); err != nil {
			return 0, err
		}
		return v, nil
	}
	return 0, resource.Errorf(resource.Forbidden, "id pool %s is exhausted: all %d values are allocated", pool.Name, end-start+1)
}

// deleteWithIDs removes r's row and the pool values it holds, in one
// transaction.
func (o *Orchestrator) deleteWithIDs(ctx context.Context, r *resource.Resource, revision int64) error {
	return o.store.Txn(ctx, func(ctx context.Context, tx store.Tx) error {
		if r.Kind == resource.KindTenant {
			if err := o.checkTenantEmpty(ctx, tx, r.ID); err != nil {
				return err
			}
		}
		if err := releaseIDs(ctx, tx, r.ID); err != nil {
			return err
		}
		return tx.Delete(ctx, r.Ref, revision)
	})
}

func releaseIDs(ctx context.Context, tx store.Tx, holder string) error {
	page, err := tx.List(ctx, store.Filter{Kind: resource.KindIDAllocation, Fields: map[string]string{"holder_id": holder}})
	if err != nil {
		return err
	}
	for _, a := range page.Items {
		if err := tx.Delete(ctx, a.Ref, 0); err != nil {
			return fmt.Errorf("releasing %s: %w", a.ID, err)
		}
	}
	return nil
}
