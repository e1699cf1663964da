package ui

import (
	"mime"
	"net/http"
	"net/url"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// loginBody is the sign-in page's.
type loginBody struct {
	User  string // kept after a failed attempt
	Error string
}

// loginForm shows the sign-in form, with a fresh CSRF token in a cookie
// and the form (double submit: no session exists yet to hold it).
func (u *ui) loginForm(w http.ResponseWriter, r *http.Request) error {
	// A session that cannot be checked now gets the form: signing in
	// says what is wrong.
	if ss, _ := u.sessionOf(r); ss != nil {
		http.Redirect(w, r, prefix+"/", http.StatusSeeOther)
		return nil
	}
	return u.showLogin(w, r, http.StatusOK, loginBody{})
}

func (u *ui) showLogin(w http.ResponseWriter, r *http.Request, status int, body loginBody) error {
	token := randomToken()
	http.SetCookie(w, cookie(r, loginCookie, token, 0))
	return u.show(w, r, status, "login", &page{Title: "Sign in", CSRF: token, Body: body})
}

// login checks a password as POST /v3/auth/tokens does (kit.CheckPassword:
// the same users, through the same throttle) and opens a session: a token
// of the API's issuer, which every replica sharing its store accepts.
func (u *ui) login(w http.ResponseWriter, r *http.Request) error {
	form, err := u.form(w, r)
	if err != nil {
		return err
	}
	if !sameToken(cookieValue(r, loginCookie), form.Get("csrf")) {
		return resource.Errorf(resource.Forbidden, "the sign-in form has expired or did not come from this site: reload it and sign in again")
	}
	user := form.Get("user")
	p, err := u.kit.CheckPassword(r, user, form.Get("password"), "")
	if err != nil {
		prob := u.kit.ProblemOf(r, err, nil)
		msg := prob.Message
		switch prob.Status {
		case http.StatusUnauthorized:
			msg = "The user name or password is wrong."
		case http.StatusInternalServerError:
			return err
		}
		for name, v := range prob.Header {
			w.Header()[name] = v // Retry-After
		}
		return u.showLogin(w, r, prob.Status, loginBody{User: user, Error: msg})
	}
	if old := cookieValue(r, sessionCookie); old != "" {
		// Best effort: the new session does not depend on it, and the
		// old one expires anyway.
		u.tokens.RevokeContext(r.Context(), old)
	}
	token, _, err := u.tokens.IssueContext(r.Context(), p)
	if err != nil {
		return err // the shared session store: Unavailable
	}
	http.SetCookie(w, cookie(r, sessionCookie, token, 0))
	http.SetCookie(w, cookie(r, loginCookie, "", -1))
	http.Redirect(w, r, prefix+"/", http.StatusSeeOther)
	return nil
}

// logout ends the session everywhere (authed has checked the form's CSRF
// token). If the shared store cannot end it, the cookie is kept and the
// error shown, so the user can try again rather than believe it ended.
func (u *ui) logout(w http.ResponseWriter, r *http.Request, _ *session) error {
	if err := u.tokens.RevokeContext(r.Context(), cookieValue(r, sessionCookie)); err != nil {
		return err
	}
	http.SetCookie(w, cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, prefix+"/login", http.StatusSeeOther)
	return nil
}

// pageFunc serves a page to a signed-in user.
type pageFunc func(w http.ResponseWriter, r *http.Request, ss *session) error

// authed makes a page for signed-in users: without a live session a GET
// goes to the sign-in page and a POST is refused; a POST must carry the
// session's CSRF token. A session that cannot be checked (the shared
// store is down) is an error page, not a sign-out. The caller is put in
// the request context, where dialect's tenancy rules (Fetch, ListTenant)
// find it.
func (u *ui) authed(fn pageFunc) dialect.Endpoint {
	return func(w http.ResponseWriter, r *http.Request) error {
		ss, err := u.sessionOf(r)
		if err != nil {
			return err
		}
		post := r.Method == http.MethodPost
		switch {
		case ss == nil && !post:
			http.Redirect(w, r, prefix+"/login", http.StatusSeeOther)
			return nil
		case ss == nil:
			return resource.Errorf(resource.Forbidden, "your session has ended: sign in again")
		case post:
			form, err := u.form(w, r)
			if err != nil {
				return err
			}
			if !sameToken(ss.csrf, form.Get("csrf")) {
				return resource.Errorf(resource.Forbidden, "the form has expired or did not come from this site: reload the page and try again")
			}
		}
		return fn(w, r.WithContext(dialect.WithPrincipal(r.Context(), ss.p)), ss)
	}
}

// form reads a URL-encoded form body within the kit's size limit.
func (u *ui) form(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, dialect.Status(http.StatusUnsupportedMediaType, "a form must be sent as application/x-www-form-urlencoded")
	}
	data, err := u.kit.ReadRaw(w, r)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, resource.Errorf(resource.Invalid, "the form is not valid URL encoding")
	}
	return form, nil
}
