package dialect

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// Backend is what the HTTP surfaces need from orca. *orca.Orchestrator
// implements it.
type Backend interface {
	Registry() *resource.Registry
	Get(ctx context.Context, ref resource.Ref) (*resource.Resource, error)
	List(ctx context.Context, f store.Filter) (*store.Page, error)
	Create(ctx context.Context, r *resource.Resource) (*resource.Resource, error)
	Update(ctx context.Context, r *resource.Resource) (*resource.Resource, error)
	Delete(ctx context.Context, ref resource.Ref, revision int64) error
	Act(ctx context.Context, target resource.Ref, verb string, params map[string]string) (*resource.Resource, error)
	Perform(ctx context.Context, target resource.Ref, verb string, params map[string]string) (string, error)
	// Notify, Watch and RegisterWatcher let an API answer at once and
	// report outcomes later, durably (ESC's callbacks).
	Notify(ctx context.Context, tenant string, w resource.Webhook) (*resource.Resource, error)
	Watch(ctx context.Context, tenant string, target resource.Ref, purpose string, params map[string]string) (*resource.Resource, error)
	RegisterWatcher(purpose string, w orca.Watcher)
	SetCredentials(ctx context.Context, id string, creds vim.Credentials) (*resource.Resource, error)
	Health(ctx context.Context) (*orca.Health, error)
	StatsSnapshot() orca.StatsSnapshot
}

var _ Backend = (*orca.Orchestrator)(nil)

// Options configure a Kit; every surface of one server shares them.
type Options struct {
	// Auth resolves tokens; required.
	Auth identity.Authenticator
	// Passwords checks HTTP basic credentials, for the surfaces that take
	// them (ESC); nil refuses basic authentication.
	Passwords identity.PasswordChecker
	// Throttle slows password guessing per user and client address; nil
	// means identity.NewThrottle(nil). Share one between the login
	// endpoint and basic authentication, or a guesser gets two budgets.
	Throttle *identity.Throttle
	// MaxBodyBytes bounds request bodies; default 1 MiB.
	MaxBodyBytes int64
	// Metrics counts requests; nil means the Kit's own.
	Metrics *Metrics
	// Logger receives internal errors and panics; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Kit is the shared machinery of one server's surfaces. It is safe for
// concurrent use.
type Kit struct {
	opts     Options
	log      *slog.Logger
	verified *basicCache
}

// New returns a Kit. An API without authentication is a configuration
// error, not a mode: opts.Auth is required.
func New(opts *Options) (*Kit, error) {
	if opts == nil || opts.Auth == nil {
		return nil, fmt.Errorf("dialect: Options.Auth is required")
	}
	k := &Kit{opts: *opts, verified: newBasicCache(5*time.Minute, 10000)}
	if k.opts.MaxBodyBytes <= 0 {
		k.opts.MaxBodyBytes = 1 << 20
	}
	if k.opts.Throttle == nil {
		k.opts.Throttle = identity.NewThrottle(nil)
	}
	if k.opts.Metrics == nil {
		k.opts.Metrics = &Metrics{}
	}
	k.log = k.opts.Logger
	if k.log == nil {
		k.log = slog.Default()
	}
	return k, nil
}

// Log is the Kit's logger.
func (k *Kit) Log() *slog.Logger { return k.log }

// Metrics are the Kit's request counters.
func (k *Kit) Metrics() *Metrics { return k.opts.Metrics }

// Throttle is the Kit's password throttle.
func (k *Kit) Throttle() *identity.Throttle { return k.opts.Throttle }

// Authenticator resolves tokens.
func (k *Kit) Authenticator() identity.Authenticator { return k.opts.Auth }

// Tokens is the issuer of the tokens the Kit accepts: Auth itself, or
// the first member of an identity.Chain that is an *identity.Tokens; nil
// when tokens come from elsewhere only (a Keystone). The status pages
// sign browsers in with it, so that a session is shared as a token is.
func (k *Kit) Tokens() *identity.Tokens {
	switch a := k.opts.Auth.(type) {
	case *identity.Tokens:
		return a
	case identity.Chain:
		for _, m := range a {
			if t, ok := m.(*identity.Tokens); ok {
				return t
			}
		}
	}
	return nil
}

// MaxBodyBytes is the bound on request bodies.
func (k *Kit) MaxBodyBytes() int64 { return k.opts.MaxBodyBytes }
