package osfake

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/blockstorage/v3/volumes"
)

// cinder is a request to Cinder under the client's project.
func (c *client) cinder(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	return c.must(want, method, "/volume/v3/"+c.project+path, body)
}

// cinderError returns the status, fault name and message of a refused
// request.
func (c *client) cinderError(method, path string, body any) string {
	c.t.Helper()
	r := c.do(method, "/volume/v3/"+c.project+path, body)
	if r.status < 400 {
		return fmt.Sprintf("%d", r.status)
	}
	for name, f := range r.json(c.t) {
		return fmt.Sprintf("%d %s %s", r.status, name, str2(f, "message"))
	}
	return fmt.Sprintf("%d without a body", r.status)
}

// volumeState is what the driver reads of a volume.
type volumeState struct {
	Status   string
	Size     float64
	Bootable string
}

func (c *client) volumeState(id string) volumeState {
	c.t.Helper()
	v := get(c.cinder(http.StatusOK, http.MethodGet, "/volumes/"+id, nil), "volume")
	return volumeState{str2(v, "status"), get(v, "size").(float64), str2(v, "bootable")}
}

// TestVolumeLifecycle drives a blank volume through creation, an extend, a
// refused shrink, an update and deletion, Step by Step.
func TestVolumeLifecycle(t *testing.T) {
	srv, c := newFake(t, nil)
	created := c.cinder(http.StatusAccepted, http.MethodPost, "/volumes", map[string]any{"volume": map[string]any{
		"name": "  data ", "size": 1, "description": "scratch\n", "metadata": map[string]any{"orca_id": "x"}}})
	v := get(created, "volume")
	id := str2(v, "id")
	got := map[string]any{"status": get(v, "status"), "name": get(v, "name"), "description": get(v, "description"),
		"type": get(v, "volume_type"), "metadata": get(v, "metadata"), "updated": get(v, "updated_at"),
		"has host attr": get(v, "os-vol-host-attr:host") != nil}
	want := map[string]any{"status": "creating", "name": "data", "description": "scratch", "type": DefaultVolumeType,
		"metadata": map[string]any{"orca_id": "x"}, "updated": nil, "has host attr": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("create answer (-want +got):\n%s", diff)
	}
	if p := str2(c.cinder(http.StatusOK, http.MethodGet, "/volumes/"+id, nil), "volume", "os-vol-tenant-attr:tenant_id"); p != c.project {
		t.Errorf("show: tenant %q, want %q", p, c.project)
	}
	action := func(body string) func() string {
		return func() string { return c.cinderError(http.MethodPost, "/volumes/"+id+"/action", body) }
	}
	none := func() string { return "" }
	steps := []struct {
		name    string
		do      func() string
		answer  string
		after   volumeState // after the request
		stepped volumeState // after a Step
	}{
		{"create", none, "", volumeState{"creating", 1, "false"}, volumeState{"available", 1, "false"}},
		{"extend", action(`{"os-extend": {"new_size": 3}}`), "202", volumeState{"extending", 1, "false"}, volumeState{"available", 3, "false"}},
		{"shrink", action(`{"os-extend": {"new_size": 2}}`),
			"400 badRequest Invalid input received: New size for extend must be greater than current size. (current: 3, extended: 2).",
			volumeState{"available", 3, "false"}, volumeState{"available", 3, "false"}},
		{"extend again", action(`{"os-extend": {"new_size": "4"}}`), "202", volumeState{"extending", 3, "false"}, volumeState{"available", 4, "false"}},
		{"unknown action", action(`{"os-detonate": {}}`), "400 badRequest There is no such action: os-detonate",
			volumeState{"available", 4, "false"}, volumeState{"available", 4, "false"}},
		{"delete", func() string { return c.cinderError(http.MethodDelete, "/volumes/"+id, nil) }, "202",
			volumeState{"deleting", 4, "false"}, volumeState{}},
	}
	for _, st := range steps {
		if got := st.do(); got != st.answer {
			t.Fatalf("%s: answered %q, want %q", st.name, got, st.answer)
		}
		if got := c.volumeState(id); got != st.after {
			t.Fatalf("%s: %+v, want %+v", st.name, got, st.after)
		}
		srv.Step()
		if st.stepped == (volumeState{}) {
			continue
		}
		if got := c.volumeState(id); got != st.stepped {
			t.Fatalf("%s, stepped: %+v, want %+v", st.name, got, st.stepped)
		}
	}
	if got := c.cinderError(http.MethodGet, "/volumes/"+id, nil); got != "404 itemNotFound Volume "+id+" could not be found." {
		t.Errorf("a deleted volume: %s", got)
	}
}

