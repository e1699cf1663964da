package esc

import (
	"context"
	"net/http"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// /authentication/setpassword?userName=..&password=.. changes a user's
// password: the caller's own, or any user's for an administrator. The
// seed gives no method; POST and PUT are served, and GET is 405 (a link
// followed, or a prefetch, must not change a password). The password is
// in the query, as the seed has it: nothing in this package, dialect's
// request logging or the demo's logs a query string, and an error never
// quotes it. The server's user store carries the change out and keeps it
// (Options.Passwords); the old password stops working at once (the
// kit forgets its remembered verifications).

// Passwords changes users' passwords; the server's user store implements
// it.
type Passwords interface {
	// SetPassword replaces user's password and keeps it. Errors:
	// NotFound for an unknown user, Invalid for a password the store
	// refuses; they never quote the password.
	SetPassword(ctx context.Context, user, password string) error
}

func (a *api) setPasswordArea() area {
	return area{routes: []route{
		{"POST", "/authentication/setpassword", a.setPassword},
		{"PUT", "/authentication/setpassword", a.setPassword},
	}}
}

func (a *api) setPassword(w http.ResponseWriter, r *http.Request) error {
	if a.opts.Passwords == nil {
		return resource.Errorf(resource.Forbidden, "this server does not let passwords be changed through its API")
	}
	caller := dialect.Caller(r)
	q := r.URL.Query()
	user, password := q.Get("userName"), q.Get("password")
	if user == "" {
		user = caller.UserName
	}
	// identity's bounds: a user name is an orca ID, a password is 1 to
	// dialect.MaxPassword bytes.
	if err := resource.CheckID(user); err != nil || len(user) > dialect.MaxUserName {
		return resource.InvalidField("userName", "a user name has 1 to %d letters, digits, '.', '_', ':' and '-', starting with a letter or digit", resource.MaxIDLen)
	}
	if password == "" || len(password) > dialect.MaxPassword {
		return resource.InvalidField("password", "a password of 1 to %d bytes is required (the query parameter password)", dialect.MaxPassword)
	}
	if user != caller.UserName && !caller.IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators change another user's password")
	}
	if err := a.opts.Passwords.SetPassword(r.Context(), user, password); err != nil {
		if resource.CodeOf(err) == resource.NotFound {
			return resource.Errorf(resource.NotFound, "user %s not found", user)
		}
		return err
	}
	a.kit.ForgetPassword(user)
	a.kit.Log().Info("password changed", "user", user, "by", caller.UserName)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
