package contrail

import (
	"context"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// ObserveAll observes objects of one kind with one detailed list of the
// parent's objects of that type (plus, when the rules name objects the list
// does not, one list of those per type). Each object is matched by its
// recorded uuid, else by its fq_name, as Observe does.
func (d *Driver) ObserveAll(ctx context.Context, kind resource.Kind, objs []*vim.Object) ([]vim.Observation, error) {
	impl, err := d.impl(kind)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, nil
	}
	for _, o := range objs {
		if o.Kind != kind {
			return nil, resource.Errorf(resource.Invalid, "contrail: ObserveAll(%s) given a %s object", kind, o.Kind)
		}
	}
	all, err := d.listDetail(ctx, impl.typ, impl.parent, d.parentFQ(impl), impl.listFields)
	if err != nil {
		return nil, err
	}
	r := newResolver(d)
	byUUID, byName := map[string]*cobject{}, map[string]*cobject{}
	for _, c := range all {
		byUUID[c.UUID], byName[strings.Join(c.FQName, ":")] = c, c
		r.seed(c)
	}
	if impl.needs != nil {
		if err := r.prefetchAll(ctx, impl, objs); err != nil {
			return nil, err
		}
	}
	out := make([]vim.Observation, len(objs))
	for i, o := range objs {
		fq := strings.Join(d.fqName(impl, o), ":")
		c := byUUID[o.ExternalID]
		if c == nil || strings.Join(c.FQName, ":") != fq {
			c = byName[fq]
		}
		if c == nil {
			continue // absent
		}
		want, err := d.build(ctx, impl, o, r)
		if err != nil {
			return nil, err
		}
		out[i] = observation(impl, c, want)
	}
	return out, nil
}
