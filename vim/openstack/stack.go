package openstack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stacks"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Stacks are created from the template's text, sent as it is: gophercloud's
// template parser would follow get_file and nested templates to local files
// and URLs on our side. What a stack was built from is tagged on it at
// creation (Heat tags "orca-tmpl-<hash>", "orca-params-<hash>" and, as a
// stack's own description comes from its template, "orca-desc-<hash>"), so
// a change is drift without parsing anything.

func stackKind() *kind {
	return &kind{get: getStack, all: allStacks, observe: observeStack, create: createStack, update: updateStack, delete: deleteStack}
}

func getStack(ctx context.Context, d *Driver, o *vim.Object) (any, error) {
	s, err := stacks.Find(ctx, d.orchestration, tag(o)).Extract()
	switch {
	case gophercloud.ResponseCodeIs(err, 404):
		return nil, nil
	case err != nil:
		return nil, classify(ctx, err, "getting stack")
	}
	return s, nil
}

func allStacks(ctx context.Context, d *Driver) (map[string]any, error) {
	pages, err := stacks.List(d.orchestration, stacks.ListOpts{}).AllPages(ctx)
	if err != nil {
		return nil, classify(ctx, err, "listing stacks")
	}
	found, err := stacks.ExtractStacks(pages)
	if err != nil {
		return nil, classify(ctx, err, "listing stacks")
	}
	out := map[string]any{}
	listed := map[string]bool{}
	for _, s := range found {
		if orcaID(s.Name) == "" {
			continue
		}
		listed[s.ID] = true
		// The list lacks outputs. They change only with the stack's status
		// or update time, so a settled stack seen before needs no call.
		if full := d.stackCache.get(&s); full != nil {
			out[s.Name] = full
			continue
		}
		full, err := stacks.Get(ctx, d.orchestration, s.Name, s.ID).Extract()
		if err != nil {
			return nil, classify(ctx, err, "getting stack")
		}
		d.stackCache.put(full)
		out[s.Name] = full
	}
	d.stackCache.keepOnly(listed)
	return out, nil
}

// stackCache keeps the outputs of settled stacks (status *_COMPLETE or
// *_FAILED) by ID, so a quiet resync lists stacks in one call. It holds
// only stacks the last list returned.
type stackCache struct {
	mu     sync.Mutex
	stacks map[string]*stacks.RetrievedStack
}

func settled(status string) bool {
	return strings.HasSuffix(status, "_COMPLETE") || strings.HasSuffix(status, "_FAILED")
}

// get returns the listed stack with its cached outputs, or nil when they
// may have changed since.
func (c *stackCache) get(s *stacks.ListedStack) *stacks.RetrievedStack {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.stacks[s.ID]
	if !ok || !settled(s.Status) || old.Status != s.Status || !old.UpdatedTime.Equal(s.UpdatedTime) {
		return nil
	}
	return &stacks.RetrievedStack{ID: s.ID, Name: s.Name, Status: s.Status, StatusReason: s.StatusReason,
		Tags: slices.Clone(s.Tags), UpdatedTime: s.UpdatedTime, Outputs: cloneJSON(old.Outputs)}
}

func (c *stackCache) put(s *stacks.RetrievedStack) {
	if !settled(s.Status) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stacks == nil {
		c.stacks = map[string]*stacks.RetrievedStack{}
	}
	c.stacks[s.ID] = &stacks.RetrievedStack{Status: s.Status, UpdatedTime: s.UpdatedTime, Outputs: cloneJSON(s.Outputs)}
}

func (c *stackCache) keepOnly(ids map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.stacks {
		if !ids[id] {
			delete(c.stacks, id)
		}
	}
}

