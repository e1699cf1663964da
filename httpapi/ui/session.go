package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/orca-nfv/orca/identity"
)

// Cookie names. Both are HttpOnly, SameSite=Strict, limited to /ui/ and
// Secure on TLS requests.
const (
	sessionCookie = "orca_ui_session"
	// loginCookie carries the login form's CSRF token (double submit):
	// there is no session yet to keep it in.
	loginCookie = "orca_ui_login"
)

// session is one signed-in browser.
type session struct {
	p       *identity.Principal
	csrf    string // the token every form of the session carries
	expires time.Time
}

// sessions are kept in memory as digests of their cookie values, as
// identity.Tokens keeps tokens: a memory dump holds no usable cookie, and
// a restart signs everyone out.
type sessions struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu   sync.Mutex
	byID map[[sha256.Size]byte]*session
}

func newSessions(ttl time.Duration, max int, now func() time.Time) *sessions {
	return &sessions{ttl: ttl, max: max, now: now, byID: map[[sha256.Size]byte]*session{}}
}

// randomToken returns 32 random bytes, URL-safe.
func randomToken() string {
	var raw [32]byte
	rand.Read(raw[:]) // never fails
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// start opens a session for p and returns its cookie value.
func (s *sessions) start(p *identity.Principal) (string, *session) {
	id := randomToken()
	cp := *p
	cp.Roles = slices.Clone(p.Roles)
	ss := &session{p: &cp, csrf: randomToken(), expires: s.now().Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byID) >= s.max {
		s.makeRoomLocked()
	}
	s.byID[sha256.Sum256([]byte(id))] = ss
	return id, ss
}

// makeRoomLocked drops the expired sessions and, if none were, the one
// closest to its end, so memory stays bounded by max.
func (s *sessions) makeRoomLocked() {
	now := s.now()
	var oldest [sha256.Size]byte
	var oldestAt time.Time
	for k, ss := range s.byID {
		if !now.Before(ss.expires) {
			delete(s.byID, k)
			continue
		}
		if oldestAt.IsZero() || ss.expires.Before(oldestAt) {
			oldest, oldestAt = k, ss.expires
		}
	}
	if len(s.byID) >= s.max {
		delete(s.byID, oldest)
	}
}

// get returns the live session of a cookie value, or nil.
func (s *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	key := sha256.Sum256([]byte(id))
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[key]
	if !ok {
		return nil
	}
	if !s.now().Before(ss.expires) {
		delete(s.byID, key)
		return nil
	}
	return ss
}

// end closes a session; unknown ones are ignored.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, sha256.Sum256([]byte(id)))
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
