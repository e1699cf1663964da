package esc

import (
	"context"
	"maps"

	"github.com/orca-nfv/orca/resource"
)

// ESC's own state (configuration parameters, operation mode, host states,
// file servers, system-state resets) lives in orca's store as settings
// (resource.Setting), so a restart keeps it and every handler on the same
// store sees it. Their IDs hold a ':', which orca's IDs allow and ESC's
// internal IDs do not: they never meet an ID a client chose.
const (
	settingConfig = "esc:config"
	settingOpMode = "esc:opmode"
	settingSystem = "esc:systemstate"
	// Prefixes of the settings there is one of per host, per file server.
	settingHostPrefix       = "esc:host:"
	settingFileServerPrefix = "esc:fileserver:"
)

// labelSetting tells what a setting holds, so a kind of them can be
// listed ("fileserver").
const labelSetting = "esc/setting"

func settingRef(id string) resource.Ref { return resource.Ref{Kind: resource.KindSetting, ID: id} }

// loadSetting returns a setting and its spec; nil, nil when none is
// stored.
func (a *api) loadSetting(ctx context.Context, id string) (*resource.Resource, *resource.Setting, error) {
	r, err := a.b.Get(ctx, settingRef(id))
	if resource.CodeOf(err) == resource.NotFound {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	spec, ok := r.Spec.(*resource.Setting)
	if !ok {
		return nil, nil, resource.Errorf(resource.Unknown, "setting %s holds a %T", id, r.Spec)
	}
	return r, spec, nil
}

// settingValue is one entry of a setting; "" when the setting or the
// entry is not stored.
func (a *api) settingValue(ctx context.Context, id, key string) (string, error) {
	_, spec, err := a.loadSetting(ctx, id)
	if err != nil || spec == nil {
		return "", err
	}
	return spec.Values[key], nil
}

// maxSettingAttempts bounds the re-reads of a setting write that keeps
// losing races.
const maxSettingAttempts = 5

// changeSetting applies change to a copy of the stored setting (an empty
// one when none is) and writes it on the condition that it did not change
// in between, so that concurrent writes of other entries are not lost:
// a lost race is re-read and retried. change may refuse with an error,
// which is returned with nothing written.
func (a *api) changeSetting(ctx context.Context, id string, labels map[string]string, change func(*resource.Setting) error) (*resource.Resource, error) {
	for attempt := 1; ; attempt++ {
		cur, spec, err := a.loadSetting(ctx, id)
		if err != nil {
			return nil, err
		}
		next := &resource.Setting{Values: map[string]string{}}
		if spec != nil {
			next.Values, next.Secrets, next.CredentialID = maps.Clone(spec.Values), maps.Clone(spec.Secrets), spec.CredentialID
			if next.Values == nil {
				next.Values = map[string]string{}
			}
		}
		if err := change(next); err != nil {
			return nil, err
		}
		var out *resource.Resource
		if cur == nil {
			out, err = a.b.Create(ctx, &resource.Resource{Ref: settingRef(id), Labels: labels, Spec: next})
		} else {
			upd := *cur // its revision makes the update conditional
			upd.Spec = next
			out, err = a.b.Update(ctx, &upd)
		}
		if err == nil || resource.CodeOf(err) != resource.Conflict || attempt == maxSettingAttempts {
			return out, err
		}
	}
}
