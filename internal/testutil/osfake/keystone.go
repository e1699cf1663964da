package osfake

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// token is an issued Keystone token.
type token struct {
	id              string
	user            *User
	project         *Project // nil: unscoped or domain-scoped
	domainScoped    bool
	methods         []string
	appcred         *AppCredential
	issued, expires time.Time
	auditID         string
}

// newTokenID returns a token shaped like a Fernet one.
func newTokenID() string {
	var b [96]byte
	rand.Read(b[:])
	return "gAAAAAB" + base64.RawURLEncoding.EncodeToString(b[:])
}

// validToken returns the token if it is known and unexpired. Callers hold
// s.mu.
func (s *Server) validToken(id string) (*token, bool) {
	t, ok := s.tokens[id]
	if !ok || id == "" {
		return nil, false
	}
	if !s.now().Before(t.expires) {
		return nil, false
	}
	return t, true
}

// ExpireTokens makes every token issued so far invalid, as when they
// expire or are revoked.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// TokensIssued returns how many tokens Keystone has issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.log {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/v3/auth/tokens") && r.Status == http.StatusCreated {
			n++
		}
	}
	return n
}

// SetPassword changes a user's password, as an operator would: tokens
// already issued stay valid until they expire.
func (s *Server) SetPassword(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Name == user {
			u.Password = password
		}
	}
}

// identity serves Keystone. Callers hold s.mu.
func (s *Server) identity(r *req) *reply {
	if r.path == nil || len(r.path) == 0 {
		if r.Method != http.MethodGet {
			return errorReply(svcIdentity, http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.", "")
		}
		return s.identityVersions(r)
	}
	if len(r.path) == 2 && r.path[0] == "auth" && r.path[1] == "tokens" {
		switch r.Method {
		case http.MethodPost:
			return s.issueToken(r)
		case http.MethodGet, http.MethodHead:
			return s.checkToken(r)
		case http.MethodDelete:
			if _, ok := s.validToken(r.Header.Get("X-Auth-Token")); !ok {
				return s.keystone401()
			}
			if _, ok := s.validToken(r.Header.Get("X-Subject-Token")); !ok {
				return errorReply(svcIdentity, http.StatusNotFound, "Could not recognize Fernet token", "")
			}
			delete(s.tokens, r.Header.Get("X-Subject-Token"))
			return emptyReply(http.StatusNoContent)
		}
		return errorReply(svcIdentity, http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.", "")
	}
	return errorReply(svcIdentity, http.StatusNotFound, "The resource could not be found.", "")
}

func (s *Server) keystone401() *reply {
	return errorReply(svcIdentity, http.StatusUnauthorized, "The request you have made requires authentication.", "").
		set("WWW-Authenticate", `Keystone uri="`+s.url+prefixIdentity+`/v3"`)
}

// identityVersions is Keystone's version document: 300 with the list at
// the root, 200 with the one version at /v3.
func (s *Server) identityVersions(r *req) *reply {
	base := s.url + prefixIdentity
	if !strings.HasPrefix(r.URL.Path, prefixIdentity) {
		base = s.url
	}
	v3 := map[string]any{"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
		"links":       []any{map[string]any{"rel": "self", "href": base + "/v3/"}},
		"media-types": []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}}}
	if r.path != nil {
		return jsonReply(http.StatusOK, map[string]any{"version": v3})
	}
	return jsonReply(http.StatusMultipleChoices, map[string]any{"versions": map[string]any{"values": []any{v3}}}).
		set("Location", base+"/v3/")
}

// authRequest is the body of POST /v3/auth/tokens.
type authRequest struct {
	Auth struct {
		Identity *struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User struct {
					ID       string  `json:"id"`
					Name     string  `json:"name"`
					Password string  `json:"password"`
					Domain   *nameID `json:"domain"`
				} `json:"user"`
			} `json:"password"`
			AppCred *struct {
				ID     string  `json:"id"`
				Name   string  `json:"name"`
				Secret string  `json:"secret"`
				User   *nameID `json:"user"`
			} `json:"application_credential"`
		} `json:"identity"`
		Scope *struct {
			Project *struct {
				ID     string  `json:"id"`
				Name   string  `json:"name"`
				Domain *nameID `json:"domain"`
			} `json:"project"`
			Domain *nameID `json:"domain"`
		} `json:"scope"`
	} `json:"auth"`
}

