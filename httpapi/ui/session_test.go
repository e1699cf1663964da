package ui_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/httpapi/ui"
	"github.com/orca-nfv/orca/resource"
)

// TestLoginLogout: the form signs a user in (a session cookie, the pages
// show who), and signing out ends the session on the server: the old
// cookie value no longer opens a page.
func TestLoginLogout(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/ui/").wantRedirect(t, "/ui/login", "a page before signing in")
	b.login("alice", "alice-pw")
	session := b.cookie("orca_ui_session")
	if session == "" {
		t.Fatal("no session cookie after signing in")
	}
	if b.cookie("orca_ui_login") != "" {
		t.Error("the sign-in form's CSRF cookie outlived the sign-in")
	}
	home := b.get("/ui/").want(t, http.StatusOK, "the overview")
	if !strings.Contains(home.body, "alice · tenant t1") {
		t.Errorf("the overview does not say who is signed in:\n%s", home.body)
	}
	b.get("/ui/login").wantRedirect(t, "/ui/", "the sign-in page when signed in")

	b.post("/ui/logout", url.Values{"csrf": {home.csrf(t)}}).wantRedirect(t, "/ui/login", "signing out")
	if b.cookie("orca_ui_session") != "" {
		t.Error("the session cookie was not removed")
	}
	b.get("/ui/").wantRedirect(t, "/ui/login", "a page after signing out")

	// The browser forgot the cookie; the server must have too.
	replay := e.browser()
	u, _ := url.Parse(e.URL + "/ui/")
	replay.client.Jar.SetCookies(u, []*http.Cookie{{Name: "orca_ui_session", Value: session, Path: "/ui/"}})
	replay.get("/ui/").wantRedirect(t, "/ui/login", "the old session cookie replayed")
}

// TestBadPassword: a wrong password or an unknown user is a 401 sign-in
// page saying so, without a session.
func TestBadPassword(t *testing.T) {
	e := newEnv(t, nil)
	for name, c := range map[string]struct{ user, password string }{
		"wrong password": {"alice", "nope"},
		"unknown user":   {"mallory", "alice-pw"},
		"empty password": {"alice", ""},
	} {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			p := b.tryLogin(c.user, c.password).want(t, http.StatusUnauthorized, "signing in")
			if !strings.Contains(p.body, "The user name or password is wrong.") {
				t.Errorf("the page does not say what was wrong:\n%s", p.body)
			}
			if b.cookie("orca_ui_session") != "" {
				t.Error("a failed sign-in set a session cookie")
			}
			p.csrf(t) // the form is shown again, ready for another try
			b.get("/ui/").wantRedirect(t, "/ui/login", "a page after a failed sign-in")
		})
	}
}

// TestLoginThrottleIsTheAPIs: failed sign-ins through the form count
// against the same throttle as POST /v3/auth/tokens, so the two do not
// give a guesser two budgets; throttled, even the right password waits.
func TestLoginThrottleIsTheAPIs(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser()
	throttled := false
	for range 40 { // the default burst is 10; waits double from 1s
		p := b.tryLogin("bob", "guess")
		if p.code == http.StatusTooManyRequests {
			if p.header.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			throttled = true
			break
		}
		p.want(t, http.StatusUnauthorized, "a wrong password")
	}
	if !throttled {
		t.Fatal("40 wrong passwords were never throttled")
	}
	api := e.Do("POST", "/v3/auth/tokens", "", map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{"name": "bob", "password": "bob-pw"}}}}})
	api.Want(t, http.StatusTooManyRequests, "the API's login after the form's failures")
	b.tryLogin("bob", "bob-pw").want(t, http.StatusTooManyRequests, "the right password while throttled")
}

