package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/internal/testutil/wait"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/resource/resourcetest"
)

// writable reports whether the kind is created through its generic route.
func writable(info resource.KindInfo) bool {
	switch info.Kind {
	case resource.KindAction, resource.KindCredential:
		return false
	}
	return !info.Located && !info.ReadOnly
}

// wireBody renders a sample as a request body: its wire object without the
// read-only parts of "orca".
func (s *server) wireBody(r *resource.Resource) (map[string]any, resource.KindInfo) {
	info, _ := s.h.reg.Info(r.Kind)
	var obj map[string]any
	if err := json.Unmarshal(s.h.render(r), &obj); err != nil {
		s.t.Fatalf("render(%s): %v", r.Ref, err)
	}
	obj[orcaKey] = map[string]any{"labels": r.Labels, "placement": r.Placement}
	return map[string]any{info.Singular: obj}, info
}

// TestCRUDEveryKind creates, reads, lists, updates and deletes one resource
// of every kind that has a generic route, over HTTP, against SQLite.
func TestCRUDEveryKind(t *testing.T) {
	s := newServer(t, serverOptions{})
	admin := s.login("admin", "admin-pw")
	samples := resourcetest.Samples("api", "tenant-a")
	for _, r := range samples {
		if r.Kind == resource.KindCredential {
			s.do("PUT", "/v1.0/admin/credentials/"+r.ID, admin, map[string]any{"credential": map[string]any{
				"username": "u", "password": "p"}}).want(t, http.StatusOK, "credential")
		}
	}

	var created []*resource.Resource
	covered := map[resource.Kind]bool{}
	for _, r := range samples {
		body, info := s.wireBody(r)
		if !writable(info) {
			continue
		}
		covered[r.Kind] = true
		want := body[info.Singular].(map[string]any)
		res := s.do("POST", info.Path, admin, body).want(t, http.StatusCreated, "POST "+info.Path)
		if loc := res.header.Get("Location"); loc != info.Path+"/"+r.ID || res.header.Get("ETag") == "" {
			t.Errorf("%s: Location %q, ETag %q", r.Kind, loc, res.header.Get("ETag"))
		}
		got := s.do("GET", info.Path+"/"+r.ID, admin, nil).want(t, http.StatusOK, "GET "+r.ID).obj(info.Singular)
		for k, v := range want {
			if k == orcaKey || k == "status" || k == "output" || k == "task_status" {
				continue
			}
			if !reflect.DeepEqual(normalize(v), normalize(got[k])) {
				t.Errorf("%s.%s: sent %v, got %v", r.Kind, k, v, got[k])
			}
		}
		list := s.do("GET", info.Path, admin, nil).want(t, http.StatusOK, "list "+info.Path)
		if items, _ := list.body[info.Plural].([]any); len(items) == 0 || list.header.Get("X-Total-Count") == "" {
			t.Errorf("%s: list %v, total %q", info.Plural, list.body, list.header.Get("X-Total-Count"))
		}
		byID := s.do("GET", info.Path+"?id="+r.ID, admin, nil).want(t, http.StatusOK, "list by id "+info.Path)
		if items, _ := byID.body[info.Plural].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != r.ID {
			t.Errorf("%s?id=%s: %v", info.Path, r.ID, byID.body)
		}
		created = append(created, r)

		// A partial update: only the description (or name) changes.
		field, value := "description", "updated over http"
		if _, ok := s.h.reg.Field(r.Kind, "description"); !ok {
			field, value = "name", "renamed"
			if info.NoName {
				continue
			}
		}
		upd := s.do("PUT", info.Path+"/"+r.ID, admin, map[string]any{info.Singular: map[string]any{field: value}}).
			want(t, http.StatusOK, "PUT "+r.ID).obj(info.Singular)
		if upd[field] != value {
			t.Errorf("%s: after PUT %s = %v", r.Kind, field, upd[field])
		}
		for k, v := range want {
			if k != field && k != orcaKey && k != "name" && !reflect.DeepEqual(normalize(v), normalize(upd[k])) {
				t.Errorf("%s: the partial update changed %s: %v → %v", r.Kind, k, v, upd[k])
			}
		}
	}
	for _, k := range s.h.reg.Kinds() {
		info, _ := s.h.reg.Info(k)
		if writable(info) && !covered[k] {
			t.Errorf("no CRUD coverage for %s", k)
		}
		// id filters every list, as every other property does.
		none := s.do("GET", info.Path+"?id=no-such-id", admin, nil).want(t, http.StatusOK, "list by unknown id "+info.Path)
		if items, ok := none.body[info.Plural].([]any); !ok || len(items) != 0 {
			t.Errorf("%s?id=no-such-id: %v", info.Path, none.body)
		}
	}

	// Delete in reverse order, each gone before the next: placed kinds are
	// removed asynchronously (204 at once, gone when the VIMs are clean).
	for i := len(created) - 1; i >= 0; i-- {
		r := created[i]
		info, _ := s.h.reg.Info(r.Kind)
		path := info.Path + "/" + r.ID
		if r.Kind == resource.KindImage {
			res := s.do("DELETE", path, admin, nil).want(t, http.StatusConflict, "delete a protected image")
			if _, field := res.errMessage(); field != "protected" {
				t.Errorf("protected image: error field %q", field)
			}
			s.do("PUT", path, admin, map[string]any{"image": map[string]any{"protected": false}}).want(t, http.StatusOK, "unprotect")
		}
		s.do("DELETE", path, admin, nil).want(t, http.StatusNoContent, "DELETE "+path)
		wait.Until(t, path+" gone", func() bool { return s.do("GET", path, admin, nil).code == http.StatusNotFound })
	}
}