// cloneJSON deep-copies decoded JSON, so no caller shares the cache's.
func cloneJSON(outputs []map[string]any) []map[string]any {
	b, err := json.Marshal(outputs)
	if err != nil {
		return nil
	}
	var out []map[string]any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// stackTags are the tags describing what a stack should be built from.
func stackTags(o *vim.Object) ([]string, string, error) {
	spec := o.Spec.(*resource.HeatInstance)
	dep, ok := o.Deps[resource.Ref{Kind: resource.KindHeatTemplate, ID: spec.HeatTemplateID}]
	tmpl, isTmpl := dep.Spec.(*resource.HeatTemplate)
	if !ok || !isTmpl {
		return nil, "", resource.Errorf(resource.Invalid, "%s: its template %s is not given", o, spec.HeatTemplateID)
	}
	params, err := json.Marshal(spec.Parameters)
	if err != nil {
		return nil, "", resource.InvalidField("parameters", "%v", err)
	}
	hash := func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:8]) }
	return []string{"orca-tmpl-" + hash([]byte(tmpl.Template)), "orca-params-" + hash(params),
		"orca-desc-" + hash([]byte(spec.Description))}, tmpl.Template, nil
}

func observeStack(d *Driver, o *vim.Object, v any) vim.Observation {
	s := v.(*stacks.RetrievedStack)
	obs := vim.Observation{Exists: true, ExternalID: s.ID, TaskStatus: s.Status, Message: s.StatusReason,
		Output: map[string]any{"stack_id": s.ID}}
	outputs := map[string]any{}
	for _, out := range s.Outputs {
		if k, ok := out["output_key"].(string); ok {
			outputs[k] = out["output_value"]
		}
	}
	if len(outputs) > 0 {
		obs.Output["outputs"] = outputs
	}
	switch {
	case strings.HasSuffix(s.Status, "_FAILED"): // DELETE_FAILED too: nothing is under way
		obs.State = vim.StateError
	case strings.HasPrefix(s.Status, "DELETE"):
		obs.State = vim.StateDeleting
	case strings.HasSuffix(s.Status, "_COMPLETE"):
		obs.State, obs.Message = vim.StateReady, ""
	default: // *_IN_PROGRESS
		obs.State = vim.StateBuilding
	}
	want, _, err := stackTags(o)
	if err != nil {
		return obs
	}
	if !slices.Contains(s.Tags, want[0]) {
		obs.Drift = append(obs.Drift, "heat_template_id")
	}
	if !slices.Contains(s.Tags, want[1]) {
		obs.Drift = append(obs.Drift, "parameters")
	}
	if !slices.Contains(s.Tags, want[2]) {
		obs.Drift = append(obs.Drift, "description")
	}
	return obs
}

// stackBody is a create or update body with the template as text.
type stackBody map[string]any

func (b stackBody) ToStackCreateMap() (map[string]any, error) { return b, nil }
func (b stackBody) ToStackUpdateMap() (map[string]any, error) { return b, nil }

func bodyFor(o *vim.Object) (stackBody, error) {
	tags, tmpl, err := stackTags(o)
	if err != nil {
		return nil, err
	}
	params := o.Spec.(*resource.HeatInstance).Parameters
	if params == nil {
		params = map[string]any{}
	}
	return stackBody{"template": tmpl, "parameters": params, "tags": strings.Join(tags, ","), "timeout_mins": 60}, nil
}

func createStack(ctx context.Context, d *Driver, o *vim.Object, _ any) (string, error) {
	body, err := bodyFor(o)
	if err != nil {
		return "", err
	}
	body["stack_name"] = tag(o)
	s, err := stacks.Create(ctx, d.orchestration, body).Extract()
	if err != nil {
		return "", classify(ctx, err, "creating stack")
	}
	return s.ID, nil
}

func updateStack(ctx context.Context, d *Driver, o *vim.Object, v any, _ []string) error {
	body, err := bodyFor(o)
	if err != nil {
		return err
	}
	s := v.(*stacks.RetrievedStack)
	return classify(ctx, stacks.Update(ctx, d.orchestration, s.Name, s.ID, body).ExtractErr(), "updating stack")
}

func deleteStack(ctx context.Context, d *Driver, o *vim.Object, v any) error {
	s := v.(*stacks.RetrievedStack)
	err := stacks.Delete(ctx, d.orchestration, s.Name, s.ID).ExtractErr()
	if gophercloud.ResponseCodeIs(err, 404) {
		return nil
	}
	return classify(ctx, err, "deleting stack")
}