// TestCSRF: a POST without the right token is 403 and changes nothing.
func TestCSRF(t *testing.T) {
	e := newEnv(t, nil)
	type request struct {
		path        string
		form        url.Values
		contentType string
	}
	for name, c := range map[string]struct {
		// signIn: the browser is signed in as alice first.
		signIn bool
		// makeRequest builds the request from the page's own token.
		makeRequest func(token string) request
		want        int
	}{
		"login without a token": {want: http.StatusForbidden, makeRequest: func(string) request {
			return request{path: "/ui/login", form: url.Values{"user": {"alice"}, "password": {"alice-pw"}}}
		}},
		"login with another token": {want: http.StatusForbidden, makeRequest: func(string) request {
			return request{path: "/ui/login", form: url.Values{"csrf": {"forged"}, "user": {"alice"}, "password": {"alice-pw"}}}
		}},
		"login as JSON": {want: http.StatusUnsupportedMediaType, makeRequest: func(token string) request {
			return request{path: "/ui/login", form: url.Values{"csrf": {token}, "user": {"alice"}, "password": {"alice-pw"}}, contentType: "application/json"}
		}},
		"logout without a token": {signIn: true, want: http.StatusForbidden, makeRequest: func(string) request {
			return request{path: "/ui/logout", form: url.Values{}}
		}},
		"logout with a forged token": {signIn: true, want: http.StatusForbidden, makeRequest: func(string) request {
			return request{path: "/ui/logout", form: url.Values{"csrf": {"forged"}}}
		}},
		"logout without a session": {want: http.StatusForbidden, makeRequest: func(token string) request {
			return request{path: "/ui/logout", form: url.Values{"csrf": {token}}}
		}},
	} {
		t.Run(name, func(t *testing.T) {
			b := e.browser()
			if c.signIn {
				b.login("alice", "alice-pw")
			}
			var token string
			if c.signIn {
				token = b.get("/ui/").csrf(t)
			} else {
				token = b.get("/ui/login").csrf(t) // and its cookie
			}
			r := c.makeRequest(token)
			req, err := http.NewRequestWithContext(t.Context(), "POST", e.URL+r.path, strings.NewReader(r.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			ct := r.contentType
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req.Header.Set("Content-Type", ct)
			b.do(req).want(t, c.want, "the POST")
			if c.signIn {
				b.get("/ui/").want(t, http.StatusOK, "the session after a refused POST")
			} else if b.cookie("orca_ui_session") != "" {
				t.Error("a refused sign-in set a session cookie")
			}
		})
	}
}

// cookieAttrs are what a cookie promises the browser.
type cookieAttrs struct {
	Path     string
	HttpOnly bool
	SameSite http.SameSite
	Secure   bool
}

// TestCookieAttributes: both cookies are HttpOnly, SameSite=Strict and
// limited to /ui/; Secure when the request came over TLS.
func TestCookieAttributes(t *testing.T) {
	e := newEnv(t, nil)
	for name, useTLS := range map[string]bool{"plain": false, "tls": true} {
		t.Run(name, func(t *testing.T) {
			serve := func(req *http.Request) *http.Response {
				if useTLS {
					req.TLS = &tls.ConnectionState{}
				}
				rec := httptest.NewRecorder()
				e.handler.ServeHTTP(rec, req)
				return rec.Result()
			}
			form := serve(httptest.NewRequest("GET", "/ui/login", nil))
			var loginCookie *http.Cookie
			for _, c := range form.Cookies() {
				if c.Name == "orca_ui_login" {
					loginCookie = c
				}
			}
			if loginCookie == nil {
				t.Fatal("the sign-in page set no CSRF cookie")
			}
			body := url.Values{"csrf": {loginCookie.Value}, "user": {"alice"}, "password": {"alice-pw"}}
			req := httptest.NewRequest("POST", "/ui/login", strings.NewReader(body.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(loginCookie)
			signedIn := serve(req)
			if signedIn.StatusCode != http.StatusSeeOther {
				t.Fatalf("signing in: %d", signedIn.StatusCode)
			}
			want := cookieAttrs{Path: "/ui/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: useTLS}
			got := map[string]cookieAttrs{}
			for _, c := range append(form.Cookies(), signedIn.Cookies()...) {
				if c.MaxAge >= 0 { // not a removal
					got[c.Name] = cookieAttrs{Path: c.Path, HttpOnly: c.HttpOnly, SameSite: c.SameSite, Secure: c.Secure}
				}
			}
			if diff := cmp.Diff(map[string]cookieAttrs{"orca_ui_login": want, "orca_ui_session": want}, got); diff != "" {
				t.Errorf("cookies (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSessionExpires: a session lasts its token's TTL, however used,
// then the pages send the browser to sign in again.
func TestSessionExpires(t *testing.T) {
	shared := newSharedSessions() // tokens of an hour
	e := newEnv(t, &ui.Options{Tokens: shared.tokens()})
	b := e.browser().login("alice", "alice-pw")
	shared.advance(59 * time.Minute)
	b.get("/ui/").want(t, http.StatusOK, "a page within the token's hour")
	shared.advance(time.Minute)
	b.get("/ui/").wantRedirect(t, "/ui/login", "a page after the token's hour")
}

// TestSessionsSharedByReplicas: two replicas whose tokens share a session
// store (as on one database) share the sessions: signed in at one, the
// browser's cookie opens the other's pages and the CSRF token of either
// one's forms is accepted at both; a CSRF token is its session's only;
// signed out at the other, the cookie no longer works at the first.
func TestSessionsSharedByReplicas(t *testing.T) {
	shared := newSharedSessions()
	e := newEnv(t, &ui.Options{Tokens: shared.tokens()})
	other := e.replica(shared.tokens())

	alice := e.browser().login("alice", "alice-pw")
	session := alice.cookie("orca_ui_session")
	there := alice.at(other).get("/ui/").want(t, http.StatusOK, "a page at the other replica")
	if !strings.Contains(there.body, "alice · tenant t1") {
		t.Errorf("the other replica does not say who is signed in:\n%s", there.body)
	}
	csrf := alice.get("/ui/").want(t, http.StatusOK, "a page at the first replica").csrf(t)
	if got := there.csrf(t); got != csrf {
		t.Errorf("the replicas give one session different CSRF tokens: %q and %q", csrf, got)
	}

	// Another session's CSRF token is refused, at either replica, both
	// ways, and changes nothing.
	bob := e.browser().login("bob", "bob-pw")
	bobCSRF := bob.get("/ui/").want(t, http.StatusOK, "bob's page").csrf(t)
	if bobCSRF == csrf {
		t.Fatal("two sessions have the same CSRF token")
	}
	for _, base := range []string{e.URL, other} {
		alice.at(base).post("/ui/logout", url.Values{"csrf": {bobCSRF}}).want(t, http.StatusForbidden, "alice signing out with bob's CSRF token")
		bob.at(base).post("/ui/logout", url.Values{"csrf": {csrf}}).want(t, http.StatusForbidden, "bob signing out with alice's CSRF token")
	}
	alice.get("/ui/").want(t, http.StatusOK, "alice's session after the refused POSTs")
	bob.at(other).get("/ui/").want(t, http.StatusOK, "bob's session after the refused POSTs")

	// Signed out at the other replica, with the first one's form.
	alice.at(other).post("/ui/logout", url.Values{"csrf": {csrf}}).wantRedirect(t, "/ui/login", "signing out at the other replica")
	replay := e.browser()
	u, _ := url.Parse(e.URL + "/ui/")
	replay.client.Jar.SetCookies(u, []*http.Cookie{{Name: "orca_ui_session", Value: session, Path: "/ui/"}})
	replay.get("/ui/").wantRedirect(t, "/ui/login", "the signed-out cookie at the first replica")
	replay.at(other).get("/ui/").wantRedirect(t, "/ui/login", "the signed-out cookie at the other replica")
	bob.get("/ui/").want(t, http.StatusOK, "another session after alice signed out")
}

// TestSessionIsAnAPIToken: without Options.Tokens the pages sign in with
// the kit's issuer, the API's: the session cookie is a token the API
// accepts, and revoking it there (DELETE /v3/auth/tokens) signs the
// browser out.
func TestSessionIsAnAPIToken(t *testing.T) {
	e := newEnv(t, nil)
	b := e.browser().login("alice", "alice-pw")
	token := b.cookie("orca_ui_session")
	e.Do("GET", "/v3/auth/tokens", token, nil, "X-Subject-Token", token).Want(t, http.StatusOK, "the session's token at the API")
	e.Do("DELETE", "/v3/auth/tokens", token, nil, "X-Subject-Token", token).Want(t, http.StatusNoContent, "revoking it at the API")
	b.get("/ui/").wantRedirect(t, "/ui/login", "a page after its token was revoked")
}

// TestSessionStoreDown: while the shared session store fails, pages and
// sign-ins are a 503, not a sign-out, and signing out keeps the cookie
// (the session did not end); once the store is back the session works.
func TestSessionStoreDown(t *testing.T) {
	shared := newSharedSessions()
	e := newEnv(t, &ui.Options{Tokens: shared.tokens()})
	b := e.browser().login("alice", "alice-pw")
	csrf := b.get("/ui/").want(t, http.StatusOK, "a page").csrf(t)

	shared.failWith(resource.Errorf(resource.Unavailable, "the database is down"))
	b.get("/ui/").want(t, http.StatusServiceUnavailable, "a page while the store is down")
	b.post("/ui/logout", url.Values{"csrf": {csrf}}).want(t, http.StatusServiceUnavailable, "signing out while the store is down")
	if b.cookie("orca_ui_session") == "" {
		t.Error("a sign-out that failed removed the cookie")
	}
	other := e.browser()
	other.tryLogin("bob", "bob-pw").want(t, http.StatusServiceUnavailable, "signing in while the store is down")
	if other.cookie("orca_ui_session") != "" {
		t.Error("a sign-in whose session was not saved set a cookie")
	}

	shared.failWith(nil)
	b.get("/ui/").want(t, http.StatusOK, "the session once the store is back")
}
