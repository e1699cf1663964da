package netguard

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/orca-nfv/orca/resource"
)

// Deliverer returns the function orca.Options.Deliver takes: it POSTs a
// webhook through the policy's client. A 2xx answer is a delivery; a
// refused destination is Forbidden (the orchestrator gives up at once);
// anything else (no answer, a 3xx, 4xx or 5xx) is Unavailable and retried.
// Errors name the destination's host only: a URL's path or query may hold
// a token, and errors are logged.
func (p *Policy) Deliverer(opts *ClientOptions) func(ctx context.Context, w *resource.Webhook) error {
	client := p.Client(opts)
	return func(ctx context.Context, w *resource.Webhook) error {
		u, err := p.CheckURL(w.URL)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(w.Body))
		if err != nil {
			return resource.Errorf(resource.Invalid, "a webhook to %s cannot be sent: %v", u.Host, err)
		}
		for k, v := range w.Headers {
			req.Header[k] = []string{v} // as given: ESC's receivers read ESC_TRANSACTION_ID as spelled
		}
		if w.ContentType != "" {
			req.Header.Set("Content-Type", w.ContentType)
		}
		resp, err := client.Do(req)
		if err != nil {
			var refused *resource.Error
			if errors.As(err, &refused) && refused.Code == resource.Forbidden {
				return resource.Errorf(resource.Forbidden, "webhook to %s: %v", u.Host, refused)
			}
			var reason string
			switch {
			case errors.Is(err, context.DeadlineExceeded):
				reason = "no answer in time"
			default:
				reason = "the connection failed"
			}
			return resource.Errorf(resource.Unavailable, "webhook to %s: %s", u.Host, reason)
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return resource.Errorf(resource.Unavailable, "webhook to %s: answered %s", u.Host, resp.Status)
		}
		return nil
	}
}
