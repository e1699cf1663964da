// Package fuzzreq turns a fuzzer's bytes into request headers for the API
// surfaces' fuzz targets (httpapi's and each dialect's fuzz_test.go import
// it): "Name: value" lines, as any client could send them. It imports
// only the standard library, so that httpapi's own tests may use it.
package fuzzreq

import (
	"net/http"
	"strings"
)

// transport are headers net/http reads before any handler does (framing,
// the host): setting them on an in-process request would test nothing a
// client can reach.
var transport = map[string]bool{"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true, "Trailer": true}

// SetHeaders applies spec's lines ("Name: value", one a line) to h, each
// replacing what h had (an empty value too: a client may send one). Lines a server
// refuses before any handler sees them (a name that is not a token, a
// value with control characters) and framing headers are skipped. It
// returns the canonical names it set.
func SetHeaders(h http.Header, spec string) []string {
	var names []string
	for _, line := range strings.Split(spec, "\n") {
		name, value, ok := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		value = strings.TrimSpace(value)
		if !ok || !token(name) || !fieldValue(value) {
			continue
		}
		name = http.CanonicalHeaderKey(name)
		if transport[name] {
			continue
		}
		h[name] = []string{value}
		names = append(names, name)
	}
	return names
}

// token reports whether s is an RFC 9110 token, as a header name must be.
func token(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// fieldValue reports whether net/http's server would accept s as a
// header value: no control characters but tab.
func fieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
