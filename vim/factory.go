package vim

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/orca-nfv/orca/resource"
)

// Factory builds the drivers of a location from its Location resource (its
// endpoints) and its decrypted credentials. The orchestrator calls Open when
// a location appears or changes, and closes the drivers it replaces.
type Factory interface {
	// Open returns the location's drivers, most specific first: for a
	// kind served by several, the first one is used. creds is nil when the
	// location has none. Errors are classified like driver errors.
	Open(ctx context.Context, loc *resource.Resource, creds *Credentials) ([]Driver, error)
}

// FactoryFunc adapts a function to Factory.
type FactoryFunc func(ctx context.Context, loc *resource.Resource, creds *Credentials) ([]Driver, error)

func (f FactoryFunc) Open(ctx context.Context, loc *resource.Resource, creds *Credentials) ([]Driver, error) {
	return f(ctx, loc, creds)
}

// Credentials authenticate a driver to its VIM. They are secret: their
// String, GoString and slog forms are redacted, so printing or logging them
// by mistake reveals nothing.
type Credentials struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Project and domains scope a Keystone password login.
	ProjectName   string `json:"project_name,omitempty"`
	ProjectID     string `json:"project_id,omitempty"`
	UserDomain    string `json:"user_domain,omitempty"`
	ProjectDomain string `json:"project_domain,omitempty"`
	// An application credential replaces user and password.
	ApplicationCredentialID     string `json:"application_credential_id,omitempty"`
	ApplicationCredentialSecret string `json:"application_credential_secret,omitempty"`
	// Token is a pre-issued token (Contrail without Keystone).
	Token string `json:"token,omitempty"`
}

const redacted = "vim.Credentials{REDACTED}"

func (Credentials) String() string       { return redacted }
func (Credentials) GoString() string     { return redacted }
func (Credentials) LogValue() slog.Value { return slog.StringValue(redacted) }

// Format redacts every fmt verb (%v, %+v, %#v, %s, ...) on values and
// pointers alike.
func (Credentials) Format(f fmt.State, _ rune) { f.Write([]byte(redacted)) }
