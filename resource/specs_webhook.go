package resource

import (
	"net/http"
	"strings"
)

// MaxWebhookBody bounds a webhook's body.
const MaxWebhookBody = 1 << 20

// Webhook is a message the orchestrator must deliver with an HTTP POST, at
// least once, in order within its stream: ESC's completion callbacks and
// event notifications. It is a record, not a realized resource: the
// orchestrator delivers it through orca.Options.Deliver, removes it once a
// 2xx answer came, retries failures with backoff, and marks it Failed (kept
// for inspection) when it could not be delivered in time. Webhooks carry
// their subject's tenant, so tenants may read their own.
type Webhook struct {
	// URL is where to POST; secret, since its query may hold the
	// receiver's token (the APIs never render it).
	URL string `json:"url" orca:"secret"`
	// Headers are sent with the request (ESC-Status-Code, ...).
	Headers     map[string]string `json:"headers"`
	ContentType string            `json:"content_type"`
	Body        string            `json:"body"`
	// Stream orders deliveries: a webhook is sent only after every
	// webhook of its stream with a lower Seq was delivered or failed.
	// Empty: no order.
	Stream string `json:"stream" orca:"index"`
	// Seq is the webhook's place in its stream; the orchestrator assigns
	// it (increasing in time) when it is 0.
	Seq int64 `json:"seq"`
}

func (s *Webhook) Validate() error {
	var p problems
	p.webURL("url", s.URL, true)
	for k, v := range s.Headers {
		switch {
		case !isToken(k):
			p.add("headers", "%q is not a header name", k)
		case reservedHeaders[http.CanonicalHeaderKey(k)]:
			p.add("headers", "%s is set by the HTTP client, not by a webhook", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			p.add("headers."+k, "a header value cannot hold a line break")
		}
		p.text("headers."+k, v, MaxDescriptionLen)
	}
	if len(s.Headers) > 32 {
		p.add("headers", "%d headers; at most 32", len(s.Headers))
	}
	p.text("content_type", s.ContentType, MaxIDLen)
	if len(s.Body) > MaxWebhookBody {
		p.add("body", "longer than %d bytes", MaxWebhookBody)
	}
	p.text("stream", s.Stream, MaxIDLen)
	if s.Seq < 0 {
		p.add("seq", "must not be negative")
	}
	return p.err()
}

// Dependencies is empty: a webhook outlives what it reports on.
func (s *Webhook) Dependencies() []Ref { return nil }

// reservedHeaders are the transport's to set.
var reservedHeaders = map[string]bool{"Host": true, "Content-Length": true, "Transfer-Encoding": true,
	"Connection": true, "Content-Type": true}

// isToken reports whether s is an HTTP token (RFC 9110), as header names
// are.
func isToken(s string) bool {
	if s == "" || len(s) > 256 {
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
