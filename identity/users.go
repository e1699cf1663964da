package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/orca-nfv/orca/resource"
)

// User is one entry of a users file: {"name", "password" or
// "password_hash", "tenant_id", "roles"}. A plaintext password is for demos
// only: it is hashed on load and never kept.
type User struct {
	Name         string   `json:"name"`
	Password     string   `json:"password,omitempty"`
	PasswordHash string   `json:"password_hash,omitempty"`
	TenantID     string   `json:"tenant_id"`
	Roles        []string `json:"roles"`
}

// StaticUsers is a set of users kept in memory: the demo's. It is a
// PasswordChecker, safe for concurrent use.
type StaticUsers struct {
	mu    sync.RWMutex
	users map[string]User // by name; passwords hashed
	dummy string          // a hash to verify against for unknown users
}

// UsersOptions configure NewStaticUsers.
type UsersOptions struct {
	// Iterations is the PBKDF2 work factor for hashing plaintext
	// passwords on load; 0 means DefaultIterations.
	Iterations int
}

// NewStaticUsers checks and hashes users. Errors name the bad entry.
func NewStaticUsers(users []User, opts *UsersOptions) (*StaticUsers, error) {
	iter := 0
	if opts != nil {
		iter = opts.Iterations
	}
	s := &StaticUsers{users: map[string]User{}}
	for i, u := range users {
		if err := resource.CheckID(u.Name); err != nil {
			return nil, fmt.Errorf("user %d: name: %w", i, err)
		}
		if err := resource.CheckID(u.TenantID); err != nil {
			return nil, fmt.Errorf("user %s: tenant_id: %w", u.Name, err)
		}
		if _, dup := s.users[u.Name]; dup {
			return nil, fmt.Errorf("user %s appears twice", u.Name)
		}
		if len(u.Roles) == 0 {
			u.Roles = []string{RoleMember}
		}
		for _, r := range u.Roles {
			if r != RoleAdmin && r != RoleMember {
				return nil, fmt.Errorf("user %s: role %q is not admin or member", u.Name, r)
			}
		}
		switch {
		case u.PasswordHash != "" && u.Password != "":
			return nil, fmt.Errorf("user %s: give password or password_hash, not both", u.Name)
		case u.PasswordHash != "":
			if !IsHash(u.PasswordHash) {
				return nil, fmt.Errorf("user %s: password_hash is not a pbkdf2-sha256 hash", u.Name)
			}
		case u.Password != "":
			h, err := HashPassword(u.Password, iter)
			if err != nil {
				return nil, err
			}
			u.PasswordHash, u.Password = h, ""
		default:
			return nil, fmt.Errorf("user %s: a password is required", u.Name)
		}
		u.Roles = slices.Clone(u.Roles)
		s.users[u.Name] = u
	}
	dummy, err := HashPassword("unknown user", iter)
	if err != nil {
		return nil, err
	}
	s.dummy = dummy
	return s, nil
}

// LoadUsersFile reads a JSON list of users.
func LoadUsersFile(path string, opts *UsersOptions) (*StaticUsers, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var users []User
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&users); err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	return NewStaticUsers(users, opts)
}

var errBadLogin = resource.Errorf(resource.Unauthorized, "wrong user name, password or project")

// CheckPassword verifies a login. An unknown user costs as much as a known
// one, so response times do not reveal which names exist.
func (s *StaticUsers) CheckPassword(_ context.Context, user, password, project string) (*Principal, error) {
	s.mu.RLock()
	u, ok := s.users[user]
	s.mu.RUnlock()
	if !ok {
		VerifyPassword(s.dummy, password)
		return nil, errBadLogin
	}
	if !VerifyPassword(u.PasswordHash, password) {
		return nil, errBadLogin
	}
	if project != "" && project != u.TenantID {
		return nil, errBadLogin
	}
	return &Principal{UserID: u.Name, UserName: u.Name, TenantID: u.TenantID, Roles: slices.Clone(u.Roles)}, nil
}

// Tenants lists the tenants the users belong to, sorted, once each.
func (s *StaticUsers) Tenants() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, u := range s.users {
		out = append(out, u.TenantID)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Add adds or replaces a user (the demo's built-in admin).
func (s *StaticUsers) Add(u User, opts *UsersOptions) error {
	one, err := NewStaticUsers([]User{u}, opts)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.Name] = one.users[u.Name]
	return nil
}
