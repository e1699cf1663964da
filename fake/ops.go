package fake

import (
	"cmp"
	"context"
	"strconv"
	"time"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// server returns the ready machine for o, or the error a VIM would give.
func (v *VIM) server(o *vim.Object) (*object, error) {
	if _, ok := o.Spec.(resource.MachineSpec); !ok {
		return nil, resource.Errorf(resource.Invalid, "fake: %s is not a machine", o)
	}
	obj := v.live(o)
	if obj == nil || !obj.machine {
		return nil, resource.Errorf(resource.NotFound, "fake %s: %s not found", v.opts.Name, o)
	}
	if obj.state != vim.StateReady {
		return nil, resource.Errorf(resource.Conflict, "fake %s: %s is %s", v.opts.Name, o, obj.state)
	}
	return obj, nil
}

// Power changes a ready machine's power. Rebooting a machine that is off is
// a Conflict, as in Nova.
func (v *VIM) Power(ctx context.Context, o *vim.Object, action vim.PowerAction) error {
	if err := v.begin(ctx, OpPower); err != nil {
		return err
	}
	defer v.mu.Unlock()
	if !action.Valid() {
		return resource.Errorf(resource.Invalid, "fake: unknown power action %q", action)
	}
	obj, err := v.server(o)
	if err != nil {
		return err
	}
	if obj.task != "" {
		return resource.Errorf(resource.Conflict, "fake %s: cannot change the power of %s while it is %s", v.opts.Name, o, obj.task)
	}
	task, after := "", obj.power
	switch action {
	case vim.ActionPowerOn:
		task, after = "powering-on", vim.PowerOn
	case vim.ActionPowerOff, vim.ActionSoftOff:
		task, after = "powering-off", vim.PowerOff
	case vim.ActionReboot, vim.ActionHardReboot:
		if obj.power != vim.PowerOn {
			return resource.Errorf(resource.Conflict, "fake %s: cannot reboot %s while it is off", v.opts.Name, o)
		}
		task = "rebooting"
		if action == vim.ActionHardReboot {
			task = "rebooting_hard"
		}
	}
	obj.task, obj.taskPower = task, after
	switch {
	case v.opts.PowerTime > 0 && v.opts.Manual:
	case v.opts.PowerTime > 0:
		obj.taskUntil = time.Now().Add(v.opts.PowerTime)
		v.wait(obj.orcaID)
	default:
		obj.endTask()
	}
	return nil
}

// Snapshot makes a ready image from a ready machine, or returns the one made
// with the same key. The image is tagged "snapshot:<key>" (without a key,
// "snapshot:<its external ID>"): it is the VIM's, not an orca resource.
func (v *VIM) Snapshot(ctx context.Context, o *vim.Object, imageName, key string) (string, error) {
	if err := v.begin(ctx, OpSnapshot); err != nil {
		return "", err
	}
	defer v.mu.Unlock()
	if _, err := v.server(o); err != nil {
		return "", err
	}
	if made, ok := v.objects["snapshot:"+key]; ok && key != "" {
		return made.externalID, nil
	}
	v.seq++
	img := &object{
		kind: resource.KindImage, name: imageName, tenant: o.Tenant, state: vim.StateReady,
		externalID: v.opts.Name + "-snapshot-" + strconv.Itoa(v.seq),
	}
	img.orcaID = "snapshot:" + cmp.Or(key, img.externalID)
	v.objects[img.orcaID] = img
	return img.externalID, nil
}

// ConsoleURL returns a console address for a ready machine (under .invalid,
// so it can never resolve).
func (v *VIM) ConsoleURL(ctx context.Context, o *vim.Object) (string, error) {
	if err := v.begin(ctx, OpConsole); err != nil {
		return "", err
	}
	defer v.mu.Unlock()
	obj, err := v.server(o)
	if err != nil {
		return "", err
	}
	return "https://console." + v.opts.Name + ".invalid/vnc?token=" + obj.externalID, nil
}

func (v *VIM) Hosts(ctx context.Context) ([]vim.Host, error) {
	if err := v.begin(ctx, OpHosts); err != nil {
		return nil, err
	}
	defer v.mu.Unlock()
	out := make([]vim.Host, len(v.hosts))
	for i, h := range v.hosts {
		out[i] = *h
	}
	return out, nil
}

// SetHostEnabled enables or disables scheduling on a host: machines created
// while every host is disabled go to the Error state.
func (v *VIM) SetHostEnabled(ctx context.Context, host string, enabled bool) error {
	if err := v.begin(ctx, OpSetHost); err != nil {
		return err
	}
	defer v.mu.Unlock()
	for _, h := range v.hosts {
		if h.Name == host {
			h.Enabled = enabled
			return nil
		}
	}
	return resource.Errorf(resource.NotFound, "fake %s: no host %q", v.opts.Name, host)
}
