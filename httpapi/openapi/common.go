package openapi

import (
	"net/http"
	"strconv"
)

// addCommon adds what every kind shares: the error body and the error
// responses, the "orca" object, the list parameters, the headers and the
// security scheme.
func (g *gen) addCommon() {
	c := &g.doc.Components
	c.SecuritySchemes["token"] = &securityScheme{Type: "apiKey", In: "header", Name: "X-Auth-Token",
		Description: "a token from POST /v3/auth/tokens (its X-Subject-Token header), or one a Keystone issued"}

	c.Schemas["orca.error"] = &schema{
		Type: "object", Required: []string{"error"},
		Description: "every error: Keystone's shape, plus the offending field when there is one",
		Properties: map[string]*schema{"error": {
			Type: "object", Required: []string{"code", "title", "message"},
			Properties: map[string]*schema{
				"code":    {Type: "integer", Description: "the HTTP status"},
				"title":   {Type: "string", Description: "the status text"},
				"message": {Type: "string", Description: "what was wrong"},
				"field":   {Type: "string", Description: "the input field at fault"},
			},
		}},
	}
	placement := &schema{Type: "object", Description: "the locations a resource goes to: those listed and those whose labels match the selector",
		Properties: map[string]*schema{
			"locations": {Type: "array", Items: &schema{Type: "string", XRef: "location"}},
			"selector":  {Type: "object", AdditionalProperties: &schema{Type: "string"}},
		}}
	c.Schemas["orca.placement"] = placement
	labels := &schema{Type: "object", AdditionalProperties: &schema{Type: "string"}}
	c.Schemas["orca.status"] = &schema{
		Type: "object", Required: []string{"phase"},
		Properties: map[string]*schema{
			"phase":               {Type: "string", Enum: phases()},
			"message":             {Type: "string", Description: "why it is in its phase (the error when Failed)"},
			"observed_generation": {Type: "integer", Description: "the generation the status describes"},
			"output":              {Type: "object", Description: "values the VIMs returned (global resources)"},
		},
	}
	c.Schemas["orca.meta"] = &schema{
		Type: "object", Required: []string{"revision", "generation", "status", "created_at", "updated_at"},
		Description: "what orca adds to the seed's object; read-only but labels and placement",
		Properties: map[string]*schema{
			"revision":   {Type: "integer", Description: "changes on every write, orca's progress included"},
			"generation": {Type: "integer", Description: "changes with the spec; the ETag"},
			"deleting":   {Type: "boolean"},
			"labels":     labels,
			"placement":  schemaRef("orca.placement"),
			"status":     schemaRef("orca.status"),
			"created_at": {Type: "string", Format: "date-time"},
			"updated_at": {Type: "string", Format: "date-time"},
		},
	}
	c.Schemas["orca.input"] = &schema{
		Type:        "object",
		Description: "labels and placement are read; the read-only keys of orca.meta are ignored, so a fetched object can be sent back",
		Properties: map[string]*schema{
			"labels":    labels,
			"placement": {AnyOf: []*schema{schemaRef("orca.placement"), {Type: "null"}}, Description: "null on update: every location again; absent: unchanged"},
		},
	}
	c.Schemas["orca.input.labels"] = &schema{
		Type:        "object",
		Description: "labels are read (this kind is not placed at locations); the read-only keys of orca.meta are ignored",
		Properties:  map[string]*schema{"labels": labels},
	}

	c.Headers["ETag"] = &header{Description: "the resource's generation, quoted: it changes with writes, not with orca's progress", Schema: &schema{Type: "string"}}
	c.Headers["X-Total-Count"] = &header{Description: "matches before limit and offset", Schema: &schema{Type: "integer"}}
	c.Headers["Location"] = &header{Description: "the new resource's path", Schema: &schema{Type: "string"}}
	c.Headers["Retry-After"] = &header{Description: "seconds to wait", Schema: &schema{Type: "integer"}}

	c.Parameters["limit"] = &parameter{Name: "limit", In: "query", Description: "the page size (absent or 0: the largest)",
		Schema: &schema{Type: "integer", Minimum: ptr(int64(0)), Maximum: ptr(int64(g.opts.MaxPageSize))}}
	c.Parameters["offset"] = &parameter{Name: "offset", In: "query", Description: "matches to skip",
		Schema: &schema{Type: "integer", Minimum: ptr(int64(0))}}
	c.Parameters["sort_order"] = &parameter{Name: "sort_order", In: "query", Schema: &schema{Type: "string", Enum: []any{"asc", "desc"}}}
	c.Parameters["filter_id"] = &parameter{Name: "id", In: "query", Description: "only the resource of this ID", Schema: &schema{Type: "string"}}
	c.Parameters["path_id"] = &parameter{Name: "id", In: "path", Required: true, Schema: &schema{Type: "string"}}
	c.Parameters["If-Match"] = &parameter{Name: "If-Match", In: "header",
		Description: "an ETag: the write happens only if the resource is still at that generation (else 412); * or absent: unconditionally",
		Schema:      &schema{Type: "string"}}
	c.Parameters["X-Subject-Token"] = &parameter{Name: "X-Subject-Token", In: "header", Required: true,
		Description: "the token to describe or revoke", Schema: &schema{Type: "string"}}

	errs := map[int]string{
		http.StatusBadRequest:            "bad input: the message, and field, say what",
		http.StatusUnauthorized:          "no token, or one that is unknown or expired",
		http.StatusForbidden:             "not allowed to the caller",
		http.StatusNotFound:              "no such resource, or one of another tenant",
		http.StatusConflict:              "the ID is in use, the resource is referred to, or a concurrent change won",
		http.StatusPreconditionFailed:    "If-Match names a generation the resource has left",
		http.StatusRequestEntityTooLarge: "the body is over the server's limit",
		http.StatusUnsupportedMediaType:  "the body is not application/json",
		http.StatusTooManyRequests:       "too many requests (the server's rate limit, or failed logins); see Retry-After",
		http.StatusNotImplemented:        "not available in this configuration",
		http.StatusServiceUnavailable:    "the store or a dependency is unavailable; see Retry-After",
	}
	for code, desc := range errs {
		r := &response{Description: desc, Content: jsonContent(schemaRef("orca.error"))}
		switch code {
		case http.StatusUnauthorized:
			r.Headers = map[string]*header{"WWW-Authenticate": {Schema: &schema{Type: "string"}, Description: `Keystone uri="/v3"`}}
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			r.Headers = map[string]*header{"Retry-After": {Ref: ref("headers", "Retry-After")}}
		}
		c.Responses[strconv.Itoa(code)] = r
	}
}
