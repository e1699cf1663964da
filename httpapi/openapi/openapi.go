package openapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// Path is where the document is served.
const Path = "/openapi.json"

// Options configure the document and its handler.
type Options struct {
	// BaseURL is the prefix the API is mounted under (its servers URL);
	// default "/".
	BaseURL string
	// MaxPageSize is the handler's largest page (the limit parameter's
	// maximum); default 1000, httpapi's default.
	MaxPageSize int
	// ExternalTokens says tokens come from elsewhere (a real Keystone),
	// so the API has no login (POST /v3/auth/tokens); httpapi serves it
	// when given Passwords, as the demo does.
	ExternalTokens bool
	// Version is the document's info.version; default "1.0".
	Version string
	// Kit, when given, wraps the handler as every surface is wrapped
	// (request metrics, panics answered 500, nosniff).
	Kit *dialect.Kit
	// Logger receives a failure to build the document; nil means
	// slog.Default().
	Logger *slog.Logger
}

func (o *Options) withDefaults() Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.BaseURL == "" {
		out.BaseURL = "/"
	}
	if out.MaxPageSize <= 0 {
		out.MaxPageSize = 1000
	}
	if out.Version == "" {
		out.Version = "1.0"
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	return out
}

// gen builds one document.
type gen struct {
	reg   *resource.Registry
	opts  Options
	kinds []any // the registered kinds, the enum of kind-valued fields
	doc   *document
}

// Document returns the OpenAPI 3.1 document of reg's kinds as httpapi
// serves them, as JSON.
func Document(reg *resource.Registry, opts *Options) ([]byte, error) {
	g := &gen{reg: reg, opts: opts.withDefaults()}
	g.doc = &document{
		OpenAPI: "3.1.0",
		Info: info{Title: "orca", Version: g.opts.Version,
			Description: "orca's seed 000 API (/v1.0) and its Keystone-style identity endpoint. Every kind of the registry is at its seed path " +
				"with the seed's wrapped bodies ({\"network\": {...}}, {\"networks\": [...]}); what orca adds is under the one key \"orca\". " +
				"Trailing slashes are ignored. Members see and change only their tenant's resources; another tenant's answer 404."},
		Servers:  []server{{URL: g.opts.BaseURL}},
		Security: []securityRequirement{{"token": {}}},
		Paths:    map[string]*pathItem{},
		Components: components{Schemas: map[string]*schema{}, Parameters: map[string]*parameter{},
			Responses: map[string]*response{}, Headers: map[string]*header{}, SecuritySchemes: map[string]*securityScheme{}},
	}
	kinds := reg.Kinds()
	for _, k := range kinds {
		g.kinds = append(g.kinds, string(k))
	}
	g.addCommon()
	g.addIdentity()
	g.doc.Tags = []tag{{Name: "identity", Description: "tokens"}, {Name: "ops", Description: "liveness, counters, this document"}}
	for _, k := range kinds {
		info, ok := reg.Info(k)
		if !ok {
			continue
		}
		g.doc.Tags = append(g.doc.Tags, tag{Name: string(k), Description: "at " + info.Path})
		g.addKindSchemas(info)
		g.addKindPaths(info)
	}
	return json.Marshal(g.doc)
}

// Handler serves the document, built on the first request and kept: kinds
// are registered at start-up, before a server takes requests.
type Handler struct {
	build func() ([]byte, error)
	log   *slog.Logger
	serve http.Handler
}

// New returns the handler of reg's document. It serves GET and HEAD
// without authentication: the document describes the API and discloses
// no data.
func New(reg *resource.Registry, opts *Options) *Handler {
	o := opts.withDefaults()
	h := &Handler{log: o.Logger}
	h.build = sync.OnceValues(func() ([]byte, error) { return Document(reg, &o) })
	h.serve = http.HandlerFunc(h.serveDocument)
	if o.Kit != nil {
		h.serve = o.Kit.Wrap(renderProblem, h.serve)
	}
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.serve.ServeHTTP(w, r) }

func (h *Handler) serveDocument(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		renderProblem(w, r, &dialect.Problem{Status: http.StatusMethodNotAllowed,
			Message: r.Method + " is not allowed on " + Path + " (see the Allow header)"})
		return
	}
	doc, err := h.build()
	if err != nil {
		h.log.Error("openapi: building the document", "err", err)
		renderProblem(w, r, &dialect.Problem{Status: http.StatusInternalServerError, Message: "internal error"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(doc) // a failed write means the client left
	}
}

// renderProblem writes seed 000's error body.
func renderProblem(w http.ResponseWriter, _ *http.Request, p *dialect.Problem) {
	var body struct {
		Error struct {
			Code    int    `json:"code"`
			Title   string `json:"title"`
			Message string `json:"message"`
		} `json:"error"`
	}
	body.Error.Code, body.Error.Title, body.Error.Message = p.Status, http.StatusText(p.Status), p.Message
	dialect.WriteJSON(w, p.Status, body)
}
