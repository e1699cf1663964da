package resource_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/orca-nfv/orca/resource"
)

func TestCodeOf(t *testing.T) {
	tests := map[string]struct {
		err  error
		want resource.ErrorCode
	}{
		"nil":              {nil, resource.Unknown},
		"plain":            {io.EOF, resource.Unknown},
		"errorf":           {resource.Errorf(resource.NotFound, "network %q", "n1"), resource.NotFound},
		"wrapped":          {fmt.Errorf("get: %w", resource.Errorf(resource.Conflict, "stale")), resource.Conflict},
		"sentinel":         {resource.ErrForbidden, resource.Forbidden},
		"wrapped sentinel": {fmt.Errorf("x: %w", resource.ErrUnimplemented), resource.Unimplemented},
		"invalid field":    {resource.InvalidField("cidr", "bad"), resource.Invalid},
		"wrap":             {resource.Wrap(resource.Unauthorized, io.EOF), resource.Unauthorized},
		"deadline":         {fmt.Errorf("call: %w", context.DeadlineExceeded), resource.Unavailable},
		"canceled":         {context.Canceled, resource.Unavailable},
		"outer code wins":  {resource.Wrap(resource.Invalid, resource.Errorf(resource.NotFound, "x")), resource.Invalid},
		"joined":           {errors.Join(io.EOF, resource.ErrConflict), resource.Conflict},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := resource.CodeOf(tc.err); got != tc.want {
				t.Errorf("CodeOf(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestErrorsIs(t *testing.T) {
	sentinels := map[resource.ErrorCode]error{
		resource.NotFound: resource.ErrNotFound, resource.Conflict: resource.ErrConflict,
		resource.Invalid: resource.ErrInvalid, resource.Unavailable: resource.ErrUnavailable,
		resource.Unauthorized: resource.ErrUnauthorized, resource.Forbidden: resource.ErrForbidden,
		resource.Unimplemented: resource.ErrUnimplemented,
	}
	for code, s := range sentinels {
		err := fmt.Errorf("layer: %w", resource.Errorf(code, "something"))
		for other, o := range sentinels {
			if got := errors.Is(err, o); got != (other == code) {
				t.Errorf("errors.Is(%v error, Err%v) = %v", code, other, got)
			}
		}
		if resource.CodeOf(s) != code {
			t.Errorf("CodeOf(Err%v) = %v", code, resource.CodeOf(s))
		}
	}
	cause := io.ErrUnexpectedEOF
	err := resource.Errorf(resource.Unavailable, "reading: %w", cause)
	if !errors.Is(err, cause) {
		t.Error("Errorf lost the %w cause")
	}
	if err.Error() != "reading: unexpected EOF" {
		t.Errorf("message = %q", err.Error())
	}
	if got := (&resource.Error{Code: resource.NotFound}).Error(); got != "notfound" {
		t.Errorf("empty Error message = %q", got)
	}
	if resource.Wrap(resource.Invalid, nil) != nil {
		t.Error("Wrap(nil) != nil")
	}
}

func TestErrorCodeStrings(t *testing.T) {
	for code, want := range map[resource.ErrorCode]string{
		resource.Unknown: "Unknown", resource.Unimplemented: "Unimplemented", resource.ErrorCode(99): "ErrorCode(99)",
	} {
		if got := code.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(code), got, want)
		}
	}
	for code, want := range map[resource.ErrorCode]bool{
		resource.Unknown: true, resource.Conflict: true, resource.Unavailable: true,
		resource.NotFound: false, resource.Invalid: false, resource.Forbidden: false,
		resource.Unauthorized: false, resource.Unimplemented: false,
	} {
		if got := code.Retryable(); got != want {
			t.Errorf("%v.Retryable() = %v, want %v", code, got, want)
		}
	}
}
