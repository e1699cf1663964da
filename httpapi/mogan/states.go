package mogan

import (
	"fmt"
	"net/http"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

func (a *api) states(w http.ResponseWriter, r *http.Request) error {
	inst, err := a.fetch(r)
	if err != nil {
		return err
	}
	f, err := a.gather(r.Context(), inst.Tenant, []*resource.Resource{inst})
	if err != nil {
		return err
	}
	st := f.stateOf(inst)
	dialect.WriteJSON(w, http.StatusOK, map[string]any{
		"power_state": st.power, "target_power_state": st.target, "status": st.status, "locked": locked(inst),
	})
	return nil
}

// power asks for a power change: 202, and the orca action runs it. As in
// Mogan, the target is checked first, then the lock, then the state
// machine: on from stopped, the others from active.
func (a *api) power(w http.ResponseWriter, r *http.Request) error {
	data, err := a.kit.ReadBody(w, r)
	if err != nil {
		return err
	}
	var req struct {
		Target *string `json:"target"`
	}
	if err := dialect.Strict(data, &req, "body"); err != nil {
		return err
	}
	id := r.PathValue("id")
	if req.Target == nil {
		return resource.Errorf(resource.Invalid, "Invalid input for field/attribute target. Mandatory field missing.")
	}
	t, ok := targets[*req.Target]
	if !ok {
		return resource.Errorf(resource.Invalid, "The Parameter value: %s for power action of instance %s is invalid.", *req.Target, id)
	}
	inst, err := a.fetch(r)
	if err != nil {
		return err
	}
	if err := checkLock(r, inst); err != nil {
		return err
	}
	f, err := a.gather(r.Context(), inst.Tenant, []*resource.Resource{inst})
	if err != nil {
		return err
	}
	if st := f.stateOf(inst); st.status != t.from {
		return resource.Errorf(resource.Invalid, "Can not transition from state '%s' on event '%s' (no defined transition)", st.status, t.event)
	}
	if _, err := a.b.Act(r.Context(), inst.Ref, t.verb, t.params); err != nil {
		return err // Conflict: another request got there first
	}
	w.Header().Set("Location", a.base(r)+collection+"/"+inst.ID+"/states")
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// lock locks or unlocks an instance: {"target": true|false}, 202. Its
// owner and administrators lock; only an administrator lifts an
// administrator's lock.
func (a *api) lock(w http.ResponseWriter, r *http.Request) error {
	data, err := a.kit.ReadBody(w, r)
	if err != nil {
		return err
	}
	var req struct {
		Target *bool `json:"target"`
	}
	if err := dialect.Strict(data, &req, "body"); err != nil {
		return err
	}
	if req.Target == nil {
		return resource.Errorf(resource.Invalid, "Invalid input for field/attribute target. Mandatory field missing.")
	}
	inst, err := a.fetch(r)
	if err != nil {
		return err
	}
	p := dialect.Caller(r)
	if !*req.Target && inst.Labels[lockedByLabel] == "admin" && !p.IsAdmin() {
		return resource.Errorf(resource.Forbidden, "Instance %s was locked by an administrator: only an administrator unlocks it", inst.ID)
	}
	labels := map[string]string{}
	for k, v := range inst.Labels {
		labels[k] = v
	}
	delete(labels, lockedLabel)
	delete(labels, lockedByLabel)
	if *req.Target {
		labels[lockedLabel] = "true"
		labels[lockedByLabel] = "owner"
		if p.IsAdmin() {
			labels[lockedByLabel] = "admin"
		}
	}
	next := *inst
	next.Labels, next.Revision = labels, 0
	if _, err := a.b.Update(r.Context(), &next); err != nil {
		return fmt.Errorf("locking: %w", err)
	}
	w.Header().Set("Location", a.base(r)+collection+"/"+inst.ID+"/states")
	w.WriteHeader(http.StatusAccepted)
	return nil
}
