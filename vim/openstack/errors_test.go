package openstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/orca-nfv/orca/resource"
)

func TestClassify(t *testing.T) {
	status := func(code int, body string) error {
		return gophercloud.ErrUnexpectedResponseCode{Actual: code, Body: []byte(body)}
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := map[string]struct {
		ctx  context.Context
		err  error
		want resource.ErrorCode
	}{
		"404":             {err: status(404, `{"itemNotFound": {"code": 404, "message": "Server x could not be found."}}`), want: resource.NotFound},
		"409":             {err: status(409, `{"NeutronError": {"type": "NetworkInUse", "message": "Unable to complete operation on network x."}}`), want: resource.Conflict},
		"409 over quota":  {err: status(409, `{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['network'].", "detail": ""}}`), want: resource.Forbidden},
		"renewal refused": {err: &gophercloud.ErrUnableToReauthenticate{ErrOriginal: status(401, ``), ErrReauth: status(401, `{"error": {"code": 401}}`)}, want: resource.Unauthorized},
		"renewal down":    {err: &gophercloud.ErrUnableToReauthenticate{ErrOriginal: status(401, ``), ErrReauth: status(503, ``)}, want: resource.Unavailable},
		"400":             {err: status(400, `{"badRequest": {"code": 400, "message": "Invalid flavorRef provided."}}`), want: resource.Invalid},
		"422":             {err: status(422, ``), want: resource.Invalid},
		"401":             {err: status(401, `{"error": {"code": 401, "title": "Unauthorized"}}`), want: resource.Unauthorized},
		"403":             {err: status(403, `{"forbidden": {"code": 403, "message": "Quota exceeded for instances"}}`), want: resource.Forbidden},
		"413 quota":       {err: status(413, `{"overLimit": {"code": 413, "message": "Quota exceeded"}}`), want: resource.Forbidden},
		"429":             {err: status(429, ``), want: resource.Unavailable},
		"500":             {err: status(500, ``), want: resource.Unavailable},
		"503":             {err: status(503, ``), want: resource.Unavailable},
		"418":             {err: status(418, ``), want: resource.Unknown},
		"refused":         {err: &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, want: resource.Unavailable},
		"dial guard": {err: &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial",
			Err: resource.Errorf(resource.Forbidden, "address 169.254.169.254 is refused: link-local")}}, want: resource.Forbidden},
		"deadline":        {err: fmt.Errorf("wrapped: %w", context.DeadlineExceeded), want: resource.Unavailable},
		"cancelled ctx":   {ctx: cancelled, err: errors.New("anything"), want: resource.Unavailable},
		"already classed": {err: resource.Errorf(resource.Forbidden, "no"), want: resource.Forbidden},
		"other":           {err: errors.New("something odd"), want: resource.Unknown},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			got := classify(ctx, tc.err, "testing")
			if resource.CodeOf(got) != tc.want {
				t.Errorf("classify(%v) = %v (%v), want %v", tc.err, resource.CodeOf(got), got, tc.want)
			}
			if !strings.HasPrefix(got.Error(), "testing") && name != "already classed" {
				t.Errorf("the message does not say what was being done: %v", got)
			}
		})
	}
	if classify(context.Background(), nil, "x") != nil {
		t.Error("classify(nil) is not nil")
	}
	long := status(500, strings.Repeat("x", 1000))
	if msg := classify(context.Background(), long, "x").Error(); len(msg) > 400 {
		t.Errorf("a long body is not shortened: %d bytes", len(msg))
	}
}

// TestAddressHeldIsRetryable: Nova's refusal of a fixed IP another
// instance holds is retried (the holder may be being deleted); other 400s
// stay Invalid.
func TestAddressHeldIsRetryable(t *testing.T) {
	held := resource.Errorf(resource.Invalid, "creating server: OpenStack answered 400: Fixed IP address 10.1.0.9 is already in use on instance 6c1e.")
	if got := addressHeld(held); resource.CodeOf(got) != resource.Unavailable {
		t.Errorf("held address: %v, want Unavailable", got)
	}
	other := resource.Errorf(resource.Invalid, "creating server: OpenStack answered 400: Invalid imageRef provided.")
	if got := addressHeld(other); resource.CodeOf(got) != resource.Invalid {
		t.Errorf("other 400: %v, want Invalid", got)
	}
}
