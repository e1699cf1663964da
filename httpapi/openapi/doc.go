// Package openapi describes orca's seed 000 API as an OpenAPI 3.1
// document, generated from the kind registry, and serves it at
// /openapi.json. package surfaces mounts it next to the API; an embedder
// that mounts httpapi elsewhere can mount it too (Options.BaseURL).
//
// What it promises: every registered kind has its collection and item
// paths, at its seed path and aliases, with the verbs httpapi routes for
// it; the wrapped bodies ({"network": {...}}, {"networks": [...]}), the
// list parameters (limit, offset, sort_key, sort_order, id and field
// filters), the X-Total-Count, ETag and If-Match headers, the error body
// and statuses, the X-Auth-Token scheme and the identity endpoint
// /v3/auth/tokens. A kind's schema is its spec's fields as the registry
// knows them (type, the kind an ID refers to, mutability, secrets left
// out of answers), their inner shape read from the spec's Go type, and
// the metadata the wire adds. The document is built once, on the first
// request, and served to anyone: it describes, it discloses no data.
//
// What it cannot know: which fields a write requires (a spec's Validate
// decides, in code), nor the values a string field takes where only
// Validate checks them. The verbs per kind mirror httpapi's routeKind;
// the package's tests probe the real handler so the two cannot drift
// apart unnoticed.
package openapi