type nameID struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// issueToken serves POST /v3/auth/tokens: 201 with X-Subject-Token and the
// token, 401 for wrong credentials or a scope the user has no role on.
func (s *Server) issueToken(r *req) *reply {
	var ar authRequest
	if err := r.decode(&ar); err != nil {
		return errorReply(svcIdentity, http.StatusBadRequest, "Expecting to find auth in request body. "+err.Error(), "")
	}
	id := ar.Auth.Identity
	if id == nil {
		return errorReply(svcIdentity, http.StatusBadRequest, "'identity' is a required property", "")
	}
	t := &token{id: newTokenID(), methods: id.Methods, issued: s.now(), auditID: newTokenID()[7:29]}
	t.expires = t.issued.Add(s.opts.TokenTTL)
	switch {
	case len(id.Methods) == 1 && id.Methods[0] == "password" && id.Password != nil:
		u := id.Password.User
		var user *User
		for _, c := range s.users {
			switch {
			case u.ID != "" && c.ID == u.ID:
				user = c
			case u.ID == "" && u.Name == c.Name && u.Domain != nil && s.domainIs(u.Domain, c.Domain):
				user = c
			}
		}
		if user == nil || user.Password != u.Password {
			return s.keystone401()
		}
		t.user = user
	case len(id.Methods) == 1 && id.Methods[0] == "application_credential" && id.AppCred != nil:
		ac := id.AppCred
		var cred *AppCredential
		for _, c := range s.appcred {
			if ac.ID != "" && c.ID == ac.ID || ac.ID == "" && ac.Name == c.Name && ac.User != nil && (ac.User.Name == c.User || s.userID(c.User) == ac.User.ID) {
				cred = c
			}
		}
		if cred == nil || cred.Secret != ac.Secret {
			return s.keystone401()
		}
		t.user, t.appcred = s.userByName(cred.User), cred
		t.project = s.projectByName(cred.Project, s.domain.Name)
		if t.user == nil || t.project == nil {
			return s.keystone401()
		}
		if ar.Auth.Scope != nil {
			return errorReply(svcIdentity, http.StatusUnauthorized, "Application credentials cannot request a scope.", "")
		}
	default:
		return s.keystone401()
	}
	if sc := ar.Auth.Scope; sc != nil && t.appcred == nil {
		switch {
		case sc.Project != nil:
			p := sc.Project
			var proj *Project
			for _, c := range s.projs {
				if p.ID != "" && c.ID == p.ID || p.ID == "" && p.Name == c.Name && p.Domain != nil && s.domainIs(p.Domain, c.Domain) {
					proj = c
				}
			}
			if proj == nil || len(t.user.Roles[proj.Name]) == 0 {
				return s.keystone401()
			}
			t.project = proj
		case sc.Domain != nil:
			if !s.domainIs(sc.Domain, t.user.Domain) {
				return s.keystone401()
			}
			t.domainScoped = true
		}
	}
	s.tokens[t.id] = t
	return jsonReply(http.StatusCreated, s.tokenBody(t, true)).set("X-Subject-Token", t.id)
}

// checkToken serves GET /v3/auth/tokens: 200 with the subject token's
// body, 404 when it is unknown or expired.
func (s *Server) checkToken(r *req) *reply {
	if _, ok := s.validToken(r.Header.Get("X-Auth-Token")); !ok {
		return s.keystone401()
	}
	subject := r.Header.Get("X-Subject-Token")
	t, ok := s.validToken(subject)
	if !ok {
		if _, known := s.tokens[subject]; known {
			return errorReply(svcIdentity, http.StatusNotFound, "Failed to validate token", "") // chosen
		}
		return errorReply(svcIdentity, http.StatusNotFound, "Could not recognize Fernet token", "")
	}
	withCatalog := r.q("nocatalog") == ""
	rep := jsonReply(http.StatusOK, s.tokenBody(t, withCatalog)).set("X-Subject-Token", t.id)
	if r.Method == http.MethodHead {
		rep.body = nil
	}
	return rep
}

