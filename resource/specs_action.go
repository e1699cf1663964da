package resource

import "sort"

// Action verbs: one-shot operations the orchestrator runs and records.
const (
	// VerbPull reconciles the target now (Waldur "pull").
	VerbPull = "pull"
	// VerbUnlink forgets the target without deleting anything in a VIM.
	VerbUnlink = "unlink"
	// VerbSetErred and VerbSetOK override the target's status; set_ok also
	// clears its copies' failures so they are retried. set_erred takes
	// params message and traceback (kept in the status until the next
	// pass recomputes it).
	VerbSetErred = "set_erred"
	VerbSetOK    = "set_ok"
	// VerbPower sets a server's power: params target = on, off or soft_off.
	VerbPower = "power"
	// VerbReboot reboots a server: params type = soft (default) or hard.
	VerbReboot = "reboot"
	// VerbSnapshot images a server's disk: params name.
	VerbSnapshot = "snapshot"
	// VerbRecover recovers a server: params mode = reboot (default, a hard
	// reboot) or redeploy (replace the VIM object).
	VerbRecover = "recover"
)

// verbParams lists each verb's parameters and their allowed values (nil:
// free text).
var verbParams = map[string]map[string][]string{
	VerbPull:     {},
	VerbUnlink:   {},
	VerbSetErred: {"message": nil, "traceback": nil},
	VerbSetOK:    {},
	VerbPower:    {"target": {"on", "off", "soft_off"}},
	VerbReboot:   {"type": {"soft", "hard"}},
	VerbSnapshot: {"name": nil},
	VerbRecover:  {"mode": {"reboot", "redeploy"}},
}

// Verbs lists the action verbs, sorted.
func Verbs() []string {
	var out []string
	for v := range verbParams {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Action is a one-shot operation on a resource, requested by a user and
// executed by the orchestrator. Its status records the run: Pending
// (requested), Provisioning (running), Ready (succeeded) or Failed, with a
// message and per-location results in Output. The target is named, not
// referenced, so an action's record never blocks deleting its target.
type Action struct {
	TargetKind Kind              `json:"target_kind"`
	TargetID   string            `json:"target_id" orca:"index"`
	Verb       string            `json:"verb"`
	Params     map[string]string `json:"params"`
}

func (a *Action) Default() {
	switch {
	case a.Verb == VerbReboot && a.Params["type"] == "":
		a.setParam("type", "soft")
	case a.Verb == VerbRecover && a.Params["mode"] == "":
		a.setParam("mode", "reboot")
	}
}

func (a *Action) setParam(k, v string) {
	if a.Params == nil {
		a.Params = map[string]string{}
	}
	a.Params[k] = v
}

func (a *Action) Validate() error {
	var p problems
	if err := checkKindName(a.TargetKind); err != nil {
		p.add("target_kind", "%v", err)
	}
	p.ref("target_id", a.TargetID, true)
	allowed, ok := verbParams[a.Verb]
	if !ok {
		p.oneOf("verb", a.Verb, Verbs()...)
		return p.err()
	}
	for k, v := range a.Params {
		values, known := allowed[k]
		switch {
		case !known:
			p.add("params."+k, "not a parameter of %s", a.Verb)
		case values != nil:
			p.oneOf("params."+k, v, values...)
		case a.Verb == VerbSetErred:
			p.text("params."+k, v, MaxDescriptionLen) // an operator's words, a traceback
		default:
			p.text("params."+k, v, MaxIDLen)
		}
	}
	for k, values := range allowed {
		if values != nil && a.Params[k] == "" {
			p.oneOf("params."+k, "", values...)
		}
	}
	if a.Verb == VerbSnapshot && a.Params["name"] == "" {
		p.add("params.name", "required")
	}
	return p.err()
}

func (a *Action) Dependencies() []Ref { return nil }
