package orca

import "github.com/orca-nfv/orca/resource"

// isMachine reports whether kind boots machines (its spec, or for a local
// copy its parent's, is a resource.MachineSpec), so that machine verbs
// (power, reboot, snapshot, recover) apply to it. Asking the registry
// rather than naming kinds keeps an embedder's machine kinds covered.
func (o *Orchestrator) isMachine(kind resource.Kind) bool {
	info, ok := o.reg.Info(kind)
	if !ok {
		return false
	}
	if info.Located {
		kind = info.Parent
	}
	spec, err := o.reg.NewSpec(kind)
	if err != nil {
		return false
	}
	_, ok = spec.(resource.MachineSpec)
	return ok
}
