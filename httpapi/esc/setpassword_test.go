package esc_test

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca/httpapi/esc"
	"github.com/orca-nfv/orca/resource"
)

func setPasswordPath(user, password string) string {
	q := url.Values{}
	if user != "" {
		q.Set("userName", user)
	}
	if password != "" {
		q.Set("password", password)
	}
	return "/ESCManger/v0/authentication/setpassword?" + q.Encode() // the seed's own spelling
}

func TestSetPassword(t *testing.T) {
	n := newNode(t, nil)
	n.level.Set(slog.LevelDebug) // the most a log could say

	// A user changes their own password; the new one works, and after a
	// restart (which forgets remembered credentials) the old one does not.
	n.do("alice", "POST", setPasswordPath("alice", "alice-new-1"), "").Want(t, 204, "own password")
	n.do("alice", "GET", "/v0/config", "").Want(t, 200, "the new password")
	// The old one was verified (and remembered) a moment ago: it stops
	// working at once all the same.
	n.do("", "GET", "/v0/config", "", "Authorization", basic("alice", "alice-pw")).Want(t, 401, "the old password at once")
	// An administrator changes another user's, with PUT.
	n.do("admin", "PUT", setPasswordPath("bob", "bob-new-1"), "").Want(t, 204, "bob's password")
	n.do("bob", "GET", "/v0/config", "").Want(t, 200, "bob's new password")
	// No userName: the caller's own.
	n.do("bob", "POST", setPasswordPath("", "bob-new-2"), "").Want(t, 204, "no user name")
	n.do("bob", "GET", "/v0/config", "").Want(t, 200, "bob's newer password")

	if log := n.log.String(); !strings.Contains(log, `msg="password changed" user=bob by=admin`) || strings.Contains(log, "-new-") {
		t.Errorf("the log of the changes:\n%s", log)
	}

	n.restart()
	n.do("alice", "GET", "/v0/config", "").Want(t, 200, "the new password after a restart")
	old := n.do("", "GET", "/v0/config", "", "Authorization", basic("alice", "alice-pw"))
	old.Want(t, 401, "the old password after a restart")
}

func TestSetPasswordErrors(t *testing.T) {
	failing := &failingPasswords{}
	n := newNode(t, nil)
	n.level.Set(slog.LevelDebug)
	secret := "Never-Logged-" + strings.Repeat("x", 8)
	for name, tc := range map[string]struct {
		user, method, path string
		status             int
		says               string
	}{
		"another user's, as a member": {"alice", "POST", setPasswordPath("bob", secret), 403, "administrators"},
		"an unknown user":             {"admin", "POST", setPasswordPath("nobody", secret), 404, "user nobody not found"},
		"no password":                 {"alice", "POST", setPasswordPath("alice", ""), 400, "password"},
		"a long password":             {"alice", "POST", setPasswordPath("alice", secret+strings.Repeat("p", 4096)), 400, "1 to 4096 bytes"},
		"a bad user name":             {"admin", "POST", setPasswordPath("a b", secret), 400, "userName"},
		"GET":                         {"alice", "GET", setPasswordPath("alice", secret), 405, "not allowed"},
		"DELETE":                      {"alice", "DELETE", setPasswordPath("alice", secret), 405, "not allowed"},
		"no credentials":              {"", "POST", setPasswordPath("alice", secret), 401, "credentials"},
	} {
		t.Run(name, func(t *testing.T) {
			r := n.do(tc.user, tc.method, tc.path, "")
			if r.Code != tc.status || !strings.Contains(r.Raw, tc.says) || strings.Contains(r.Raw, secret) {
				t.Errorf("%d %s, want %d saying %q (and never the password)", r.Code, r.Raw, tc.status, tc.says)
			}
			if tc.status == 405 && r.Header.Get("Allow") != "POST, PUT" {
				t.Errorf("Allow %q", r.Header.Get("Allow"))
			}
		})
	}
	// Nothing changed: the old passwords work.
	for _, u := range []string{"alice", "bob"} {
		n.do("", "GET", "/v0/config", "", "Authorization", basic(u, u+"-pw")).Want(t, 200, u+"'s password unchanged")
	}

	// Then set to the very string: a success is logged too.
	n.do("alice", "POST", setPasswordPath("alice", secret), "").Want(t, 204, "set")

	// A user store that fails: 500, logged without the password.
	f := newNode(t, func(o *esc.Options) { o.Passwords = failing })
	f.level.Set(slog.LevelDebug)
	f.do("alice", "POST", setPasswordPath("alice", secret), "").Want(t, 500, "a failing store")
	if !failing.called.Load() {
		t.Error("the store was not asked")
	}

	// Neither server logged the password, though they logged the requests
	// that failed.
	for _, log := range []string{n.log.String(), f.log.String()} {
		if !strings.Contains(log, "authentication/setpassword") && !strings.Contains(log, `msg="password changed" user=alice`) {
			t.Errorf("the log says nothing of the requests:\n%s", log)
		}
		if strings.Contains(log, secret) {
			t.Errorf("a password was logged:\n%s", log)
		}
	}
	if !strings.Contains(f.log.String(), "request failed") {
		t.Errorf("the failure was not logged:\n%s", f.log.String())
	}
}

// failingPasswords is a user store that cannot be written.
type failingPasswords struct{ called atomic.Bool }

func (p *failingPasswords) SetPassword(context.Context, string, string) error {
	p.called.Store(true)
	return resource.Errorf(resource.Unknown, "the user store is broken")
}

// TestSetPasswordNotOffered: a server without a user store to write says
// so.
func TestSetPasswordNotOffered(t *testing.T) {
	s := newServer(t)
	r := as(s, "alice", "POST", setPasswordPath("alice", "whatever-1"), "")
	if r.Code != 403 || !strings.Contains(r.Raw, "does not let passwords be changed") {
		t.Errorf("%d %s", r.Code, r.Raw)
	}
}