// normalize makes JSON values comparable (numbers as float64).
func normalize(v any) any {
	if v == nil {
		return nil
	}
	return fmt.Sprint(v)
}

func TestIrregularSpellings(t *testing.T) {
	s := newServer(t, serverOptions{})
	alice := s.login("alice", "alice-pw")
	// Prerequisites of a service instance.
	s.do("POST", "/v1.0/tenant/images", alice, map[string]any{"image": map[string]any{
		"id": "img", "name": "img", "disk_format": "qcow2", "container_format": "bare"}}).want(t, 201, "image")
	s.do("POST", "/v1.0/tenant/flavors", alice, map[string]any{"flavor": map[string]any{
		"id": "fl", "name": "fl", "ram": 64, "vcpus": 1}}).want(t, 201, "flavor")
	s.do("POST", "/v1.0/tenant/service_templates", alice, map[string]any{"service_template": map[string]any{
		"id": "st", "image_id": "img", "flavor_id": "fl", "service_mode": "in-network"}}).want(t, 201, "template")

	// Seed 000 wraps a single service instance as "service_instances";
	// the regular "service_instance" is accepted too.
	res := s.do("POST", "/v1.0/tenant/service_instances", alice, map[string]any{"service_instances": map[string]any{
		"id": "si1", "name": "fw", "service_template_id": "st"}}).want(t, 201, "irregular wrapper")
	if res.obj("service_instances")["id"] != "si1" {
		t.Errorf("response wrapper: %v", res.body)
	}
	s.do("POST", "/v1.0/tenant/service_instances", alice, map[string]any{"service_instance": map[string]any{
		"id": "si2", "service_template_id": "st"}}).want(t, 201, "regular wrapper")

	// Its per-location view lives at the singular path, listed under the
	// singular name; the regular plural path works too.
	wait.Until(t, "local service instances", func() bool {
		r := s.do("GET", "/v1.0/tenant/local_service_instance?service_instance_id=si1", alice, nil)
		items, _ := r.body["local_service_instance"].([]any)
		return r.code == 200 && len(items) == 2
	})
	s.do("GET", "/v1.0/tenant/local_service_instances", alice, nil).want(t, 200, "regular path")
	// Servers live outside /tenant, and inside it too.
	s.do("GET", "/v1.0/servers", alice, nil).want(t, 200, "servers")
	s.do("GET", "/v1.0/tenant/servers", alice, nil).want(t, 200, "servers alias")
	r := s.do("POST", "/v1.0/tenant/images", alice, map[string]any{"images": map[string]any{}})
	if msg, _ := r.errMessage(); r.code != 400 || !strings.Contains(msg, `{"image": {...}}`) {
		t.Errorf("a plural wrapper on create: %d %s", r.code, r.raw)
	}
}

// TestRenderPathsAgree: the spliced rendering (wire.go's fast path) says
// exactly what the map rendering says, for a sample of every kind.
func TestRenderPathsAgree(t *testing.T) {
	s := newServer(t, serverOptions{})
	spliced := 0
	for _, r := range resourcetest.Samples("api", "tenant-a") {
		info, _ := s.h.reg.Info(r.Kind)
		r.Revision, r.Generation = 3, 2
		r.Status = resource.Status{Phase: resource.PhaseReady, Message: "m", TaskStatus: "ACTIVE", Output: map[string]any{"k": "v"}}
		var fast, slow map[string]any
		if err := json.Unmarshal(s.h.render(r), &fast); err != nil {
			t.Fatalf("%s: render: %v", r.Kind, err)
		}
		raw, _ := json.Marshal(s.h.renderMap(r, info))
		json.Unmarshal(raw, &slow)
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Errorf("%s: render (-map +spliced):\n%s", r.Kind, diff)
		}
		if s.h.wireKind(r.Kind).plain {
			spliced++
		}
	}
	if spliced == 0 {
		t.Error("no kind takes the spliced path")
	}
}
