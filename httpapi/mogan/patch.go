package mogan

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/httpapi/dialect/jsonpatch"
	"github.com/orca-nfv/orca/resource"
)

// PATCH takes an RFC 6902 document. As in Mogan, it may add, replace or
// remove (and test) name, description, extra and extra's keys; the rest
// of an instance is internal ("can not be updated") or derived.

// patchOps are the operations a patch may use.
var patchOps = []string{jsonpatch.Add, jsonpatch.Replace, jsonpatch.Remove, jsonpatch.Test}

// internalAttrs are Mogan's fields that a patch cannot touch.
var internalAttrs = []string{"created_at", "id", "links", "updated_at", "uuid", "project_id", "user_id", "status",
	"power_state", "availability_zone", "instance_type_uuid", "image_uuid", "network_info", "launched_at"}

// mutable are the root members a patch may change.
var mutable = []string{"name", "description", "extra"}

// checkPatch refuses what Mogan's JsonPatchType refuses, with its words.
func checkPatch(ops []jsonpatch.Operation) error {
	for _, op := range ops {
		if !slices.Contains(patchOps, op.Op) {
			return resource.Errorf(resource.Invalid, "Invalid input for field/attribute op. Value: '%s'. Value should be one of: %s",
				op.Op, strings.Join(patchOps, ", "))
		}
		path, _ := jsonpatch.Parse(op.Path)
		if len(path) == 0 {
			return resource.Errorf(resource.Invalid, "Invalid input for field/attribute path. Value: '%s'. A patch cannot replace the whole instance", op.Path)
		}
		root := path[0]
		switch {
		case slices.Contains(internalAttrs, root):
			return resource.Errorf(resource.Invalid, "'%s' is an internal attribute and can not be updated", op.Path)
		case root == "name" && op.Op == jsonpatch.Remove && len(path) == 1:
			return resource.Errorf(resource.Invalid, "'%s' is a mandatory attribute and can not be removed", op.Path)
		case !slices.Contains(mutable, root):
			if op.Op == jsonpatch.Add {
				return resource.Errorf(resource.Invalid, "Adding a new attribute (%s) to the root of the resource is not allowed", op.Path)
			}
			return resource.Errorf(resource.Invalid, "Couldn't apply patch '%s'. Reason: can't remove or replace a non-existent object '%s'", op.Path, root)
		case root != "extra" && len(path) > 1:
			return resource.Errorf(resource.Invalid, "Couldn't apply patch '%s'. Reason: %s is not an object", op.Path, root)
		case root == "extra" && len(path) > 2:
			return resource.Errorf(resource.Invalid, "Couldn't apply patch '%s'. Reason: extra's values are strings", op.Path)
		}
	}
	return nil
}

// patchable is the part of an instance a patch works on.
type patchable struct {
	Name        string            `json:"name"`
	Description *string           `json:"description"`
	Extra       map[string]string `json:"extra"`
}

func (a *api) patch(w http.ResponseWriter, r *http.Request) error {
	inst, err := a.fetch(r)
	if err != nil {
		return err
	}
	data, err := a.kit.ReadBody(w, r)
	if err != nil {
		return err
	}
	ops, err := jsonpatch.Decode(data)
	if err != nil {
		return err
	}
	if err := checkPatch(ops); err != nil {
		return err
	}
	spec := *inst.Spec.(*resource.BaremetalInstance)
	desc := spec.Description
	extra := map[string]any{}
	for k, v := range spec.Extra {
		extra[k] = v
	}
	doc := map[string]any{"name": inst.Name, "description": desc, "extra": extra}
	patched, err := jsonpatch.Apply(doc, ops)
	if err != nil {
		return resource.Errorf(resource.Invalid, "Couldn't apply patch. Reason: %v", err)
	}
	raw, _ := json.Marshal(patched) // decoded JSON encodes
	var next patchable
	if err := json.Unmarshal(raw, &next); err != nil {
		return resource.Errorf(resource.Invalid, "Couldn't apply patch. Reason: name and description must be strings, extra an object of strings")
	}
	if strings.TrimSpace(next.Name) == "" {
		return resource.Errorf(resource.Invalid, "Couldn't apply patch. Reason: the name must not be empty")
	}
	spec.Description = ""
	if next.Description != nil {
		spec.Description = *next.Description
	}
	spec.Extra = next.Extra
	updated := *inst
	updated.Name, updated.Spec = next.Name, &spec
	updated.Revision = 0 // the latest: a patch names fields, not a version
	out, err := a.b.Update(r.Context(), &updated)
	if err != nil {
		return err
	}
	return a.one(w, r, http.StatusOK, out, nil)
}
