// Package dialect is the toolkit every HTTP surface of orca is built on:
// the seed 000 API (package httpapi) and the seed dialects under
// httpapi/ (trema, waldur, mogan, esc). A dialect package holds only its
// wire shapes and its mapping onto orca kinds; what they all share lives
// here, once:
//
//   - Backend, the small view of the orchestrator a surface programs
//     against (*orca.Orchestrator implements it);
//   - authentication of the caller (X-Auth-Token, "Authorization: Token",
//     HTTP basic) against the same identity providers, with password
//     throttling, and the caller in the request context;
//   - tenancy: who sees which resource (another tenant's answers 404), the
//     tenant a list is confined to, the tenant a new resource gets;
//   - errors: every error becomes a Problem (status, message, field) by its
//     resource code, through a status table a dialect may amend, and the
//     dialect renders the Problem in its own shape;
//   - request bodies: content type, size limit (413), strict JSON decoding
//     whose errors name the field;
//   - query parameters: single values, integers and booleans read strictly,
//     field selections, page windows;
//   - a small router with path parameters, in which a literal segment beats
//     a parameter (/v1/instances/detail vs /v1/instances/{id}), trailing
//     slashes do not matter, and a wrong method is 405 with Allow, all
//     answered in the dialect's error shape;
//   - Wrap: recover from panics (a 500 in the dialect's shape, details
//     logged), count requests in shared Metrics, set nosniff.
//   - Memo: what a surface derives from the records it reads (whole
//     records, a tenant's name), by revision, so that a GET reads keys
//     and decodes only what changed since;
//   - appending JSON without reflection, byte for byte as encoding/json
//     writes it, for the answers served most.
//
// What it promises a dialect: nothing here writes a response except through
// the dialect's Render; no error text of an internal failure reaches a
// client; bad input is always a 4xx that says what was wrong.
package dialect
