package openapi

// addIdentity adds Keystone v3's token endpoint as httpapi serves it
// (the password-authentication subset), with its request and answer
// shapes, and the operations endpoints (/healthz, /debug/vars) and this
// document's own path.
func (g *gen) addIdentity() {
	sc := g.doc.Components.Schemas
	obj := func(required []string, props map[string]*schema) *schema {
		return &schema{Type: "object", Required: required, Properties: props}
	}
	strict := func(s *schema) *schema { s.AdditionalProperties = false; return s }
	domain := func() *schema {
		return strict(obj(nil, map[string]*schema{"id": {Type: "string"}, "name": {Type: "string"}}))
	}
	sc["auth.request"] = strict(obj([]string{"auth"}, map[string]*schema{"auth": strict(obj([]string{"identity"}, map[string]*schema{
		"identity": strict(obj([]string{"methods", "password"}, map[string]*schema{
			"methods": {Type: "array", Items: &schema{Type: "string", Enum: []any{"password"}}, Description: `exactly ["password"]`},
			"password": strict(obj([]string{"user"}, map[string]*schema{"user": strict(obj([]string{"password"}, map[string]*schema{
				"id":       {Type: "string", Description: "the user's name, when name is absent"},
				"name":     {Type: "string"},
				"password": {Type: "string", WriteOnly: true},
				"domain":   nullable(domain()),
			}))})),
		})),
		"scope": nullable(strict(obj(nil, map[string]*schema{"project": nullable(strict(obj(nil, map[string]*schema{
			"id": {Type: "string"}, "name": {Type: "string"}, "domain": nullable(domain()),
		})))}))),
	}))}))
	named := func() *schema {
		return obj([]string{"id", "name"}, map[string]*schema{"id": {Type: "string"}, "name": {Type: "string"},
			"domain": obj(nil, map[string]*schema{"id": {Type: "string"}, "name": {Type: "string"}})})
	}
	sc["auth.token"] = obj([]string{"token"}, map[string]*schema{"token": obj(
		[]string{"methods", "expires_at", "issued_at", "user", "project", "roles", "catalog"},
		map[string]*schema{
			"methods":    {Type: "array", Items: &schema{Type: "string"}},
			"expires_at": {Type: "string", Format: "date-time"},
			"issued_at":  {Type: "string", Format: "date-time"},
			"user":       named(),
			"project":    named(),
			"roles":      {Type: "array", Items: named()},
			"catalog":    {Type: "array"},
		})})

	subject := map[string]*header{"X-Subject-Token": {Description: "the token", Schema: &schema{Type: "string"}}}
	anonymous := &[]securityRequirement{}
	tokens := &pathItem{
		Get: &operation{
			OperationID: "validate_token", Summary: "Describe a token",
			Description: "Callers may describe their own token; administrators any.",
			Tags:        []string{"identity"},
			Parameters:  []*parameter{{Ref: ref("parameters", "X-Subject-Token")}},
			Responses: responses(false, map[string]*response{
				"200": {Description: "the token", Headers: subject, Content: jsonContent(schemaRef("auth.token"))},
			}, "403", "404"),
		},
		Delete: &operation{
			OperationID: "revoke_token", Summary: "Revoke a token (log out)",
			Description: "Callers may revoke their own token; administrators any. 501 when tokens come from a Keystone.",
			Tags:        []string{"identity"},
			Parameters:  []*parameter{{Ref: ref("parameters", "X-Subject-Token")}},
			Responses:   responses(false, map[string]*response{"204": {Description: "revoked"}}, "403", "501"),
		},
	}
	if !g.opts.ExternalTokens {
		tokens.Post = &operation{
			OperationID: "issue_token", Summary: "Log in: a password for a token",
			Description: "Keystone v3 password authentication. The token is the X-Subject-Token header; send it as X-Auth-Token. Repeated failures for one user from one address answer 429.",
			Tags:        []string{"identity"},
			Security:    anonymous,
			RequestBody: &requestBody{Required: true, Content: jsonContent(schemaRef("auth.request"))},
			Responses: responses(false, map[string]*response{
				"201": {Description: "a token", Headers: subject, Content: jsonContent(schemaRef("auth.token"))},
			}, "400", "413", "415"),
		}
	}
	g.doc.Paths["/v3/auth/tokens"] = tokens

	free := &schema{Type: "object"}
	g.doc.Paths["/healthz"] = &pathItem{Get: &operation{
		OperationID: "healthz", Summary: "Liveness",
		Description: "Anonymous. With an administrator's token it also describes every location.",
		Tags:        []string{"ops"}, Security: anonymous,
		Responses: map[string]*response{
			"200": {Description: "the store answers", Content: jsonContent(&schema{Type: "object", Required: []string{"status"},
				Properties: map[string]*schema{"status": {Type: "string", Enum: []any{"ok"}}, "orchestrator": free}})},
			"503": {Description: "the store does not answer", Headers: map[string]*header{"Retry-After": {Ref: ref("headers", "Retry-After")}},
				Content: jsonContent(&schema{Type: "object", Required: []string{"status"},
					Properties: map[string]*schema{"status": {Type: "string", Enum: []any{"unavailable"}}}})},
		},
	}}
	g.doc.Paths["/debug/vars"] = &pathItem{Get: &operation{
		OperationID: "debug_vars", Summary: "Counters", Description: "Administrators only: this server's and its orchestrator's counters.",
		Tags:      []string{"ops"},
		Responses: responses(true, map[string]*response{"200": {Description: "counters", Content: jsonContent(free)}}),
	}}
	g.doc.Paths[Path] = &pathItem{Get: &operation{
		OperationID: "openapi", Summary: "This document", Description: "Anonymous: it describes the API and discloses no data.",
		Tags: []string{"ops"}, Security: anonymous,
		Responses: map[string]*response{"200": {Description: "an OpenAPI 3.1 document", Content: jsonContent(free)}},
	}}
}
