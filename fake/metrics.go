package fake

import (
	"context"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// The fake's machines have no load of their own: a test sets what its
// telemetry would measure (SetMetric), and Metric reports it, as
// vim.MetricReader.

var _ vim.MetricReader = (*VIM)(nil)

// SetMetric sets a metric of the machine tagged orcaID; with orcaID ""
// it sets the site's value, which every machine without its own reports
// (a load on the whole site, machines made later included). It returns
// NotFound for an unknown tag and Invalid for an object that is not a
// machine.
func (v *VIM) SetMetric(orcaID, name string, value float64) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if orcaID == "" {
		if v.siteMetrics == nil {
			v.siteMetrics = map[string]float64{}
		}
		v.siteMetrics[name] = value
		return nil
	}
	o, ok := v.objects[orcaID]
	switch {
	case !ok:
		return resource.Errorf(resource.NotFound, "fake: no object tagged %s", orcaID)
	case !o.machine:
		return resource.Errorf(resource.Invalid, "fake: %s %s is not a machine", o.kind, orcaID)
	}
	if o.metrics == nil {
		o.metrics = map[string]float64{}
	}
	o.metrics[name] = value
	return nil
}

// Metric reports what SetMetric set for the machine.
func (v *VIM) Metric(ctx context.Context, o *vim.Object, name string) (float64, error) {
	if err := v.begin(ctx, OpObserve); err != nil {
		return 0, err
	}
	defer v.mu.Unlock()
	obj, err := v.server(o)
	if err != nil {
		return 0, err
	}
	val, ok := obj.metrics[name]
	if !ok {
		val, ok = v.siteMetrics[name]
	}
	if !ok {
		return 0, resource.Errorf(resource.NotFound, "fake %s: %s has no metric %s", v.opts.Name, o, name)
	}
	return val, nil
}
