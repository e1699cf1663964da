package contrail

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// maxErrorBody bounds how much of an error body goes into an error.
const maxErrorBody = 512

// do sends one request (path may carry a query) and decodes a 2xx JSON
// answer into out. Every failure is classified here, at the boundary. With
// a TokenSource, a 401 gets one retry with a fresh token; nothing else is
// retried.
func (d *Driver) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return resource.Errorf(resource.Invalid, "contrail: encoding %s %s: %v", method, opPath(path), err)
		}
	}
	tok, err := d.currentToken(ctx)
	if err != nil {
		return err
	}
	status, resp, err := d.send(ctx, method, path, body, tok)
	if err == nil && status == http.StatusUnauthorized && d.tokens != nil {
		if tok, err = d.freshToken(ctx, tok); err != nil {
			return err
		}
		status, resp, err = d.send(ctx, method, path, body, tok)
	}
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return statusError(method, path, status, resp)
	}
	if out != nil && len(bytes.TrimSpace(resp)) > 0 {
		if err := json.Unmarshal(resp, out); err != nil {
			return resource.Errorf(resource.Unavailable, "contrail: %s %s: unreadable answer: %v", method, opPath(path), err)
		}
	}
	return nil
}

// send makes one HTTP exchange and returns the status and body.
func (d *Driver) send(ctx context.Context, method, path string, body []byte, tok string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, rd)
	if err != nil {
		return 0, nil, resource.Errorf(resource.Invalid, "contrail: %s %s: %v", method, opPath(path), err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("X-Auth-Token", tok)
	}
	res, err := d.hc.Do(req)
	if err != nil {
		// Connection errors, timeouts and context ends; %w keeps
		// errors.Is(err, context.Canceled) working. A dial guard's
		// refusal stays Forbidden: retrying cannot help.
		code := resource.Unavailable
		if resource.CodeOf(err) == resource.Forbidden {
			code = resource.Forbidden
		}
		return 0, nil, resource.Errorf(code, "contrail: %s %s: %w", method, opPath(path), err)
	}
	defer res.Body.Close()
	limit := int64(64 << 20)
	if res.StatusCode/100 != 2 {
		limit = maxErrorBody
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, limit))
	if err != nil && res.StatusCode/100 == 2 {
		return 0, nil, resource.Errorf(resource.Unavailable, "contrail: %s %s: reading the answer: %w", method, opPath(path), err)
	}
	return res.StatusCode, b, nil
}

// statusError classifies a non-2xx answer. Contrail's error bodies are
// plain text (bottle's abort message), so the body is only quoted.
func statusError(method, path string, status int, body []byte) error {
	var code resource.ErrorCode
	switch {
	case status == http.StatusBadRequest:
		code = resource.Invalid
	case status == http.StatusUnauthorized:
		code = resource.Unauthorized
	case status == http.StatusForbidden:
		code = resource.Forbidden
	case status == http.StatusNotFound:
		code = resource.NotFound
	case status == http.StatusConflict:
		code = resource.Conflict
	case status >= 500, status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		code = resource.Unavailable
	case status >= 400:
		code = resource.Invalid
	default:
		code = resource.Unknown
	}
	msg := strings.TrimSpace(string(body))
	return resource.Errorf(code, "contrail: %s %s: %d %s: %s", method, opPath(path), status, http.StatusText(status), msg)
}

// opPath is a request path without its query, for messages.
func opPath(path string) string {
	p, _, _ := strings.Cut(path, "?")
	return p
}

// currentToken returns the token to send, fetching the first one; "" in
// no-auth mode.
func (d *Driver) currentToken(ctx context.Context) (string, error) {
	if d.tokens == nil {
		return "", nil
	}
	return d.freshToken(ctx, "")
}

// freshToken returns a token other than stale, asking the source when the
// kept one is stale (or none is kept). Fetches are serialised, so a burst
// of 401s for one expired token asks the source once.
func (d *Driver) freshToken(ctx context.Context, stale string) (string, error) {
	d.tokMu.Lock()
	defer d.tokMu.Unlock()
	if d.token != "" && d.token != stale {
		return d.token, nil
	}
	tok, err := d.tokens.Token(ctx)
	switch {
	case err != nil && resource.CodeOf(err) != resource.Unknown:
		return "", resource.Wrap(resource.CodeOf(err), err)
	case err != nil:
		return "", resource.Errorf(resource.Unauthorized, "contrail: getting a token: %w", err)
	case tok == "":
		return "", resource.Errorf(resource.Unauthorized, "contrail: the token source gave an empty token")
	}
	d.token = tok
	return tok, nil
}
