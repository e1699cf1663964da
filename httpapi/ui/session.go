package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// Cookie names. Both are HttpOnly, SameSite=Strict, limited to /ui/ and
// Secure on TLS requests.
const (
	// sessionCookie holds the session: a token of the ui's
	// identity.Tokens, so a session is kept, shared between replicas,
	// expired and revoked exactly as an API token is.
	sessionCookie = "orca_ui_session"
	// loginCookie carries the login form's CSRF token (double submit):
	// there is no session yet to keep it in.
	loginCookie = "orca_ui_login"
)

// session is one signed-in browser, as a request finds it.
type session struct {
	p    *identity.Principal
	csrf string // the token every form of the session carries
}

// csrfLabel separates the CSRF token's derivation from any other use of
// the session token as a key.
const csrfLabel = "orca-ui-csrf"

// csrfOf derives a session's CSRF token from its session token. Every
// replica computes the same one, so nothing is stored; a page of another
// origin cannot compute it, as it cannot read the (HttpOnly,
// SameSite=Strict) cookie; and the token, which pages show, does not
// reveal the session token.
func csrfOf(token string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(csrfLabel))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// sessionOf returns the live session of the request's cookie: nil, nil
// without one (none, unknown, expired or revoked); an error when it cannot
// be checked (the shared session store is down), which is not a sign-out.
func (u *ui) sessionOf(r *http.Request) (*session, error) {
	token := cookieValue(r, sessionCookie)
	if token == "" {
		return nil, nil
	}
	p, err := u.tokens.Authenticate(r.Context(), token)
	if err != nil {
		if resource.CodeOf(err) == resource.Unauthorized {
			return nil, nil
		}
		return nil, err
	}
	return &session{p: p, csrf: csrfOf(token)}, nil
}

// randomToken returns 32 random bytes, URL-safe.
func randomToken() string {
	var raw [32]byte
	rand.Read(raw[:]) // never fails
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// cookie is a cookie of the UI's: HttpOnly, SameSite=Strict, Path=/ui/,
// Secure when the request came over TLS. maxAge < 0 deletes it; 0 makes
// it last as long as the browser does (the server ends sessions itself).
func cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: prefix + "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
}

// cookieValue is the value of the request's cookie name, "" without one.
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// sameToken compares CSRF tokens in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
