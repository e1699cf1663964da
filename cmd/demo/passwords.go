package main

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// passwordsSetting keeps the passwords changed through the API (ESC's
// /authentication/setpassword), as PBKDF2 hashes in the Secrets of a
// setting, which no API renders: a restart keeps them.
const passwordsSetting = "demo:passwords"

// passwords carries out password changes on the demo's users (esc.Passwords).
type passwords struct {
	o          *orca.Orchestrator
	users      *identity.StaticUsers
	known      map[string]identity.User // by name; tenant and roles, no password
	iterations int

	mu sync.Mutex // one change at a time: the setting is read, then written
}

func newPasswords(o *orca.Orchestrator, users *identity.StaticUsers, known []identity.User, iterations int) *passwords {
	p := &passwords{o: o, users: users, known: map[string]identity.User{}, iterations: iterations}
	for _, u := range known {
		u.Password, u.PasswordHash = "", ""
		p.known[u.Name] = u
	}
	return p
}

// SetPassword hashes the password, keeps the hash, then lets the user log
// in with it: a change that could not be kept is not made.
func (p *passwords) SetPassword(ctx context.Context, name, password string) error {
	u, ok := p.known[name]
	if !ok {
		return resource.Errorf(resource.NotFound, "no user %s", name)
	}
	hash, err := identity.HashPassword(password, p.iterations)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ref := resource.Ref{Kind: resource.KindSetting, ID: passwordsSetting}
	cur, err := p.o.Get(ctx, ref)
	switch {
	case resource.CodeOf(err) == resource.NotFound:
		_, err = p.o.Create(ctx, &resource.Resource{Ref: ref, Spec: &resource.Setting{Secrets: map[string]string{name: hash}}})
	case err == nil:
		spec, _ := cur.Spec.(*resource.Setting)
		next := &resource.Setting{Secrets: map[string]string{}}
		if spec != nil {
			next.Values, next.CredentialID = spec.Values, spec.CredentialID
			maps.Copy(next.Secrets, spec.Secrets)
		}
		next.Secrets[name] = hash
		upd := *cur
		upd.Spec = next
		_, err = p.o.Update(ctx, &upd)
	}
	if err != nil {
		return err
	}
	u.PasswordHash = hash
	return p.users.Add(u, nil)
}

// restore lets the users log in with the passwords changed in earlier
// runs, but those in except (whose password was given at this start); it
// returns the names of those it restored.
func (p *passwords) restore(ctx context.Context, except ...string) ([]string, error) {
	cur, err := p.o.Get(ctx, resource.Ref{Kind: resource.KindSetting, ID: passwordsSetting})
	if resource.CodeOf(err) == resource.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	spec, _ := cur.Spec.(*resource.Setting)
	if spec == nil {
		return nil, nil
	}
	var restored []string
	for name, hash := range spec.Secrets {
		u, ok := p.known[name]
		if !ok || slices.Contains(except, name) {
			continue // a user no longer configured, or given a password now
		}
		u.PasswordHash = hash
		if err := p.users.Add(u, nil); err != nil {
			return nil, err
		}
		restored = append(restored, name)
	}
	return restored, nil
}
