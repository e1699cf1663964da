// Package resource defines orca's nouns: kinds, references, resources with
// their desired state (Spec) and observed state (Status), the kind registry,
// and the error codes every layer shares.
//
// Everything else imports it: stores persist Resources, VIM drivers realize
// them, the reconciler moves them through their Phases and the HTTP layers
// render them. It depends on the standard library only.
//
// It promises:
//
//   - One Go spec struct per kind, with the seed's JSON field names, defaults
//     (Defaulter) and validation (Spec.Validate returns one Invalid error
//     naming every bad field).
//   - A Registry that knows each kind's wire spellings (as the seeds spell
//     them, irregular ones included), scope, parent, local counterpart,
//     reference fields and mutable fields. Embedders Register their own kinds
//     next to NewBuiltinRegistry's.
//   - Registry.Encode: the single normalization and validation path every
//     store write takes, so no backend can store an invalid resource.
//   - Error codes (CodeOf) and sentinels for errors.Is: callers branch on
//     codes, never on message text.
package resource
