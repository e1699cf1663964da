package dialect

import (
	"context"
	"math"
	"net"
	"net/http"
	"strings"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// Scheme is a way a request may carry its credentials. Surfaces accept a
// set of them (Schemes); all resolve to the same users.
type Scheme uint8

const (
	// XAuthToken is OpenStack's X-Auth-Token header.
	XAuthToken Scheme = 1 << iota
	// TokenAuthorization is "Authorization: Token <token>" (Django REST
	// framework's scheme, which Waldur clients send).
	TokenAuthorization
	// BearerAuthorization is "Authorization: Bearer <token>".
	BearerAuthorization
	// Basic is HTTP basic authentication with a user's password (ESC),
	// throttled as logins are.
	Basic
)

// Keystone's bounds on a user name and a password; they also bound what
// the throttle keeps.
const (
	MaxUserName = 255
	MaxPassword = 4096
)

// ErrNoCredentials is the Unauthorized answer to a request that carries
// none of the accepted credentials.
var ErrNoCredentials = resource.Errorf(resource.Unauthorized, "authentication credentials were not provided")

type principalKey struct{}

// WithPrincipal returns ctx carrying the authenticated caller.
func WithPrincipal(ctx context.Context, p *identity.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller carried by ctx, or nil.
func PrincipalFrom(ctx context.Context) *identity.Principal {
	p, _ := ctx.Value(principalKey{}).(*identity.Principal)
	return p
}

// Caller returns the request's authenticated caller, or nil.
func Caller(r *http.Request) *identity.Principal { return PrincipalFrom(r.Context()) }

// Authenticate resolves the credentials r carries in one of the accepted
// schemes. Errors: Unauthorized for missing or bad credentials (without
// saying which part was wrong), a 429 for a throttled password, Unavailable
// when the identity provider cannot answer.
func (k *Kit) Authenticate(r *http.Request, accepted Scheme) (*identity.Principal, error) {
	if accepted&XAuthToken != 0 {
		if tok := r.Header.Get("X-Auth-Token"); tok != "" {
			return k.opts.Auth.Authenticate(r.Context(), tok)
		}
	}
	authz := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(authz, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case authz == "":
	case accepted&TokenAuthorization != 0 && strings.EqualFold(scheme, "Token") && cred != "":
		return k.opts.Auth.Authenticate(r.Context(), cred)
	case accepted&BearerAuthorization != 0 && strings.EqualFold(scheme, "Bearer") && cred != "":
		return k.opts.Auth.Authenticate(r.Context(), cred)
	case accepted&Basic != 0 && strings.EqualFold(scheme, "Basic"):
		user, password, ok := r.BasicAuth()
		if !ok {
			return nil, resource.Errorf(resource.Unauthorized, "the basic credentials are malformed")
		}
		return k.CheckPassword(r, user, password, "")
	}
	return nil, ErrNoCredentials
}

// CheckPassword checks a user's password (and project, when not "")
// through the throttle: after a burst of failures from one address each
// further attempt must wait, and is refused (429) before the password hash
// is computed. Credentials verified in the last minutes are not hashed
// again (see basicCache); whoever changes a password calls
// ForgetPassword, or the old one works until they expire.
// ForgetPassword drops the remembered verifications of user's
// credentials, so that a changed password takes effect at once.
func (k *Kit) ForgetPassword(user string) { k.verified.forget(user) }

func (k *Kit) CheckPassword(r *http.Request, user, password, project string) (*identity.Principal, error) {
	if k.opts.Passwords == nil {
		return nil, resource.Errorf(resource.Unauthorized, "password authentication is not enabled")
	}
	if user == "" || password == "" || len(user) > MaxUserName || len(password) > MaxPassword {
		return nil, resource.Errorf(resource.Unauthorized, "the user name or password is invalid")
	}
	key := user + "\x00" + ClientHost(r)
	if wait := k.opts.Throttle.Attempt(key); wait > 0 {
		return nil, TooManyRequests(int(math.Ceil(wait.Seconds())),
			"too many failed logins for this user from this address; retry after the time in Retry-After")
	}
	if p := k.verified.get(user, password, project); p != nil {
		k.opts.Throttle.Succeeded(key)
		return p, nil
	}
	p, err := k.opts.Passwords.CheckPassword(r.Context(), user, password, project)
	if err != nil {
		return nil, err
	}
	k.opts.Throttle.Succeeded(key)
	k.verified.put(user, password, project, p)
	return p, nil
}

// ClientHost is the address a request came from, without its port.
// X-Forwarded-For is deliberately not trusted.
func ClientHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// Authed makes an endpoint that needs a caller: it authenticates with the
// accepted schemes and runs e with the caller in the request context.
func (k *Kit) Authed(accepted Scheme, e Endpoint) Endpoint {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := k.Authenticate(r, accepted)
		if err != nil {
			return err
		}
		return e(w, r.WithContext(WithPrincipal(r.Context(), p)))
	}
}

// AdminOnly makes an endpoint for administrators: others get Forbidden
// with msg. It must run inside Authed.
func AdminOnly(msg string, e Endpoint) Endpoint {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !Caller(r).IsAdmin() {
			return resource.Errorf(resource.Forbidden, "%s", msg)
		}
		return e(w, r)
	}
}
