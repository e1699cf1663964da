package openstack

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/orca-nfv/orca/vim"
)

// Finding objects is the same dance for every kind: by the recorded ID
// while it still carries the object's tag, else by the tag in a list. These
// helpers do it once; each kind supplies its calls and its name field.

// find returns o's VIM object, or nil. get fetches by ID; list lists the
// candidates (filtered by name where the API can, or all).
func find[T any](ctx context.Context, o *vim.Object, what string, name func(*T) string,
	get func(ctx context.Context, id string) (*T, error), list func(ctx context.Context) ([]T, error)) (*T, error) {
	if o.ExternalID != "" {
		v, err := get(ctx, o.ExternalID)
		switch {
		case err == nil && name(v) == tag(o):
			return v, nil
		case err != nil && !gophercloud.ResponseCodeIs(err, 404):
			return nil, classify(ctx, err, "getting "+what)
		}
	}
	found, err := list(ctx)
	if err != nil {
		return nil, err
	}
	for i := range found {
		if name(&found[i]) == tag(o) {
			return &found[i], nil
		}
	}
	return nil, nil
}

// asAny keeps a nil *T a nil interface, as kind.get promises.
func asAny[T any](v *T, err error) (any, error) {
	if v == nil || err != nil {
		return nil, err
	}
	return v, nil
}

// listAll reads every page of pager.
func listAll[T any](ctx context.Context, what string, pager pagination.Pager, extract func(pagination.Page) ([]T, error)) ([]T, error) {
	pages, err := pager.AllPages(ctx)
	if err != nil {
		return nil, classify(ctx, err, "listing "+what)
	}
	found, err := extract(pages)
	if err != nil {
		return nil, classify(ctx, err, "listing "+what)
	}
	return found, nil
}

// byTag indexes the objects carrying an orca tag by it.
func byTag[T any](found []T, name func(*T) string) map[string]any {
	out := map[string]any{}
	for i := range found {
		if n := name(&found[i]); orcaID(n) != "" {
			out[n] = &found[i]
		}
	}
	return out
}
