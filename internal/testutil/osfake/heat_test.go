package osfake

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/orchestration/v1/stacks"
)

const greetingTemplate = "heat_template_version: 2018-08-31\n" +
	"parameters:\n  greeting: {type: string, default: hi}\n" +
	"resources: {}\n" +
	"outputs:\n  greeting: {value: {get_param: greeting}}\n"

// noRedirects is a client that shows redirects instead of following them.
func noRedirects(c *client) *http.Client {
	hc := *c.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

type stackState struct {
	Status, Reason string
	Greeting       any
	Tags           any
}

func (c *client) stackState(name, id string) stackState {
	c.t.Helper()
	s := get(c.must(http.StatusOK, http.MethodGet, c.heatPath("/stacks/"+name+"/"+id), nil), "stack")
	var greeting any
	for _, o := range get(s, "outputs").([]any) {
		if str2(o, "output_key") == "greeting" {
			greeting = get(o, "output_value")
		}
	}
	return stackState{str2(s, "stack_status"), str2(s, "stack_status_reason"), greeting, get(s, "tags")}
}

// TestStackLifecycle: create, find (302), update, delete, each in progress
// until Step.
func TestStackLifecycle(t *testing.T) {
	srv, c := newFake(t, nil)
	r := c.do(http.MethodPost, c.heatPath("/stacks"), map[string]any{"stack_name": "web", "template": greetingTemplate,
		"parameters": map[string]any{"greeting": "hello"}, "tags": "a-1,b-2", "timeout_mins": 60})
	if r.status != http.StatusCreated {
		t.Fatalf("create = %d %s", r.status, r.body)
	}
	id := str2(r.json(t), "stack", "id")
	canonical := srv.URL() + c.heatPath("/stacks/web/"+id)
	if r.header.Get("Location") != canonical || str2(r.json(t), "stack", "links", 0, "href") != canonical {
		t.Errorf("Location %q, links %v", r.header.Get("Location"), r.json(t))
	}

	find := func(nameOrID string) (int, string) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL()+c.heatPath("/stacks/"+nameOrID), nil)
		req.Header.Set("X-Auth-Token", c.token)
		resp, err := noRedirects(c).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	for _, key := range []string{"web", id} {
		if s, loc := find(key); s != http.StatusFound || loc != canonical {
			t.Errorf("find %s = %d %q, want 302 to %s", key, s, loc, canonical)
		}
	}
	// Followed, the redirect lands on the stack.
	if got := str2(c.must(http.StatusOK, http.MethodGet, c.heatPath("/stacks/web"), nil), "stack", "id"); got != id {
		t.Errorf("following the redirect gave %q", got)
	}

	tags := []any{"a-1", "b-2"}
	steps := []struct {
		name    string
		do      func() int
		status  int
		during  stackState
		stepped stackState
	}{
		{"create", func() int { return 0 }, 0,
			stackState{"CREATE_IN_PROGRESS", "Stack CREATE started", "hello", tags},
			stackState{"CREATE_COMPLETE", "Stack CREATE completed successfully", "hello", tags}},
		{"PUT", func() int {
			return c.do(http.MethodPut, c.heatPath("/stacks/web/"+id), map[string]any{"template": greetingTemplate,
				"parameters": map[string]any{"greeting": "bye"}, "tags": "a-1,c-3"}).status
		}, 202,
			stackState{"UPDATE_IN_PROGRESS", "Stack UPDATE started", "bye", []any{"a-1", "c-3"}},
			stackState{"UPDATE_COMPLETE", "Stack UPDATE completed successfully", "bye", []any{"a-1", "c-3"}}},
		{"PATCH keeps the template and tags", func() int {
			return c.do(http.MethodPatch, c.heatPath("/stacks/web/"+id), map[string]any{"parameters": map[string]any{"greeting": "patched"}}).status
		}, 202,
			stackState{"UPDATE_IN_PROGRESS", "Stack UPDATE started", "patched", []any{"a-1", "c-3"}},
			stackState{"UPDATE_COMPLETE", "Stack UPDATE completed successfully", "patched", []any{"a-1", "c-3"}}},
		{"PUT without template", func() int {
			return c.do(http.MethodPut, c.heatPath("/stacks/web/"+id), map[string]any{"parameters": map[string]any{}}).status
		}, 400,
			stackState{"UPDATE_COMPLETE", "Stack UPDATE completed successfully", "patched", []any{"a-1", "c-3"}},
			stackState{"UPDATE_COMPLETE", "Stack UPDATE completed successfully", "patched", []any{"a-1", "c-3"}}},
		{"delete", func() int { return c.do(http.MethodDelete, c.heatPath("/stacks/web/"+id), nil).status }, 204,
			stackState{"DELETE_IN_PROGRESS", "Stack DELETE started", "patched", []any{"a-1", "c-3"}},
			stackState{"DELETE_COMPLETE", "Stack DELETE completed successfully", "patched", []any{"a-1", "c-3"}}},
	}
	for _, st := range steps {
		if s := st.do(); s != st.status {
			t.Errorf("%s = %d, want %d", st.name, s, st.status)
		}
		if diff := cmp.Diff(st.during, c.stackState("web", id)); diff != "" {
			t.Errorf("%s: before Step (-want +got):\n%s", st.name, diff)
		}
		srv.Step()
		if diff := cmp.Diff(st.stepped, c.stackState("web", id)); diff != "" {
			t.Errorf("%s: after Step (-want +got):\n%s", st.name, diff)
		}
	}
	// Deleted: the name finds nothing, the list omits it, the ID still
	// shows it, and the name is free again.
	r = c.do(http.MethodGet, c.heatPath("/stacks/web"), nil)
	if r.status != http.StatusNotFound || str2(r.json(t), "error", "message") != "The Stack (web) could not be found." ||
		str2(r.json(t), "error", "type") != "EntityNotFound" || str2(r.json(t), "explanation") != "The resource could not be found." {
		t.Errorf("find after delete = %d %s", r.status, r.body)
	}
	if n := len(get(c.must(http.StatusOK, http.MethodGet, c.heatPath("/stacks"), nil), "stacks").([]any)); n != 0 {
		t.Errorf("%d stacks listed after delete", n)
	}
	if r := c.do(http.MethodDelete, c.heatPath("/stacks/web/"+id), nil); r.status != http.StatusNotFound {
		t.Errorf("delete again = %d", r.status)
	}
	c.must(http.StatusCreated, http.MethodPost, c.heatPath("/stacks"), map[string]any{"stack_name": "web", "template": greetingTemplate})
}

