// Package ui serves orca's status pages at /ui/: plain HTML from
// html/template and one embedded stylesheet, no script. package surfaces
// mounts it next to the APIs (so cmd/demo serves it); an embedder can
// mount New's handler at /ui/ over its own Backend and Kit.
//
// Pages:
//
//	/ui/login                      sign in (POST: user, password, csrf)
//	/ui/logout                     sign out (POST: csrf)
//	/ui/                           locations: phase, message; for
//	                               administrators also VIM latency, calls,
//	                               errors (as /healthz shows them only to
//	                               them); the tenants one may look at
//	/ui/tenants/{t}                tenant t's global resources (rows) by
//	                               location (columns), each cell the phase
//	                               of the copy there, with counts per phase
//	/ui/tenants/{t}/deployments    t's deployments, their VM groups and VMs
//	/ui/resources/{kind}/{id}      one resource: its state, each copy's
//	                               status, task status, message and output
//	                               (and its location's state), the event
//	                               history of it and its copies, its spec
//
// What it promises:
//
//   - Sign-in is the API's: the same users and password check through
//     the kit's login throttle (kit.CheckPassword, as POST
//     /v3/auth/tokens). A session is a token of the API's issuer
//     (identity.Tokens: Options.Tokens, else the kit's) in a cookie,
//     HttpOnly, SameSite=Strict, Path=/ui/, Secure over TLS. So it is
//     kept as tokens are (as a digest; with a shared session store, in
//     the database): behind a load balancer it works at every replica,
//     and it ends at sign-out (everywhere, within the tokens' Recheck)
//     or with the token's TTL. The cookie's value is an API token of the
//     same user; HttpOnly and the pages' ban on scripts keep it out of
//     page content.
//   - Every form carries a CSRF token: the session's, an HMAC of its
//     token (so every replica derives the same, and another origin,
//     which cannot read the cookie, cannot); on the sign-in form, one
//     also set in a cookie. A POST without the right one is 403 and
//     changes nothing.
//   - Tenancy is the API's (dialect's Fetch, ListTenant): members see
//     their own tenant only, and another tenant's page or resource is 404,
//     as if it did not exist; administrators see every tenant. Fields the
//     registry marks secret are never shown.
//   - Everything shown is escaped by html/template, and pages forbid
//     scripts outright (Content-Security-Policy), so a name like
//     <script>…</script> shows as text.
//   - Pages reload themselves every Options.RefreshSeconds with a meta
//     refresh, which a link on the page pauses (?refresh=off): every page
//     works without JavaScript.
//   - Bad input is a 4xx page saying what was wrong; internal errors are
//     logged by the kit and shown as "internal error".
package ui
