package netguard

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orca-nfv/orca/resource"
)

func TestDeliverer(t *testing.T) {
	var got atomic.Value
	status := atomic.Int32{}
	status.Store(http.StatusNoContent)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Method + " " + r.URL.Path + " " + r.Header.Get("ESC-Status-Code") + " " + r.Header.Get("Content-Type"))
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	hook := &resource.Webhook{URL: srv.URL + "/cb?token=s3cret", ContentType: "application/xml",
		Headers: map[string]string{"ESC-Status-Code": "200"}, Body: "<tenant/>"}

	// Loopback is refused by default: Forbidden, nothing sent, no token
	// in the error.
	err := (&Policy{}).Deliverer(nil)(t.Context(), hook)
	if resource.CodeOf(err) != resource.Forbidden || strings.Contains(err.Error(), "s3cret") || got.Load() != nil {
		t.Fatalf("to loopback by default: %v (sent: %v)", err, got.Load())
	}
	allow := &Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	if err := allow.Deliverer(nil)(t.Context(), hook); err != nil {
		t.Fatalf("allowed: %v", err)
	}
	if g := got.Load(); g != "POST /cb 200 application/xml" {
		t.Errorf("the receiver saw %v", g)
	}
	for _, code := range []int{http.StatusFound, http.StatusBadRequest, http.StatusServiceUnavailable} {
		status.Store(int32(code))
		err := allow.Deliverer(nil)(t.Context(), hook)
		if resource.CodeOf(err) != resource.Unavailable || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("answered %d: %v, want Unavailable without the URL's query", code, err)
		}
	}
}
