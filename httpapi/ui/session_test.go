package ui_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/httpapi/ui"
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

// clock is a settable time for sessions to expire by.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestSessionExpires: a session lasts SessionTTL, however used, then
// the pages send the browser to sign in again.
func TestSessionExpires(t *testing.T) {
	c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := newEnv(t, &ui.Options{SessionTTL: time.Hour, Now: c.Now})
	b := e.browser().login("alice", "alice-pw")
	c.advance(59 * time.Minute)
	b.get("/ui/").want(t, http.StatusOK, "a page within the session's hour")
	c.advance(time.Minute)
	b.get("/ui/").wantRedirect(t, "/ui/login", "a page after the session's hour")
}

// TestMaxSessions: the sessions kept are bounded; beyond the bound the one
// nearest its end goes, and every other still works.
func TestMaxSessions(t *testing.T) {
	c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := newEnv(t, &ui.Options{MaxSessions: 2, Now: c.Now})
	first := e.browser().login("alice", "alice-pw")
	c.advance(time.Second)
	second := e.browser().login("alice", "alice-pw")
	c.advance(time.Second)
	third := e.browser().login("bob", "bob-pw")
	first.get("/ui/").wantRedirect(t, "/ui/login", "the oldest session beyond the bound")
	second.get("/ui/").want(t, http.StatusOK, "the second session")
	third.get("/ui/").want(t, http.StatusOK, "the newest session")
}