func (s *Server) domainIs(d *nameID, name string) bool {
	if d.ID != "" {
		return d.ID == s.domain.ID && name == s.domain.Name
	}
	return d.Name == name
}

func (s *Server) userByName(name string) *User {
	for _, u := range s.users {
		if u.Name == name {
			return u
		}
	}
	return nil
}

func (s *Server) userID(name string) string {
	if u := s.userByName(name); u != nil {
		return u.ID
	}
	return ""
}

func (s *Server) projectByName(name, dom string) *Project {
	for _, p := range s.projs {
		if p.Name == name && p.Domain == dom {
			return p
		}
	}
	return nil
}

func (s *Server) projectByID(id string) *Project {
	for _, p := range s.projs {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// tokenBody renders a token as Keystone does.
func (s *Server) tokenBody(t *token, withCatalog bool) map[string]any {
	dom := map[string]any{"id": s.domain.ID, "name": s.domain.Name}
	tok := map[string]any{
		"methods":    t.methods,
		"user":       map[string]any{"domain": dom, "id": t.user.ID, "name": t.user.Name, "password_expires_at": nil},
		"audit_ids":  []string{t.auditID},
		"expires_at": t.expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
		"issued_at":  t.issued.UTC().Format("2006-01-02T15:04:05.000000Z"),
	}
	var roles []any
	if t.project != nil {
		tok["project"] = map[string]any{"domain": dom, "id": t.project.ID, "name": t.project.Name}
		tok["is_domain"] = false
		for _, name := range t.user.Roles[t.project.Name] {
			roles = append(roles, map[string]any{"id": s.roleID(name), "name": name})
		}
	} else if t.domainScoped {
		tok["domain"] = dom
		roles = append(roles, map[string]any{"id": s.roleID("admin"), "name": "admin"})
	}
	if roles != nil {
		tok["roles"] = roles
		if withCatalog {
			tok["catalog"] = s.catalog(t)
		}
	}
	if t.appcred != nil {
		tok["application_credential"] = map[string]any{"id": t.appcred.ID, "name": t.appcred.Name, "restricted": true}
	}
	return map[string]any{"token": tok}
}

// roleID returns the role's ID, made on first use. Callers hold s.mu.
func (s *Server) roleID(name string) string {
	if s.roleIDs == nil {
		s.roleIDs = map[string]string{}
	}
	if s.roleIDs[name] == "" {
		s.roleIDs[name] = hexID()
	}
	return s.roleIDs[name]
}

// catalog lists the services with public, internal and admin endpoints on
// the server's own URL.
func (s *Server) catalog(t *token) []any {
	base := s.url
	services := []struct{ typ, name, url string }{
		{"identity", "keystone", base + prefixIdentity + "/v3"},
		{"compute", "nova", base + prefixCompute + "/v2.1"},
		{"network", "neutron", base + prefixNetwork},
		{"image", "glance", base + prefixImage},
	}
	if t.project != nil {
		services = append(services, struct{ typ, name, url string }{"orchestration", "heat",
			base + prefixOrchestration + "/v1/" + t.project.ID})
		if !s.opts.NoVolumeService {
			services = append(services, struct{ typ, name, url string }{"volumev3", "cinderv3",
				base + prefixVolume + "/v3/" + t.project.ID})
		}
	}
	var out []any
	for _, svc := range services {
		var eps []any
		for i, iface := range []string{"public", "internal", "admin"} {
			eps = append(eps, map[string]any{"id": s.catIDs[svc.typ][:31] + string("abc"[i]), "interface": iface,
				"region_id": s.opts.Region, "region": s.opts.Region, "url": svc.url})
		}
		out = append(out, map[string]any{"endpoints": eps, "id": s.catIDs[svc.typ], "type": svc.typ, "name": svc.name})
	}
	return out
}
