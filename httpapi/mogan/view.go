package mogan

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// Mogan's power states (Ironic's words), and its statuses.
const (
	powerOn  = "power on"
	powerOff = "power off"

	statusBuilding        = "building"
	statusActive          = "active"
	statusStopped         = "stopped"
	statusError           = "error"
	statusDeleting        = "deleting"
	statusPoweringOn      = "powering-on"
	statusPoweringOff     = "powering-off"
	statusSoftPoweringOff = "soft-powering-off"
	statusRebooting       = "rebooting"
	statusSoftRebooting   = "soft-rebooting"
)

// targets are the power targets Mogan takes, with the orca action each is,
// the status the instance shows while it runs, the target_power_state it
// shows, the status it must be in first, and Mogan's state-machine event
// (named in its refusals).
var targets = map[string]struct {
	verb                 string
	params               map[string]string
	status, target, from string
	event                string
}{
	"on":          {resource.VerbPower, map[string]string{"target": "on"}, statusPoweringOn, powerOn, statusStopped, "start"},
	"off":         {resource.VerbPower, map[string]string{"target": "off"}, statusPoweringOff, powerOff, statusActive, "stop"},
	"soft_off":    {resource.VerbPower, map[string]string{"target": "soft_off"}, statusSoftPoweringOff, "soft power off", statusActive, "soft_stop"},
	"reboot":      {resource.VerbReboot, map[string]string{"type": "hard"}, statusRebooting, "rebooting", statusActive, "reboot"},
	"soft_reboot": {resource.VerbReboot, map[string]string{"type": "soft"}, statusSoftRebooting, "soft rebooting", statusActive, "soft_reboot"},
}

// targetOf names the Mogan target an orca power action stands for.
func targetOf(a *resource.Action) string {
	switch {
	case a.Verb == resource.VerbPower:
		return a.Params["target"]
	case a.Verb == resource.VerbReboot && a.Params["type"] == "hard":
		return "reboot"
	case a.Verb == resource.VerbReboot:
		return "soft_reboot"
	case a.Verb == resource.VerbRecover:
		return "reboot"
	}
	return ""
}

// targetOfTask names the Mogan target a VIM's task stands for (Nova's
// task_state words, which the fake VIM uses too).
func targetOfTask(task string) (string, bool) {
	switch {
	case task == "powering-on":
		return "on", true
	case task == "powering-off":
		return "off", true
	case strings.HasPrefix(task, "reboot") && strings.HasSuffix(task, "_hard"):
		return "reboot", true
	case strings.HasPrefix(task, "reboot"):
		return "soft_reboot", true
	}
	return "", false
}

// state is an instance's Mogan state: from the instance, its copy at its
// location, and the power action in flight.
type state struct {
	status string
	power  any // powerOn, powerOff or nil (Ironic's NOSTATE)
	target any // the target_power_state in flight, or nil
	local  *resource.Resource
}

// facts are what the states of a request's instances are computed from,
// fetched once per request.
type facts struct {
	copies   map[string]*resource.Resource // each instance's copy at its location
	inFlight map[string]string             // each instance's Mogan power target in flight
}

