package dialect

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/identity"
)

// testRender writes problems as {"status", "message", "field"}.
func testRender(w http.ResponseWriter, _ *http.Request, p *Problem) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(map[string]any{"status": p.Status, "message": p.Message, "field": p.Field})
}

func newKit(t *testing.T, opts *Options) *Kit {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	if opts.Auth == nil {
		opts.Auth = identity.NewTokens(0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	k, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type answer struct {
	Status int
	Body   string
	Allow  string
}

func serve(h http.Handler, method, target string) answer {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	body, _ := io.ReadAll(rec.Body)
	return answer{rec.Code, strings.TrimSpace(string(body)), rec.Header().Get("Allow")}
}

func TestRouter(t *testing.T) {
	k := newKit(t, nil)
	rt := k.NewRouter(testRender, nil)
	echo := func(name string) Endpoint {
		return func(w http.ResponseWriter, r *http.Request) error {
			io.WriteString(w, name+" id="+r.PathValue("id"))
			return nil
		}
	}
	rt.Handle("GET", "/v1/instances", echo("list"))
	rt.Handle("POST", "/v1/instances", echo("create"))
	rt.Handle("GET", "/v1/instances/detail", echo("detail"))
	rt.Handle("GET", "/v1/instances/{id}", echo("show"))
	rt.Handle("DELETE", "/v1/instances/{id}", echo("delete"))
	rt.Handle("PUT", "/v1/instances/{id}/states/power", echo("power"))
	h := rt.Serve()

	for name, tc := range map[string]struct {
		method, target string
		want           answer
	}{
		"collection":                 {"GET", "/v1/instances", answer{200, "list id=", ""}},
		"trailing slash is the same": {"GET", "/v1/instances/", answer{200, "list id=", ""}},
		"literal beats parameter":    {"GET", "/v1/instances/detail", answer{200, "detail id=", ""}},
		"parameter":                  {"GET", "/v1/instances/abc", answer{200, "show id=abc", ""}},
		"escaped slash stays in its segment": {"GET", "/v1/instances/a%2Fb",
			answer{200, "show id=a/b", ""}},
		"deeper route": {"PUT", "/v1/instances/abc/states/power/", answer{200, "power id=abc", ""}},
		"HEAD is GET":  {"HEAD", "/v1/instances/abc", answer{200, "", ""}},
		"unknown path": {"GET", "/v1/instances/abc/nothing", answer{404, `{"field":"","message":"no such path: /v1/instances/abc/nothing","status":404}`, ""}},
		"wrong method on the collection": {"DELETE", "/v1/instances",
			answer{405, `{"field":"","message":"method \"DELETE\" is not allowed here (see the Allow header)","status":405}`, "GET, HEAD, POST"}},
		// detail is a literal: DELETE /v1/instances/detail is not a
		// delete of the instance "detail".
		"wrong method on a literal": {"DELETE", "/v1/instances/detail",
			answer{405, `{"field":"","message":"method \"DELETE\" is not allowed here (see the Allow header)","status":405}`, "GET, HEAD"}},
		"wrong method on an item": {"POST", "/v1/instances/abc",
			answer{405, `{"field":"","message":"method \"POST\" is not allowed here (see the Allow header)","status":405}`, "DELETE, GET, HEAD"}},
	} {
		t.Run(name, func(t *testing.T) {
			got := serve(h, tc.method, tc.target)
			if tc.method == "HEAD" {
				got.Body = ""
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s", tc.method, tc.target, diff)
			}
		})
	}
}

func TestWrapTurnsPanicsIntoRenderedErrors(t *testing.T) {
	var logged strings.Builder
	k := newKit(t, &Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	rt := k.NewRouter(testRender, nil)
	rt.Handle("GET", "/boom", func(http.ResponseWriter, *http.Request) error { panic("secret detail") })
	got := serve(rt.Serve(), "GET", "/boom")
	want := answer{500, `{"field":"","message":"internal error","status":500}`, ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !strings.Contains(logged.String(), "secret detail") {
		t.Errorf("the panic was not logged: %q", logged.String())
	}
	snap := k.Metrics().Snapshot()
	if byStatus := snap["by_status"].(map[string]int64); byStatus["Internal Server Error (500)"] != 1 {
		t.Errorf("metrics %v, want one 500", byStatus)
	}
}
