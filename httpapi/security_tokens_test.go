package httpapi_test

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/httpapi/surfaces"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/internal/testutil/apitest"
)

// everySurface mounts the five surfaces on one mux, over one kit, as
// cmd/demo does (package surfaces).
func everySurface(b dialect.Backend, kit *dialect.Kit) (http.Handler, []string, error) {
	h, err := httpapi.New(b, &httpapi.Options{Auth: kit.Authenticator(), Metrics: kit.Metrics(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, nil, err
	}
	return surfaces.New(h, nil), []string{"/"}, nil
}

// flip returns tok with the byte at i changed to another character of
// the token alphabet.
func flip(tok string, i int) string {
	b := []byte(tok)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestTokens: on every surface and in every scheme that carries a token,
// only a live token this server issued is accepted: a missing, malformed,
// tampered (a byte flipped at its start, middle or end; cut short;
// lengthened), foreign (issued by another server) or expired one is 401,
// and the answer never repeats it. Tokens are random and opaque, kept
// only as digests, so a tampered one is simply unknown.
func TestTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := apitest.NewInProcess(t, everySurface)
		foreign, _ := identity.NewTokens(time.Hour).Issue(&identity.Principal{UserID: "alice", TenantID: "t1", Roles: []string{identity.RoleMember}})
		good := p.Member
		surfaces := map[string]struct {
			path    string
			schemes []string // headers carrying a token: "X-Auth-Token", "Authorization: Token"
		}{
			"seed 000": {"/v1.0/tenant/networks", []string{"X-Auth-Token"}},
			"trema":    {"/tenants", []string{"X-Auth-Token"}},
			"waldur":   {"/api/openstack-server-groups/", []string{"X-Auth-Token", "Authorization: Token"}},
			"mogan":    {"/v1/instances", []string{"X-Auth-Token"}},
			"esc":      {"/v0/tenants", []string{"X-Auth-Token"}},
			"identity": {"/v3/auth/tokens", []string{"X-Auth-Token"}},
		}
		send := func(path, scheme, tok string) (int, string) {
			req := p.Request("GET", path, "", "", "")
			if path == "/v3/auth/tokens" {
				req.Header.Set("X-Subject-Token", tok)
			}
			switch {
			case tok == "":
			case scheme == "Authorization: Token":
				req.Header.Set("Authorization", "Token "+tok)
			default:
				req.Header.Set("X-Auth-Token", tok)
			}
			w := p.Do(req)
			return w.Code, w.Header().Get("WWW-Authenticate") + " " + w.Body.String()
		}
		bad := map[string]string{
			"missing":          "",
			"malformed":        "not a token at all",
			"first byte":       flip(good, 0),
			"middle byte":      flip(good, len(good)/2),
			"last byte":        flip(good, len(good)-1),
			"cut short":        good[:len(good)-1],
			"lengthened":       good + "A",
			"another server's": foreign,
		}
		cells := 0
		for name, sf := range surfaces {
			for _, scheme := range sf.schemes {
				if code, body := send(sf.path, scheme, good); code != 200 {
					t.Fatalf("%s, %s, a live token: %d %s", name, scheme, code, body)
				}
				for what, tok := range bad {
					code, body := send(sf.path, scheme, tok)
					cells++
					if code != 401 {
						t.Errorf("%s, %s, %s token: %d %.200s, want 401", name, scheme, what, code, body)
					}
					if len(tok) > 8 && strings.Contains(body, strings.TrimSpace(tok)) {
						t.Errorf("%s, %s, %s token: the answer repeats it: %s", name, scheme, what, body)
					}
				}
			}
		}
		// Past its lifetime, the token that worked is refused everywhere.
		time.Sleep(identity.DefaultTokenTTL + time.Second)
		for name, sf := range surfaces {
			for _, scheme := range sf.schemes {
				cells++
				if code, body := send(sf.path, scheme, good); code != 401 {
					t.Errorf("%s, %s, an expired token: %d %.200s, want 401", name, scheme, code, body)
				}
			}
		}
		t.Logf("%d token cells checked", cells)
	})
}

// TestBasicCredentials: ESC's HTTP basic credentials are checked as
// passwords: a wrong or tampered password, an unknown user, or a header
// that is not base64 is 401, and the answer repeats no part of it.
func TestBasicCredentials(t *testing.T) {
	s := newSecServer(t, nil)
	basic := func(user, password string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	s.Do("GET", "/v0/tenants", "", nil, "Authorization", basic("alice", "alice-pw")).Want(t, 200, "alice's password")
	for name, header := range map[string]string{
		"wrong password":   basic("alice", "alice-pw-guess"),
		"tampered":         basic("alice", "alice-pX"),
		"unknown user":     basic("mallory-the-guesser", "alice-pw"),
		"not base64":       "Basic !!!alice:alice-pw",
		"no colon":         "Basic " + base64.StdEncoding.EncodeToString([]byte("alice-pw")),
		"another's secret": basic("bob", "alice-pw"),
	} {
		r := s.Do("GET", "/v0/tenants", "", nil, "Authorization", header)
		if r.Code != 401 || strings.Contains(r.Raw, "alice-pw") || strings.Contains(r.Raw, "mallory") {
			t.Errorf("%s: %d %s, want 401 repeating nothing", name, r.Code, r.Raw)
		}
	}
	if strings.Contains(s.logs.String(), "alice-pw") {
		t.Errorf("a password is in the logs")
	}
}