// gather fetches the copies and the unfinished power actions of the
// instances, in two or three queries however many they are.
func (a *api) gather(ctx context.Context, tenant string, insts []*resource.Resource) (*facts, error) {
	f := &facts{copies: map[string]*resource.Resource{}, inFlight: map[string]string{}}
	if len(insts) == 0 {
		return f, nil
	}
	want := map[string]*resource.Resource{}
	for _, i := range insts {
		want[i.ID] = i
	}
	// Copies are shared records (a.copies), read only here.
	copyFilter := store.Filter{Kind: resource.KindLocalBaremetalInstance, Owner: &insts[0].Ref}
	if len(insts) > 1 {
		copyFilter = store.Filter{Kind: resource.KindLocalBaremetalInstance, Tenant: tenant}
	}
	copies, _, err := a.copies.List(ctx, a.b, copyFilter, func(c *resource.Resource) *resource.Resource { return c })
	if err != nil {
		return nil, err
	}
	sort.Slice(copies, func(i, j int) bool { return copies[i].Location < copies[j].Location })
	for _, c := range copies {
		inst := want[c.Owner.ID]
		if inst == nil {
			continue
		}
		if _, seen := f.copies[inst.ID]; seen && !placedAt(inst, c.Location) {
			continue
		}
		f.copies[inst.ID] = c
	}
	var actions []action
	if len(insts) == 1 {
		page, _, err := a.actions.List(ctx, a.b, store.Filter{Kind: resource.KindAction, Fields: map[string]string{"target_id": insts[0].ID}}, actionOf)
		if err != nil {
			return nil, err
		}
		actions = page
	} else {
		for _, phase := range []resource.Phase{resource.PhasePending, resource.PhaseProvisioning} {
			page, _, err := a.actions.List(ctx, a.b, store.Filter{Kind: resource.KindAction, Tenant: tenant, Phase: phase}, actionOf)
			if err != nil {
				return nil, err
			}
			actions = append(actions, page...)
		}
	}
	for _, act := range actions {
		if act.kind == resource.KindBaremetalInstance && want[act.id] != nil && act.unfinished && act.target != "" {
			f.inFlight[act.id] = act.target
		}
	}
	return f, nil
}

// action is what gather needs of an action: its target, the Mogan target
// it stands for, and whether it is still to finish.
type action struct {
	kind       resource.Kind
	id, target string
	unfinished bool
}

func actionOf(a *resource.Resource) action {
	spec := a.Spec.(*resource.Action)
	return action{kind: spec.TargetKind, id: spec.TargetID, target: targetOf(spec), unfinished: orca.Unfinished(a)}
}

// placedAt reports whether the instance's placement names the location
// itself (its availability zone), which then stands for it.
func placedAt(inst *resource.Resource, loc string) bool {
	return inst.Placement != nil && len(inst.Placement.Locations) == 1 && inst.Placement.Locations[0] == loc
}

func (f *facts) stateOf(inst *resource.Resource) state {
	s := state{local: f.copies[inst.ID]}
	if s.local != nil {
		switch s.local.Status.Output["power_state"] {
		case "on":
			s.power = powerOn
		case "off":
			s.power = powerOff
		}
	}
	t, ok := f.inFlight[inst.ID]
	if !ok && s.local != nil {
		// The action is done, but the VIM is still carrying it out.
		task, _ := s.local.Status.Output[orca.TaskStateKey].(string)
		t, ok = targetOfTask(task)
	}
	if ok {
		s.target = targets[t].target
	}
	switch {
	case inst.Deleting || inst.Status.Phase == resource.PhaseDeleting:
		s.status = statusDeleting
	case inst.Status.Phase == resource.PhaseFailed:
		s.status = statusError
	case s.target != nil:
		s.status = targets[t].status
	case s.local == nil || s.local.Status.ExternalID == "" ||
		(inst.Generation == 1 && inst.Status.Phase != resource.PhaseReady):
		s.status = statusBuilding
	case s.power == powerOff:
		s.status = statusStopped
	default:
		s.status = statusActive
	}
	return s
}

// allFields are the fields of a full instance, as Mogan's Instance type.
var allFields = []string{"uuid", "name", "description", "status", "power_state", "project_id", "user_id",
	"availability_zone", "instance_type_uuid", "image_uuid", "network_info", "launched_at", "created_at",
	"updated_at", "extra", "links"}

// listFields are what a list shows by default.
var listFields = []string{"uuid", "name", "description", "status", "power_state"}

// timestamp is Mogan's rendering of a time (oslo's isoformat).
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000+00:00") }

// zone is the availability zone an instance was placed in (a location,
// or a zone label of locations), or nil.
func zone(inst *resource.Resource) any {
	p := inst.Placement
	switch {
	case p == nil:
	case len(p.Locations) == 0 && len(p.Selector) == 1 && p.Selector[zoneLabel] != "":
		return p.Selector[zoneLabel]
	case len(p.Locations) == 1 && len(p.Selector) == 0:
		return p.Locations[0]
	}
	return nil
}
