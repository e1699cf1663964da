package dialect

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

func TestProblemOf(t *testing.T) {
	var logged strings.Builder
	k := newKit(t, &Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	r := httptest.NewRequest("GET", "/x", nil)
	type problem struct {
		Status     int
		Code       resource.ErrorCode
		Field, Msg string
		RetryAfter string
	}
	trema := DefaultStatuses().With(resource.Invalid, http.StatusUnprocessableEntity)
	for name, tc := range map[string]struct {
		err      error
		statuses Statuses
		want     problem
	}{
		"not found": {resource.Errorf(resource.NotFound, "network %q not found", "n1"), nil,
			problem{404, resource.NotFound, "", `network "n1" not found`, ""}},
		"invalid names its field": {resource.InvalidField("cidr", "bad"), nil,
			problem{400, resource.Invalid, "cidr", "cidr: bad", ""}},
		"a dialect's own status": {resource.InvalidField("description", "too long"), trema,
			problem{422, resource.Invalid, "description", "description: too long", ""}},
		"unavailable asks to retry": {resource.Errorf(resource.Unavailable, "store is closed"), nil,
			problem{503, resource.Unavailable, "", "store is closed", "5"}},
		"an HTTP status": {Status(http.StatusUnsupportedMediaType, "json only"), nil,
			problem{415, resource.Invalid, "", "json only", ""}},
		"throttled": {TooManyRequests(0, "slow down"), nil,
			problem{429, resource.Invalid, "", "slow down", "1"}},
		"internal errors say nothing": {errors.New("dial tcp 10.0.0.1:5432: refused"), nil,
			problem{500, resource.Unknown, "", "internal error", ""}},
	} {
		t.Run(name, func(t *testing.T) {
			p := k.ProblemOf(r, tc.err, tc.statuses)
			got := problem{p.Status, p.Code, p.Field, p.Message, p.Header.Get("Retry-After")}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if !strings.Contains(logged.String(), "10.0.0.1:5432") {
		t.Errorf("the internal error was not logged: %q", logged.String())
	}
}
