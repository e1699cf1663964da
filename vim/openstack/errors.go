package openstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/orca-nfv/orca/resource"
)

// classify maps an error from gophercloud to a resource code: 404 NotFound;
// 409 Conflict; 400 and 422 Invalid; 401 Unauthorized; 403 and 413
// (quota) Forbidden; 429, 5xx, timeouts and connection failures
// Unavailable. Context errors keep their identity. what says what was
// being done.
func classify(ctx context.Context, err error, what string) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return resource.Errorf(resource.Unavailable, "%s: %w", what, ctxErr)
	}
	// A token renewal that failed: what matters is why the login failed
	// (revoked credentials are Unauthorized). The type does not unwrap.
	var reauth *gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &reauth) && reauth.ErrReauth != nil {
		return classify(ctx, reauth.ErrReauth, what+": renewing the token")
	}
	var code gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &code) {
		msg := fmt.Sprintf("%s: OpenStack answered %d: %s", what, code.Actual, bodyMessage(code.Body))
		switch code.Actual {
		case http.StatusNotFound:
			return resource.Errorf(resource.NotFound, "%s", msg)
		case http.StatusConflict:
			if neutronOverQuota(code.Body) { // Neutron's quota refusal is a 409
				return resource.Errorf(resource.Forbidden, "%s", msg)
			}
			return resource.Errorf(resource.Conflict, "%s", msg)
		case http.StatusBadRequest, http.StatusUnprocessableEntity:
			return resource.Errorf(resource.Invalid, "%s", msg)
		case http.StatusUnauthorized:
			return resource.Errorf(resource.Unauthorized, "%s", msg)
		case http.StatusForbidden, http.StatusRequestEntityTooLarge:
			return resource.Errorf(resource.Forbidden, "%s", msg)
		case http.StatusTooManyRequests:
			return resource.Errorf(resource.Unavailable, "%s", msg)
		}
		if code.Actual >= 500 {
			return resource.Errorf(resource.Unavailable, "%s", msg)
		}
		return resource.Errorf(resource.Unknown, "%s", msg)
	}
	if resource.CodeOf(err) == resource.Forbidden {
		// Refused before it left (a dial guard judging the address):
		// retrying cannot help. Checked before net.Error, which wraps it.
		return resource.Errorf(resource.Forbidden, "%s: %w", what, err)
	}
	var netErr net.Error // *url.Error too: connection refused, timeouts
	if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return resource.Errorf(resource.Unavailable, "%s: %w", what, err)
	}
	var classified *resource.Error
	if errors.As(err, &classified) {
		return err
	}
	return resource.Errorf(resource.Unknown, "%s: %v", what, err)
}

// neutronOverQuota reports whether a body is Neutron's quota refusal:
// {"NeutronError": {"type": "OverQuota", ...}}.
func neutronOverQuota(body []byte) bool {
	var b struct {
		NeutronError struct {
			Type string `json:"type"`
		} `json:"NeutronError"`
	}
	return json.Unmarshal(body, &b) == nil && b.NeutronError.Type == "OverQuota"
}

// bodyMessage shortens an OpenStack error body to its message. Bodies are
// responses, never our requests, so they hold no credentials.
func bodyMessage(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
