package httpapi

import (
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// Keystone v3's password-authentication request, the subset orca reads.
type authRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					ID       string          `json:"id"`
					Name     string          `json:"name"`
					Password string          `json:"password"`
					Domain   *keystoneDomain `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope *struct {
			Project *struct {
				ID     string          `json:"id"`
				Name   string          `json:"name"`
				Domain *keystoneDomain `json:"domain"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

type keystoneDomain struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type keystoneRef struct {
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	Domain *keystoneDomain `json:"domain,omitempty"`
}

// tokenBody is Keystone's token response, as far as orca fills it.
type tokenBody struct {
	Token struct {
		Methods   []string      `json:"methods"`
		ExpiresAt string        `json:"expires_at"`
		IssuedAt  string        `json:"issued_at"`
		User      keystoneRef   `json:"user"`
		Project   keystoneRef   `json:"project"`
		Roles     []keystoneRef `json:"roles"`
		Catalog   []any         `json:"catalog"`
	} `json:"token"`
}

// Keystone's bounds on a user name and a password.
const (
	maxUserName = dialect.MaxUserName
	maxPassword = dialect.MaxPassword
)

// keystoneTime is Keystone's timestamp format: microseconds, Z.
const keystoneTime = "2006-01-02T15:04:05.000000Z"

func (h *Handler) routeIdentity() {
	if h.opts.Passwords != nil {
		h.router.POST("/v3/auth/tokens", h.serve(h.login))
	}
	h.router.GET("/v3/auth/tokens", h.authed(h.validateToken))
	h.router.DELETE("/v3/auth/tokens", h.authed(h.revokeToken))
}

// login checks a password and issues a token: 201, X-Subject-Token, and the
// token's description in the body.
func (h *Handler) login(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	body, err := h.body(w, r)
	if err != nil {
		return err
	}
	raw, ok := body["auth"]
	if !ok || len(body) != 1 {
		return resource.Errorf(resource.Invalid, `the body must be {"auth": {...}}`)
	}
	var req authRequest
	if err := dialect.Strict([]byte(`{"auth":`+string(raw)+`}`), &req, "auth"); err != nil {
		return err
	}
	id := req.Auth.Identity
	user := id.Password.User.Name
	if user == "" {
		user = id.Password.User.ID
	}
	switch {
	case len(id.Methods) != 1 || id.Methods[0] != "password":
		return resource.InvalidField("auth.identity.methods", `only ["password"] is supported`)
	case user == "" || id.Password.User.Password == "":
		return resource.InvalidField("auth.identity.password.user", "a name (or id) and a password are required")
	case len(user) > maxUserName || len(id.Password.User.Password) > maxPassword:
		// Keystone's limits; they also bound what the throttle keeps.
		return resource.InvalidField("auth.identity.password.user",
			"the name is longer than %d bytes or the password longer than %d", maxUserName, maxPassword)
	}
	project := ""
	if s := req.Auth.Scope; s != nil && s.Project != nil {
		project = s.Project.Name
		if project == "" {
			project = s.Project.ID
		}
	}
	// Throttled per user and address, with the kit's HTTP basic logins.
	p, err := h.kit.CheckPassword(r, user, id.Password.User.Password, project)
	if err != nil {
		return err
	}
	token, issued, err := h.opts.Tokens.IssueContext(r.Context(), p)
	if err != nil {
		return err // the shared session store: Unavailable
	}
	w.Header().Set("X-Subject-Token", token)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, describeToken(issued))
	return nil
}

func describeToken(p *identity.Principal) tokenBody {
	var b tokenBody
	t := &b.Token
	t.Methods = []string{"password"}
	t.ExpiresAt = p.ExpiresAt.UTC().Format(keystoneTime)
	t.IssuedAt = time.Now().UTC().Format(keystoneTime)
	dom := &keystoneDomain{ID: "default", Name: "Default"}
	t.User = keystoneRef{ID: p.UserID, Name: p.UserName, Domain: dom}
	t.Project = keystoneRef{ID: p.TenantID, Name: p.TenantID, Domain: dom}
	t.Roles = []keystoneRef{}
	for _, role := range p.Roles {
		t.Roles = append(t.Roles, keystoneRef{ID: role, Name: role})
	}
	t.Catalog = []any{}
	return b
}

// validateToken describes the token in X-Subject-Token (Keystone's token
// validation). Callers may check their own token; administrators any.
func (h *Handler) validateToken(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	subject := r.Header.Get("X-Subject-Token")
	if subject != r.Header.Get("X-Auth-Token") && !principal(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators validate others' tokens")
	}
	p, err := h.opts.Auth.Authenticate(r.Context(), subject)
	if resource.CodeOf(err) == resource.Unavailable {
		return err // the provider is down: not the token's fault
	}
	if err != nil {
		return resource.Errorf(resource.NotFound, "the subject token is unknown or expired")
	}
	w.Header().Set("X-Subject-Token", subject)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, describeToken(p))
	return nil
}

// revokeToken ends the token in X-Subject-Token (a logout when it is the
// caller's own).
func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request, _ httprouter.Params) error {
	subject := r.Header.Get("X-Subject-Token")
	if subject != r.Header.Get("X-Auth-Token") && !principal(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators revoke others' tokens")
	}
	if h.opts.Tokens == nil {
		return resource.Errorf(resource.Unimplemented, "tokens are issued elsewhere; revoke them there")
	}
	if err := h.opts.Tokens.RevokeContext(r.Context(), subject); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