// TestBreakStack: a stack's action fails, creating or deleting.
func TestBreakStack(t *testing.T) {
	srv, c := newFake(t, nil)
	id := str2(c.must(http.StatusCreated, http.MethodPost, c.heatPath("/stacks"), map[string]any{"stack_name": "s", "template": greetingTemplate}), "stack", "id")
	got := map[string]stackState{}
	if err := srv.BreakStack(id, "Resource CREATE failed: boom"); err != nil {
		t.Fatal(err)
	}
	srv.Step() // a failed action stays failed
	got["create"] = c.stackState("s", id)
	c.must(http.StatusNoContent, http.MethodDelete, c.heatPath("/stacks/s/"+id), nil)
	if err := srv.BreakStack(id, "Resource DELETE failed: stuck"); err != nil {
		t.Fatal(err)
	}
	got["delete"] = c.stackState("s", id)
	want := map[string]stackState{
		"create": {"CREATE_FAILED", "Resource CREATE failed: boom", "hi", nil},
		"delete": {"DELETE_FAILED", "Resource DELETE failed: stuck", "hi", nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := srv.BreakStack("nope", "x"); err == nil {
		t.Error("BreakStack of an unknown stack succeeded")
	}
}

func TestStackRefusals(t *testing.T) {
	_, c := newFake(t, nil)
	c.must(http.StatusCreated, http.MethodPost, c.heatPath("/stacks"), map[string]any{"stack_name": "taken", "template": greetingTemplate})
	required := "heat_template_version: 2018-08-31\nparameters:\n  size: {type: number}\n"
	tests := map[string]struct {
		body          map[string]any
		status        int
		typ, contains string
	}{
		"undeclared parameter": {map[string]any{"stack_name": "s", "template": greetingTemplate, "parameters": map[string]any{"k": "v"}},
			400, "UnknownUserParameter", "The Parameter (k) was not defined in template."},
		"missing parameter": {map[string]any{"stack_name": "s", "template": required}, 400, "UserParameterMissing", "The Parameter (size) was not provided."},
		"not a number": {map[string]any{"stack_name": "s", "template": required, "parameters": map[string]any{"size": "big"}},
			400, "StackValidationFailed", "Parameter 'size' is invalid"},
		"bad name": {map[string]any{"stack_name": "1bad", "template": greetingTemplate}, 400, "StackValidationFailed",
			"Invalid stack name 1bad must contain only alphanumeric or \"_-.\" characters, must start with alpha and must be 255 characters or less."},
		"name taken":  {map[string]any{"stack_name": "taken", "template": greetingTemplate}, 409, "StackExists", "The Stack (taken) already exists."},
		"no template": {map[string]any{"stack_name": "s"}, 400, "HTTPBadRequest", "No template specified"},
		"not YAML":    {map[string]any{"stack_name": "s", "template": "foo: ["}, 400, "HTTPBadRequest", "Template not in valid format"},
		"no version":  {map[string]any{"stack_name": "s", "template": "resources: {}\n"}, 400, "InvalidTemplateVersion", "Template format version not found."},
		"unknown version": {map[string]any{"stack_name": "s", "template": "heat_template_version: 2099-01-01\n"}, 400,
			"InvalidTemplateVersion", "The template version is invalid"},
		"unknown section": {map[string]any{"stack_name": "s", "template": "heat_template_version: 2018-08-31\nfrobs: {}\n"}, 400,
			"InvalidTemplateSection", "The template section is invalid: frobs"},
	}
	for name, tc := range tests {
		r := c.do(http.MethodPost, c.heatPath("/stacks"), tc.body)
		b := r.json(t)
		if r.status != tc.status || str2(b, "error", "type") != tc.typ || !strings.Contains(str2(b, "error", "message"), tc.contains) ||
			b["code"] != float64(tc.status) || b["title"] != http.StatusText(tc.status) {
			t.Errorf("%s = %d %s, want %d %s %q", name, r.status, r.body, tc.status, tc.typ, tc.contains)
		}
	}
	r := c.do(http.MethodGet, "/heat-api/v1/someone-else/stacks", nil)
	if r.status != http.StatusForbidden {
		t.Errorf("another project's stacks = %d", r.status)
	}
}

func TestStackOutputs(t *testing.T) {
	_, c := newFake(t, nil)
	tests := map[string]struct {
		template string
		params   map[string]any
		want     map[string]any
	}{
		"get_param, given and default": {"heat_template_version: 2018-08-31\nparameters:\n  a: {type: string, default: x}\n  b: {type: string, default: y}\n" +
			"outputs:\n  a: {value: {get_param: a}}\n  b:\n    description: the b\n    value: {get_param: b}\n",
			map[string]any{"a": "given"}, map[string]any{"a": "given", "b": "y"}},
		"typed parameters": {"heat_template_version: 2018-08-31\nparameters:\n  n: {type: number, default: 3}\n  l: {type: comma_delimited_list, default: 'p,q'}\n" +
			"  j: {type: json, default: {k: v}}\n  flag: {type: boolean, default: false}\n" +
			"outputs:\n  n: {value: {get_param: n}}\n  l: {value: {get_param: l}}\n  j: {value: {get_param: [j, k]}}\n  flag: {value: {get_param: flag}}\n",
			map[string]any{"n": "7"}, map[string]any{"n": float64(7), "l": []any{"p", "q"}, "j": "v", "flag": false}},
		"list_join and str_replace": {"heat_template_version: 2018-08-31\nparameters:\n  who: {type: string, default: world}\n" +
			"outputs:\n  joined: {value: {list_join: ['-', [a, {get_param: who}]]}}\n" +
			"  replaced:\n    value:\n      str_replace:\n        template: hello $who\n        params: {$who: {get_param: who}}\n",
			nil, map[string]any{"joined": "a-world", "replaced": "hello world"}},
		"pseudo parameters and literals": {"heat_template_version: 2018-08-31\noutputs:\n  name: {value: {get_param: 'OS::stack_name'}}\n  lit: {value: [1, two]}\n",
			nil, map[string]any{"name": "s", "lit": []any{float64(1), "two"}}},
		"resources are not modelled": {"heat_template_version: 2018-08-31\nresources:\n  server:\n    type: OS::Nova::Server\n" +
			"outputs:\n  ip: {value: {get_attr: [server, first_address]}}\n", nil, map[string]any{"ip": nil}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := c.do(http.MethodPost, c.heatPath("/stacks"), map[string]any{"stack_name": "s", "template": tc.template, "parameters": tc.params})
			if r.status != http.StatusCreated {
				t.Fatalf("create = %d %s", r.status, r.body)
			}
			id := str2(r.json(t), "stack", "id")
			defer c.srv.Step()
			defer c.must(http.StatusNoContent, http.MethodDelete, c.heatPath("/stacks/s/"+id), nil)
			s := get(c.must(http.StatusOK, http.MethodGet, c.heatPath("/stacks/s/"+id), nil), "stack")
			got := map[string]any{}
			for _, o := range get(s, "outputs").([]any) {
				got[str2(o, "output_key")] = get(o, "output_value")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			for k, v := range get(s, "parameters").(map[string]any) {
				if _, ok := v.(string); !ok {
					t.Errorf("parameter %s shown as %T, want a string as Heat shows them", k, v)
				}
			}
		})
	}
}

// TestStackFindThroughGophercloud: gophercloud's Find follows Heat's
// redirect.
func TestStackFindThroughGophercloud(t *testing.T) {
	srv, c := newFake(t, nil)
	c.must(http.StatusCreated, http.MethodPost, c.heatPath("/stacks"), map[string]any{"stack_name": "web", "template": greetingTemplate,
		"parameters": map[string]any{"greeting": "hello"}})
	provider, err := openstack.AuthenticatedClient(t.Context(), gophercloud.AuthOptions{IdentityEndpoint: srv.AuthURL(),
		Username: "admin", Password: "secret", DomainName: "Default", TenantName: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	oc, err := openstack.NewOrchestrationV1(provider, gophercloud.EndpointOpts{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := stacks.Find(t.Context(), oc, "web").Extract()
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	got := []any{s.Name, s.Status, s.Parameters["greeting"], s.Outputs[0]["output_value"]}
	if diff := cmp.Diff([]any{"web", "CREATE_IN_PROGRESS", "hello", "hello"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := stacks.Find(t.Context(), oc, "nope").Extract(); !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		t.Errorf("Find of an unknown stack = %v, want a 404", err)
	}
}
