package orca

import (
	"context"
	"encoding/json"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// credentialAAD binds a sealed credential to its record: a ciphertext
// copied into another credential does not open.
func credentialAAD(id string) []byte { return []byte("orca/credential/" + id) }

// SetCredentials seals creds under the keyring's primary key and stores them
// as credential id, creating or replacing it. Locations naming the
// credential reopen their drivers with it. The plaintext is never stored or
// logged. Errors: Unavailable when no keyring is configured.
func (o *Orchestrator) SetCredentials(ctx context.Context, id string, creds vim.Credentials) (*resource.Resource, error) {
	if o.opts.Keyring == nil {
		return nil, resource.Errorf(resource.Unavailable, "no secret key is configured (ORCA_SECRET_KEY or a key file): credentials cannot be stored")
	}
	if err := resource.CheckID(id); err != nil {
		return nil, resource.InvalidField("id", "%v", err)
	}
	plain, err := json.Marshal(creds)
	if err != nil {
		return nil, resource.Wrap(resource.Invalid, err)
	}
	sealed, err := o.opts.Keyring.Seal(plain, credentialAAD(id))
	clear(plain)
	if err != nil {
		return nil, resource.Wrap(resource.Unknown, err)
	}
	out, err := o.applyOnce(ctx, &resource.Resource{
		Ref:  resource.Ref{Kind: resource.KindCredential, ID: id},
		Spec: &resource.Credential{Sealed: sealed, KeyID: o.opts.Keyring.KeyID()},
	}, writeApply)
	if err != nil {
		return nil, err
	}
	o.afterWrite(ctx, out)
	return out, nil
}

// credentials opens a location's credentials. It returns nil when the
// location has none, and the credential's revision so that a change can be
// noticed.
func (o *Orchestrator) credentials(ctx context.Context, loc *resource.Resource) (*vim.Credentials, int64, error) {
	spec, ok := loc.Spec.(*resource.Location)
	if !ok || spec.CredentialID == "" {
		return nil, 0, nil
	}
	c, err := o.store.Get(ctx, resource.Ref{Kind: resource.KindCredential, ID: spec.CredentialID})
	if err != nil {
		return nil, 0, err
	}
	if o.opts.Keyring == nil {
		return nil, c.Revision, resource.Errorf(resource.Unavailable, "location %s uses credential %s but no secret key is configured (ORCA_SECRET_KEY or a key file)", loc.ID, c.ID)
	}
	plain, err := o.opts.Keyring.Open(c.Spec.(*resource.Credential).Sealed, credentialAAD(c.ID))
	if err != nil {
		return nil, c.Revision, resource.Errorf(resource.Unauthorized, "credential %s does not open with the configured keys (rotated away?)", c.ID)
	}
	var creds vim.Credentials
	err = json.Unmarshal(plain, &creds)
	clear(plain)
	if err != nil {
		return nil, c.Revision, resource.Errorf(resource.Invalid, "credential %s: %v", c.ID, err)
	}
	return &creds, c.Revision, nil
}
