package ui

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

// prefix is where the pages live; links are absolute under it.
const prefix = "/ui"

// Paths the handler serves, as http.ServeMux patterns (the mux sends /ui
// to /ui/).
var Paths = []string{prefix + "/"}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options configure the pages; the zero value (or nil) takes the defaults.
type Options struct {
	// Tokens keeps the sessions: a sign-in is one of its tokens, so it
	// lasts its TTL, however busy, and with a shared store
	// (TokensOptions.Shared) works at every replica, a sign-out holding
	// everywhere within its Recheck. nil means the kit's (Kit.Tokens, the
	// issuer the API's tokens come from), or without one a new
	// identity.NewTokens(0), whose sessions live in this process only.
	Tokens *identity.Tokens
	// RefreshSeconds is how often pages reload themselves (a meta
	// refresh, which the user can pause); default 10, negative never.
	RefreshSeconds int
	// MaxRows bounds the rows of one kind on a page (the matrix, a
	// resource's copies and events); further ones are paged. Default 200.
	MaxRows int
}

// ui serves the pages.
type ui struct {
	b      dialect.Backend
	kit    *dialect.Kit
	reg    *resource.Registry
	opts   Options
	tokens *identity.Tokens
	pages  map[string]*template.Template
}

// New returns the status pages over b, signing users in through kit (the
// same users, password check and login throttle as the API's).
func New(b dialect.Backend, kit *dialect.Kit, opts *Options) http.Handler {
	u := &ui{b: b, kit: kit, reg: b.Registry()}
	if opts != nil {
		u.opts = *opts
	}
	if u.opts.RefreshSeconds == 0 {
		u.opts.RefreshSeconds = 10
	}
	if u.opts.MaxRows <= 0 {
		u.opts.MaxRows = 200
	}
	u.tokens = u.opts.Tokens
	if u.tokens == nil {
		u.tokens = kit.Tokens()
	}
	if u.tokens == nil {
		u.tokens = identity.NewTokens(0)
	}
	u.pages = parsePages()

	rt := kit.NewRouter(u.renderProblem, nil)
	rt.Handle("GET", prefix, u.authed(u.overview))
	rt.Handle("GET", prefix+"/login", u.loginForm)
	rt.Handle("POST", prefix+"/login", u.login)
	rt.Handle("POST", prefix+"/logout", u.authed(u.logout))
	rt.Handle("GET", prefix+"/tenants/{tenant}", u.authed(u.matrix))
	rt.Handle("GET", prefix+"/tenants/{tenant}/deployments", u.authed(u.deployments))
	rt.Handle("GET", prefix+"/resources/{kind}/{id}", u.authed(u.resource))
	static, _ := fs.Sub(staticFiles, "static") // a literal directory
	files := http.StripPrefix(prefix+"/static/", http.FileServerFS(static))
	rt.Handle("GET", prefix+"/static/{file}", func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "max-age=300")
		files.ServeHTTP(w, r)
		return nil
	})
	return rt.Serve()
}

// parsePages parses each page with the layout. The templates are
// embedded, so a parse error is a bug the package's tests catch.
func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"phaseClass":     phaseClass,
		"resourceURL":    resourceURL,
		"tenantURL":      tenantURL,
		"deploymentsURL": deploymentsURL,
		"when":           func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") },
		"ms":             func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"login", "error", "overview", "matrix", "resource", "deployments"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).
			ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

// page is what the layout shows around a page's body.
type page struct {
	Title string
	// User is the signed-in caller; nil on the login and error pages.
	User *identity.Principal
	// CSRF is the token the page's forms carry.
	CSRF string
	// Refresh is the meta refresh interval (0: none); RefreshURL the
	// link that pauses or resumes it.
	Refresh    int
	RefreshURL string
	Paused     bool
	Body       any
}

// show renders a page. Rendering goes to a buffer first, so a template
// error is a clean 500, never half a page.
func (u *ui) show(w http.ResponseWriter, r *http.Request, status int, name string, p *page) error {
	if p.User != nil && u.opts.RefreshSeconds > 0 {
		q := r.URL.Query()
		p.Paused = q.Get("refresh") == "off"
		if p.Paused {
			q.Del("refresh")
		} else {
			p.Refresh = u.opts.RefreshSeconds
			q.Set("refresh", "off")
		}
		p.RefreshURL = (&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()
	}
	var buf bytes.Buffer
	if err := u.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return err // Unknown: logged, answered as an internal error
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// No script runs and nothing is framed or posted elsewhere: what
	// escaping might miss has nowhere to go.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // a failed write means the browser left
	return nil
}

// renderProblem is the pages' error answer: an HTML page saying what was
// wrong (an internal error's details are only logged, by the kit).
func (u *ui) renderProblem(w http.ResponseWriter, r *http.Request, p *dialect.Problem) {
	body := struct {
		Status  int
		Text    string
		Message string
	}{p.Status, http.StatusText(p.Status), p.Message}
	if err := u.show(w, r, p.Status, "error", &page{Title: http.StatusText(p.Status), Body: body}); err != nil {
		http.Error(w, p.Message, p.Status)
	}
}

// phaseClass is a phase's CSS class; anything but a known phase gets the
// neutral one.
func phaseClass(p resource.Phase) string {
	if p.Valid() {
		return "phase-" + strings.ToLower(string(p))
	}
	return "phase-none"
}

func resourceURL(kind resource.Kind, id string) string {
	return prefix + "/resources/" + url.PathEscape(string(kind)) + "/" + url.PathEscape(id)
}

func tenantURL(id string) string { return prefix + "/tenants/" + url.PathEscape(id) }

func deploymentsURL(id string) string { return tenantURL(id) + "/deployments" }
