package fakewire

import (
	"net/http"
	"time"

	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/resource"
)

// CallerHeader names the caller of a request (Options.Caller): the server
// tags the VIM call with it (fake.WithCaller), so that the location's call
// log tells whose calls were whose when several orchestrators (replicas,
// in other processes) share the fake VIMs.
const CallerHeader = "Fake-Caller"

// callerOf returns the request's caller name: "" when it names none.
// Errors: Invalid for more than one name, or a name that is not ID-like
// (resource.CheckID: what a replica name is), so a log stays readable.
func callerOf(h http.Header) (string, error) {
	names := h.Values(CallerHeader)
	switch {
	case len(names) == 0:
		return "", nil
	case len(names) > 1:
		return "", resource.Errorf(resource.Invalid, "fakewire: %d %s headers (want at most one)", len(names), CallerHeader)
	}
	if err := checkCaller(names[0]); err != nil {
		return "", err
	}
	return names[0], nil
}

func checkCaller(name string) error {
	if err := resource.CheckID(name); err != nil {
		return resource.Errorf(resource.Invalid, "fakewire: bad %s header (a caller name): %v", CallerHeader, err)
	}
	return nil
}

// wireCall is a fake.Call on the wire; times are RFC 3339 with
// nanoseconds, by the server's clock.
type wireCall struct {
	Op     fake.Op   `json:"op"`
	Caller string    `json:"caller"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
}

type callLogResponse struct {
	Calls []wireCall `json:"calls"`
}