// TestVolumeFromImage: a volume made from an image downloads it, is
// bootable and carries the image's metadata; Cinder checks the image.
func TestVolumeFromImage(t *testing.T) {
	srv, c := newFake(t, nil)
	cirros := imageID(t, srv, "cirros")
	v := get(c.cinder(http.StatusAccepted, http.MethodPost, "/volumes", map[string]any{"volume": map[string]any{
		"name": "boot", "size": 1, "imageRef": cirros}}), "volume")
	id := str2(v, "id")
	var states []volumeState
	for range 3 {
		states = append(states, c.volumeState(id))
		srv.Step()
	}
	want := []volumeState{{"creating", 1, "true"}, {"downloading", 1, "true"}, {"available", 1, "true"}}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	meta := get(c.cinder(http.StatusOK, http.MethodGet, "/volumes/"+id, nil), "volume", "volume_image_metadata")
	if str2(meta, "image_id") != cirros || str2(meta, "image_name") != "cirros" || str2(meta, "disk_format") != "qcow2" {
		t.Errorf("volume_image_metadata %v", meta)
	}

	queued := str2(c.must(http.StatusCreated, http.MethodPost, "/image/v2/images", map[string]any{"name": "q", "disk_format": "raw",
		"container_format": "bare"}), "id")
	big := str2(c.must(http.StatusCreated, http.MethodPost, "/image/v2/images", map[string]any{"name": "big", "disk_format": "raw",
		"container_format": "bare", "min_disk": 5}), "id")
	c.must(http.StatusNoContent, http.MethodPut, "/image/v2/images/"+big+"/file", "data")
	tests := map[string]struct {
		image string
		want  string
	}{
		"unknown image": {"00000000-0000-4000-8000-000000000000",
			"404 itemNotFound Image 00000000-0000-4000-8000-000000000000 could not be found."},
		"queued image":   {queued, "400 badRequest Invalid input received: Image " + queued + " is not active."},
		"min_disk above": {big, "400 badRequest Invalid input received: Volume size 1GB cannot be smaller than the image minDisk size 5GB."},
	}
	for name, tc := range tests {
		got := c.cinderError(http.MethodPost, "/volumes", map[string]any{"volume": map[string]any{"size": 1, "imageRef": tc.image}})
		if got != tc.want {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
}

// TestVolumeCreateRefusals: Cinder's answers to bodies it refuses.
func TestVolumeCreateRefusals(t *testing.T) {
	_, c := newFake(t, &Options{VolumeTypes: []string{"lvm", "ssd"}})
	tests := map[string]struct {
		body any
		want string
	}{
		"no volume":     {map[string]any{"size": 1}, "400 badRequest 'volume' is a required property"},
		"no size":       {map[string]any{"volume": map[string]any{"name": "x"}}, "400 badRequest Invalid input received: Volume size 'None' must be an integer and greater than 0"},
		"size zero":     {map[string]any{"volume": map[string]any{"size": 0}}, "400 badRequest Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1"},
		"size word":     {map[string]any{"volume": map[string]any{"size": "big"}}, "400 badRequest Invalid input for field/attribute size. Value: big. 'big' does not match '^[0-9]+$'"},
		"size fraction": {map[string]any{"volume": map[string]any{"size": 1.5}}, "400 badRequest Invalid input for field/attribute size. Value: 1.5. 1.5 is not of type 'integer', 'string'"},
		"unknown type":  {map[string]any{"volume": map[string]any{"size": 1, "volume_type": "gold"}}, "404 itemNotFound Volume type with name gold could not be found."},
		"unknown type id": {map[string]any{"volume": map[string]any{"size": 1, "volume_type": "00000000-0000-4000-8000-000000000000"}},
			"404 itemNotFound Volume type 00000000-0000-4000-8000-000000000000 could not be found."},
		"long name":       {map[string]any{"volume": map[string]any{"size": 1, "name": strings.Repeat("n", 256)}}, "400 badRequest Invalid input received: name has more than 255 characters."},
		"number metadata": {map[string]any{"volume": map[string]any{"size": 1, "metadata": map[string]any{"k": 1}}}, "400 badRequest Invalid input for field/attribute metadata."},
		"type by name":    {map[string]any{"volume": map[string]any{"size": 1, "volume_type": "ssd"}}, "202"},
		"size as digits":  {map[string]any{"volume": map[string]any{"size": "2"}}, "202"},
		"malformed":       {"{", "400 badRequest Malformed request body"},
	}
	for name, tc := range tests {
		got := c.cinderError(http.MethodPost, "/volumes", tc.body)
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
	var types []string
	for _, v := range get(c.cinder(http.StatusOK, http.MethodGet, "/volumes/detail", nil), "volumes").([]any) {
		types = append(types, str2(v, "volume_type"))
	}
	slices.Sort(types)
	if diff := cmp.Diff([]string{"lvm", "ssd"}, types); diff != "" {
		t.Errorf("types of the volumes made (-want +got):\n%s", diff)
	}
	other := &client{t: t, srv: c.srv, hc: c.hc, token: c.token, project: "someone-else"}
	if got := other.cinderError(http.MethodGet, "/volumes", nil); got != "400 badRequest Malformed request url" {
		t.Errorf("another project's URL: %q", got)
	}
}

// TestVolumeList: lists filter by exact name and status, newest first,
// page with limit and marker, and show only the project's volumes.
func TestVolumeList(t *testing.T) {
	srv, c := newFake(t, &Options{Projects: []Project{{Name: "demo"}, {Name: "other"}}})
	mk := func(c *client, name string) string {
		return str2(c.cinder(http.StatusAccepted, http.MethodPost, "/volumes", map[string]any{"volume": map[string]any{"name": name, "size": 1}}), "volume", "id")
	}
	a, b := mk(c, "orca-a"), mk(c, "orca-b")
	srv.Step()
	third := mk(c, "orca-a-2")
	other := &client{t: t, srv: srv, hc: c.hc}
	other.login("admin", "secret", "other")
	mk(other, "orca-a")
	names := func(path string) ([]string, string) {
		body := c.cinder(http.StatusOK, http.MethodGet, path, nil)
		var out []string
		for _, v := range get(body, "volumes").([]any) {
			out = append(out, str2(v, "id"))
		}
		return out, str2(body, "volumes_links", 0, "href")
	}
	tests := map[string]struct {
		path     string
		want     []string
		wantNext string // the marker of the next page, "" for none
	}{
		"all, newest first": {"/volumes/detail", []string{third, b, a}, ""},
		"summary":           {"/volumes", []string{third, b, a}, ""},
		"exact name":        {"/volumes/detail?name=orca-a", []string{a}, ""},
		"status":            {"/volumes/detail?status=creating", []string{third}, ""},
		"first page":        {"/volumes/detail?limit=2", []string{third, b}, b},
		"last page":         {"/volumes/detail?limit=2&marker=" + b, []string{a}, ""},
		"unknown filter":    {"/volumes/detail?colour=red", []string{third, b, a}, ""},
	}
	for name, tc := range tests {
		got, next := names(tc.path)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
		if tc.wantNext == "" && next != "" || tc.wantNext != "" && !strings.Contains(next, "marker="+tc.wantNext) {
			t.Errorf("%s: next link %q, want marker %q", name, next, tc.wantNext)
		}
	}
	if got := c.cinderError(http.MethodGet, "/volumes/detail?marker=nope", nil); got != "404 itemNotFound Marker nope could not be found." {
		t.Errorf("unknown marker: %q", got)
	}
	summary := get(c.cinder(http.StatusOK, http.MethodGet, "/volumes", nil), "volumes", 0)
	if len(summary.(map[string]any)) != 3 || str2(summary, "name") != "orca-a-2" {
		t.Errorf("summary entry %v, want id, name and links", summary)
	}
}

// TestVolumeUpdateAndDelete: updates replace the metadata in any status;
// deletion waits for a deletable status; failures show as Cinder's error
// statuses.
func TestVolumeUpdateAndDelete(t *testing.T) {
	srv, c := newFake(t, nil)
	id := str2(c.cinder(http.StatusAccepted, http.MethodPost, "/volumes", map[string]any{"volume": map[string]any{
		"size": 1, "metadata": map[string]any{"a": "1", "b": "2"}}}), "volume", "id")
	v := get(c.cinder(http.StatusOK, http.MethodPut, "/volumes/"+id, map[string]any{"volume": map[string]any{
		"description": " new ", "metadata": map[string]any{"a": "3"}}}), "volume")
	if diff := cmp.Diff(map[string]any{"description": "new", "metadata": map[string]any{"a": "3"}, "status": "creating"},
		map[string]any{"description": get(v, "description"), "metadata": get(v, "metadata"), "status": get(v, "status")}); diff != "" {
		t.Errorf("update while creating (-want +got):\n%s", diff)
	}
	if got := c.cinderError(http.MethodPut, "/volumes/"+id, map[string]any{"volume": map[string]any{"size": 2}}); !strings.HasPrefix(got,
		"400 badRequest Additional properties are not allowed ('size' was unexpected)") {
		t.Errorf("update of the size: %q", got)
	}
	refused := "400 badRequest Invalid volume: Volume status must be available or error"
	if got := c.cinderError(http.MethodDelete, "/volumes/"+id, nil); !strings.HasPrefix(got, refused) {
		t.Errorf("delete while creating: %q", got)
	}
	if err := srv.BreakVolume(id); err != nil {
		t.Fatal(err)
	}
	srv.Step()
	if got := c.volumeState(id); got.Status != "error" {
		t.Errorf("a broken create: %+v, want error", got)
	}
	c.cinder(http.StatusAccepted, http.MethodPost, "/volumes/"+id+"/action", map[string]any{"os-reset_status": map[string]any{"status": "available"}})
	c.cinder(http.StatusAccepted, http.MethodPost, "/volumes/"+id+"/action", map[string]any{"os-extend": map[string]any{"new_size": 2}})
	if got := c.cinderError(http.MethodPost, "/volumes/"+id+"/action", map[string]any{"os-extend": map[string]any{"new_size": 3}}); got !=
		"400 badRequest Invalid volume: Volume "+id+" status must be '{'status': 'available'}' to extend, currently extending." {
		t.Errorf("extend while extending: %q", got)
	}
	srv.BreakVolume(id)
	if got := c.volumeState(id); got != (volumeState{"error_extending", 1, "false"}) {
		t.Errorf("a broken extend: %+v, want error_extending at the old size", got)
	}
	c.cinder(http.StatusAccepted, http.MethodDelete, "/volumes/"+id, nil)
	if got := c.cinderError(http.MethodDelete, "/volumes/"+id, nil); !strings.HasPrefix(got, refused) {
		t.Errorf("delete while deleting: %q", got)
	}
	if objs := srv.Objects(KindVolume); len(objs) != 1 || objs[0].Status != "deleting" {
		t.Errorf("Objects = %+v", objs)
	}
	srv.Step()
	if objs := srv.Objects(KindVolume); len(objs) != 0 {
		t.Errorf("Objects after the deletion = %+v", objs)
	}
}

// TestVolumeQuota: Cinder refuses volumes and gigabytes over quota with
// 413, on create and extend.
func TestVolumeQuota(t *testing.T) {
	_, c := newFake(t, &Options{Quota: Quota{Volumes: 2, Gigabytes: 10}})
	create := func(size int) string {
		return c.cinderError(http.MethodPost, "/volumes", map[string]any{"volume": map[string]any{"size": size}})
	}
	if got := create(11); got != "413 overLimit VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. "+
		"Requested 11G, quota is 10G and 0G has been consumed." {
		t.Errorf("over the gigabytes: %q", got)
	}
	if got := create(4); got != "202" {
		t.Fatalf("within quota: %q", got)
	}
	c.srv.Step()
	id := str2(c.cinder(http.StatusOK, http.MethodGet, "/volumes", nil), "volumes", 0, "id")
	if got := c.cinderError(http.MethodPost, "/volumes/"+id+"/action", map[string]any{"os-extend": map[string]any{"new_size": 11}}); !strings.HasPrefix(got,
		"413 overLimit VolumeSizeExceedsAvailableQuota") {
		t.Errorf("extend over the gigabytes: %q", got)
	}
	create(1)
	if got := create(1); got != "413 overLimit VolumeLimitExceeded: Maximum number of volumes allowed (2) exceeded for quota 'volumes'." {
		t.Errorf("over the volumes: %q", got)
	}
}

// TestVolumesThroughGophercloud: gophercloud's blockstorage v3 package
// reads what the fake writes (Cinder's timestamps without a zone, the
// list's pages).
func TestVolumesThroughGophercloud(t *testing.T) {
	srv := New(nil)
	defer srv.Close()
	provider, err := openstack.AuthenticatedClient(t.Context(), gophercloud.AuthOptions{
		IdentityEndpoint: srv.AuthURL(), Username: "admin", Password: "secret", DomainName: "Default", TenantName: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := openstack.NewBlockStorageV3(provider, gophercloud.EndpointOpts{Region: "RegionOne"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var ids []string
	for i := range 3 {
		v, err := volumes.Create(ctx, sc, volumes.CreateOpts{Name: fmt.Sprint("v", i), Size: 1, Metadata: map[string]string{"i": fmt.Sprint(i)}}, nil).Extract()
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if v.CreatedAt.IsZero() || v.Status != "creating" {
			t.Errorf("created %+v", v)
		}
		ids = append(ids, v.ID)
	}
	srv.Step()
	if err := volumes.ExtendSize(ctx, sc, ids[0], volumes.ExtendSizeOpts{NewSize: 2}).ExtractErr(); err != nil {
		t.Fatalf("ExtendSize: %v", err)
	}
	srv.Step()
	pages, err := volumes.List(sc, volumes.ListOpts{Limit: 2}).AllPages(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	all, err := volumes.ExtractVolumes(pages)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range all {
		got[v.Name] = fmt.Sprintf("%s %dG %s %s", v.Status, v.Size, v.VolumeType, v.Metadata["i"])
	}
	want := map[string]string{"v0": "available 2G __DEFAULT__ 0", "v1": "available 1G __DEFAULT__ 1", "v2": "available 1G __DEFAULT__ 2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("listed in pages of 2 (-want +got):\n%s", diff)
	}
	err = volumes.ExtendSize(ctx, sc, ids[1], volumes.ExtendSizeOpts{NewSize: 1}).ExtractErr()
	if !gophercloud.ResponseCodeIs(err, http.StatusBadRequest) {
		t.Errorf("a shrink = %v, want 400", err)
	}
	if err := volumes.Delete(ctx, sc, ids[2], nil).ExtractErr(); err != nil {
		t.Errorf("Delete: %v", err)
	}
	srv.Step()
	if _, err := volumes.Get(ctx, sc, ids[2]).Extract(); !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		t.Errorf("Get of a deleted volume = %v, want 404", err)
	}
}
