package orca

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// A deployment's monitored VMs are looked at in their VIMs every
// MonitorInterval, and a failed one is redeployed (the recover action),
// each VM at most its group's RecoveryMax times.

// monitorVMs has the VMs of monitored groups looked at in their VIMs now
// (a failure shows as their copies' phase, which brings the deployment
// back here), and says when to look again (0: no group is monitored or
// elastic).
func (o *Orchestrator) monitorVMs(ctx context.Context, spec *resource.Deployment, members []*resource.Resource) (time.Duration, error) {
	monitored := map[string]bool{}
	elastic := false
	for _, g := range spec.Groups {
		if g.Monitored {
			monitored[GroupKey(g.Name)] = true
		}
		elastic = elastic || g.Elastic && len(g.ScaleRules) > 0
	}
	if len(monitored) == 0 {
		if elastic {
			return o.opts.MonitorInterval, nil // judge the rules again then
		}
		return 0, nil
	}
	for _, m := range members {
		if m.Kind != resource.KindServer || m.Deleting || !monitored[m.Labels[LabelVMGroup]] || slices.Contains(spec.Unmonitored, m.ID) {
			continue
		}
		page, err := o.store.List(ctx, store.Filter{Kind: resource.KindLocalServer, Owner: &m.Ref})
		if err != nil {
			return 0, err
		}
		for _, c := range page.Items {
			o.enqueue(c.Ref)
		}
	}
	return o.opts.MonitorInterval, nil
}

// recoverVMs starts the recovery of each failed VM of a monitored group
// that has recoveries left, once the group's wait has passed. A VM has
// failed when a copy of its server has: it is recoverable when the copy
// holds a machine (the VIM reports it in error); a recovery redeploys it
// (the recover action, mode redeploy), which clears the copy at once, so
// a failure is never recovered twice.
// It returns the recoveries started so far per VM, the VMs failed for
// good, and how long until the next recovery is due (0: none pending).
func (o *Orchestrator) recoverVMs(ctx context.Context, d *resource.Resource, spec *resource.Deployment, members []*resource.Resource) (map[string]int64, map[string]string, time.Duration, error) {
	recoveries := map[string]int64{}
	if prev, ok := d.Status.Output[DeploymentRecoveriesKey].(map[string]any); ok {
		for id, v := range prev {
			if n, ok := OutputInt(v); ok {
				recoveries[id] = n
			}
		}
	}
	groups := map[string]resource.VMGroup{}
	for _, g := range spec.Groups {
		groups[GroupKey(g.Name)] = g
	}
	lost := map[string]string{}
	var next time.Duration
	for _, m := range members {
		g, ok := groups[m.Labels[LabelVMGroup]]
		if m.Kind != resource.KindServer || !ok || m.Deleting || m.Status.Phase != resource.PhaseFailed {
			continue
		}
		failed, since, err := o.failedCopy(ctx, m)
		if err != nil {
			return nil, nil, 0, err
		}
		if failed == nil {
			continue // the server's own status lags its copies' (a recovery under way)
		}
		n := recoveries[m.ID]
		if n > 0 {
			prev, err := o.store.Get(ctx, recoveryRef(m.ID, n))
			switch {
			case err == nil && Unfinished(prev):
				continue // under way: its copy still shows the failure
			case err != nil && resource.CodeOf(err) != resource.NotFound:
				return nil, nil, 0, err
			}
		}
		// Only a machine that exists in error can be redeployed; a copy
		// that failed to be made has failed for good.
		if failed.Status.ExternalID == "" || !g.Monitored || slices.Contains(spec.Unmonitored, m.ID) || n >= g.RecoveryMax {
			lost[m.ID] = m.Status.Message
			continue
		}
		if due := since.Add(time.Duration(g.RecoveryWaitSeconds) * time.Second); time.Now().Before(due) {
			if w := time.Until(due); next == 0 || w < next {
				next = w
			}
			continue
		}
		// The action's ID makes the n+1st recovery of this VM happen
		// once, even when this pass is repeated before its status write.
		a := &resource.Resource{
			Ref: recoveryRef(m.ID, n+1), Tenant: m.Tenant,
			Spec: &resource.Action{TargetKind: m.Kind, TargetID: m.ID, Verb: resource.VerbRecover, Params: map[string]string{"mode": "redeploy"}},
		}
		if _, err := o.store.Create(ctx, a); err != nil && resource.CodeOf(err) != resource.Conflict {
			return nil, nil, 0, err
		}
		o.enqueue(a.Ref)
		recoveries[m.ID] = n + 1
	}
	return recoveries, lost, next, nil
}

// recoveryRef names the nth recovery of a VM.
func recoveryRef(server string, n int64) resource.Ref {
	return resource.Ref{Kind: resource.KindAction, ID: fmt.Sprintf("%s:recover:%d", server, n)}
}

// failedCopy is a copy of server m that has Failed, and since when (nil
// when none has).
func (o *Orchestrator) failedCopy(ctx context.Context, m *resource.Resource) (*resource.Resource, time.Time, error) {
	page, err := o.store.List(ctx, store.Filter{Kind: resource.KindLocalServer, Owner: &m.Ref})
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, c := range page.Items {
		if c.Status.Phase == resource.PhaseFailed {
			return c, c.UpdatedAt, nil
		}
	}
	return nil, time.Time{}, nil
}
