package identity

import (
	"context"

	"github.com/orca-nfv/orca/resource"
)

// Chain is an Authenticator that asks each of its members in turn: the
// first to accept a token wins. It lets orca's own tokens (the demo's
// built-in admin) and a Keystone's serve one API.
//
// Errors: when none accepts, Unavailable if any member was unavailable
// (the token may be good, its issuer is down), else the last member's
// refusal.
type Chain []Authenticator

func (c Chain) Authenticate(ctx context.Context, token string) (*Principal, error) {
	var last, unavailable error
	for _, a := range c {
		p, err := a.Authenticate(ctx, token)
		if err == nil {
			return p, nil
		}
		if resource.CodeOf(err) == resource.Unavailable {
			unavailable = err
		}
		last = err
	}
	if unavailable != nil {
		return nil, unavailable
	}
	if last == nil {
		return nil, resource.Errorf(resource.Unauthorized, "no identity provider is configured")
	}
	return nil, last
}
