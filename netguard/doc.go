// Package netguard keeps the server from being used for server-side request
// forgery (SSRF): every URL orca dials on a user's behalf goes through it.
//
// Its importers are the code that fetches or calls user-supplied URLs: the
// ESC dialect (webhook callbacks), the orchestrator and VIM drivers (image
// sources, day-0 configuration files, file servers, VIM endpoints given by
// members), and cmd/demo, which builds the Policy from flags with
// ParsePrefixes. It depends on the standard library and resource only.
//
// It promises:
//
//   - Policy.Check refuses the loopback, private, link-local (cloud
//     metadata included), CGNAT, multicast, reserved and documentation
//     ranges, in every IPv6 spelling of them (IPv4-mapped, IPv4-compatible,
//     NAT64, 6to4, Teredo), unless the operator allows a prefix explicitly.
//     Deny wins over Allow, Allow over the built-in ranges.
//   - Policy.Control, for net.Dialer.Control, checks the address actually
//     being connected to, after DNS, so a name that resolves (or rebinds) to
//     a refused address is refused too.
//   - Policy.Client returns an *http.Client that dials only through the
//     policy, ignores proxy settings from the environment (a proxy would
//     make the check judge the proxy, not the target), follows no redirect
//     and is bounded in time and header size. No byte of a request, body
//     included, reaches a refused address.
//   - Policy.CheckURL validates a URL before it is stored; names are judged
//     at dial time, IP literals at once.
//   - Refusals are resource.Forbidden and name the address and the range;
//     malformed input is resource.Invalid.
package netguard
