package orca

import (
	"context"
	"maps"
	"slices"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// An elastic VM group of a deployment is resized by one VM at a time when
// one of its scale rules holds for the mean of the rule's metric over the
// group's running VMs, as their VIMs measure it (vim.MetricReader). Only a
// settled deployment is resized, so each step is realized (its VM made
// and up, or gone) before the next is judged; the step is written to the
// deployment's spec (its group's Count) with the deployment's revision,
// so it is made once, and recorded in its status (DeploymentScalingKey).

// DeploymentScalingKey is the Status.Output key of a deployment's last
// scaling step: group, action, count and seq (1, 2, ...).
const DeploymentScalingKey = "scaling"

// autoscale takes one scaling step if a rule of an elastic group holds,
// and reports whether it did.
func (o *Orchestrator) autoscale(ctx context.Context, d *resource.Resource, spec *resource.Deployment, members []*resource.Resource) (bool, error) {
	for i, g := range spec.Groups {
		if !g.Elastic {
			continue
		}
		for _, r := range g.ScaleRules {
			mean, n := o.groupMetric(ctx, g, members, r.Metric)
			if n == 0 || !r.Holds(mean) {
				continue
			}
			count := g.Count + 1
			if r.Action == resource.ScaleIn {
				count = g.Count - 1
			}
			if count < g.MinCount || count > g.MaxCount || !addressesFor(g, count) {
				continue
			}
			next := *d
			ns := *spec
			ns.Groups = slices.Clone(spec.Groups)
			ns.Groups[i].Count = count
			next.Spec = &ns
			prev, _ := d.Status.Output[DeploymentScalingKey].(map[string]any)
			seq, _ := OutputInt(prev["seq"])
			next.Status.Output = maps.Clone(d.Status.Output)
			next.Status.Output[DeploymentScalingKey] = map[string]any{"group": g.Name, "action": r.Action, "count": count, "seq": seq + 1}
			if _, err := o.store.Update(ctx, &next); err != nil {
				return false, err // a write came first: judged again
			}
			o.recordEvent(ctx, d, d.Status.Phase, resource.PhaseUpdating, r.Action+" of "+g.Name)
			return true, nil
		}
	}
	return false, nil
}

// addressesFor reports whether the group's fixed addresses suffice for
// count VMs.
func addressesFor(g resource.VMGroup, count int64) bool {
	for _, n := range g.NICs {
		if len(n.IPs) > 0 && int64(len(n.IPs)) < count {
			return false
		}
	}
	return true
}

// groupMetric is the mean of a metric over the running VMs of a group and
// how many reported it. A VM whose VIM cannot say is left out: a missing
// value never scales.
func (o *Orchestrator) groupMetric(ctx context.Context, g resource.VMGroup, members []*resource.Resource, metric string) (float64, int) {
	var sum float64
	n := 0
	for _, m := range members {
		if m.Kind != resource.KindServer || m.Deleting || m.Labels[LabelVMGroup] != GroupKey(g.Name) || m.Status.Phase != resource.PhaseReady {
			continue
		}
		page, err := o.store.List(ctx, store.Filter{Kind: resource.KindLocalServer, Owner: &m.Ref})
		if err != nil {
			continue
		}
		for _, c := range page.Items {
			if v, ok := o.copyMetric(ctx, m, c, metric); ok {
				sum += v
				n++
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// copyMetric reads a metric of a server's copy from its VIM.
func (o *Orchestrator) copyMetric(ctx context.Context, server, c *resource.Resource, metric string) (float64, bool) {
	if c.Status.Phase != resource.PhaseReady || c.Status.ExternalID == "" {
		return 0, false
	}
	s, err := o.siteFor(ctx, c.Location)
	if err != nil || s == nil || s.err != nil {
		return 0, false
	}
	mr, ok := s.driver(server.Kind).(vim.MetricReader)
	if !ok {
		return 0, false
	}
	obj, _, err := o.object(ctx, s, c, server)
	if err != nil {
		return 0, false
	}
	var v float64
	err = o.call(ctx, s, func(ctx context.Context) (err error) {
		v, err = mr.Metric(ctx, obj, metric)
		return err
	})
	if err != nil {
		if resource.CodeOf(err) != resource.NotFound {
			o.log.Warn("reading a metric", "ref", c.Ref.String(), "metric", metric, "err", err)
		}
		return 0, false
	}
	return v, true
}
