package osfake

import (
	"net/http"
	"strconv"
	"strings"
)

// errorReply renders an error the way the service does:
//
//   - Keystone: {"error": {"code", "message", "title"}}
//   - Nova and Cinder: {"itemNotFound": {"code", "message"}}, keyed by the
//     status
//   - Neutron: {"NeutronError": {"type", "message", "detail"}}
//   - Glance: a webob HTML page
//   - Heat: {"code", "title", "explanation", "error": {"type", "traceback",
//     "message"}}
//
// typ is Neutron's and Heat's error type.
func errorReply(svc service, status int, msg, typ string) *reply {
	title := http.StatusText(status)
	switch svc {
	case svcIdentity, svcNone:
		return jsonReply(status, map[string]any{"error": map[string]any{"code": status, "message": msg, "title": title}})
	case svcCompute:
		rep := jsonReply(status, map[string]any{novaFaultName(status): map[string]any{"code": status, "message": msg}})
		return rep.set("Content-Type", "application/json; charset=UTF-8")
	case svcVolume: // Cinder's faults are Nova's, but plain JSON
		return jsonReply(status, map[string]any{novaFaultName(status): map[string]any{"code": status, "message": msg}})
	case svcNetwork:
		if typ == "" {
			typ = "HTTP" + title
		}
		return jsonReply(status, map[string]any{"NeutronError": map[string]any{"type": typ, "message": msg, "detail": ""}})
	case svcImage:
		return htmlReply(status, pyEscape(msg))
	case svcOrchestration:
		if typ == "" {
			typ = "HTTP" + title
		}
		return jsonReply(status, map[string]any{"code": status, "title": title, "explanation": explanation(status),
			"error": map[string]any{"type": typ, "traceback": nil, "message": msg}})
	}
	return jsonReply(status, map[string]any{"error": msg})
}

// pyEscape escapes HTML as Python's html.escape does (Glance's pages are
// escaped so): ' becomes &#x27;, where Go writes &#39;.
func pyEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(s)
}

// htmlReply is webob's error page, as Glance (and Heat's redirects and
// 202s) send it. detail is HTML already.
func htmlReply(status int, detail string) *reply {
	head := strconv.Itoa(status) + " " + http.StatusText(status)
	b := "<html>\n <head>\n  <title>" + head + "</title>\n </head>\n <body>\n  <h1>" + head + "</h1>\n  " +
		detail + "<br /><br />\n\n\n\n </body>\n</html>"
	return (&reply{status: status, body: []byte(b)}).set("Content-Type", "text/html; charset=UTF-8")
}

// novaFaultName is the key of Nova's (and Cinder's) error body for a
// status.
func novaFaultName(status int) string {
	switch status {
	case 400:
		return "badRequest"
	case 401:
		return "unauthorized"
	case 403:
		return "forbidden"
	case 404:
		return "itemNotFound"
	case 405:
		return "badMethod"
	case 409:
		return "conflictingRequest"
	case 413, 429:
		return "overLimit"
	case 415:
		return "badMediaType"
	case 501:
		return "notImplemented"
	case 503:
		return "serviceUnavailable"
	}
	return "computeFault"
}

// webob401 is webob's explanation of a 401.
const webob401 = "This server could not verify that you are authorized to access the document you requested. " +
	"Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand " +
	"how to supply the credentials required."

// explanation is webob's explanation of a status, which Heat's error
// bodies carry.
func explanation(status int) string {
	switch status {
	case 400:
		return "The server could not comply with the request since it is either malformed or otherwise incorrect."
	case 401:
		return webob401
	case 403:
		return "Access was denied to this resource."
	case 404:
		return "The resource could not be found."
	case 409:
		return "There was a conflict when trying to complete your request."
	case 413:
		return "The body of your request was too large for this server."
	case 500:
		return "The server has either erred or is incapable of performing the requested operation."
	case 502:
		return "Bad gateway."
	case 503:
		return "The server is currently unavailable. Please try again at a later time."
	}
	return http.StatusText(status)
}

// unauthorizedReply is keystonemiddleware's answer to a missing, unknown
// or expired token: JSON for Nova, Neutron and Heat, webob's HTML for
// Glance, with the WWW-Authenticate header pointing at Keystone.
func unauthorizedReply(svc service, authURL string) *reply {
	var rep *reply
	if svc == svcImage {
		rep = htmlReply(http.StatusUnauthorized, webob401)
	} else {
		rep = jsonReply(http.StatusUnauthorized, map[string]any{"error": map[string]any{
			"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}})
	}
	return rep.set("WWW-Authenticate", `Keystone uri="`+authURL+`"`)
}

// unauthorized answers a service request without a valid token. Callers
// hold s.mu.
func (s *Server) unauthorized(svc service) *reply {
	return unauthorizedReply(svc, s.url+prefixIdentity)
}
