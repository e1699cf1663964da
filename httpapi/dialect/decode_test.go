package dialect

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

func TestStrict(t *testing.T) {
	type nic struct {
		NetID string `json:"net_id"`
	}
	type body struct {
		Name     string `json:"name"`
		Count    int    `json:"count"`
		Networks []nic  `json:"networks"`
	}
	type result struct {
		Code  resource.ErrorCode
		Field string
		Msg   string
	}
	for name, tc := range map[string]struct {
		data string
		want result
	}{
		"good":          {`{"name":"a","count":2,"networks":[{"net_id":"n"}]}`, result{}},
		"unknown field": {`{"name":"a","colour":"red"}`, result{resource.Invalid, "colour", "colour: unknown field"}},
		"wrong type":    {`{"name":5}`, result{resource.Invalid, "name", "name: must be a string, not number"}},
		"nested type":   {`{"networks":[{"net_id":7}]}`, result{resource.Invalid, "networks.net_id", "networks.net_id: must be a string, not number"}},
		"not an object": {`[1,2]`, result{resource.Invalid, "", "the body must be an object, not array"}},
		"syntax":        {`{"name": }`, result{resource.Invalid, "", "the body is not valid JSON (at byte 10): invalid character '}' looking for beginning of value"}},
		"empty":         {``, result{resource.Invalid, "", "the body is empty or cut short: a JSON object is required"}},
		"cut short":     {`{"name": "a"`, result{resource.Invalid, "", "the body is empty or cut short: a JSON object is required"}},
		"trailing data": {`{"name":"a"} {}`, result{resource.Invalid, "", "unexpected data after the body's JSON value"}},
	} {
		t.Run(name, func(t *testing.T) {
			var v body
			err := Strict([]byte(tc.data), &v, "body")
			got := result{}
			if err != nil {
				got = result{resource.CodeOf(err), resource.FieldOf(err), err.Error()}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadBody(t *testing.T) {
	k := newKit(t, &Options{MaxBodyBytes: 16})
	for name, tc := range map[string]struct {
		contentType, body string
		wantStatus        int
	}{
		"json":                {"application/json", `{"a":1}`, 0},
		"json with charset":   {"application/json; charset=utf-8", `{"a":1}`, 0},
		"a +json type":        {"application/merge-patch+json", `{"a":1}`, 0},
		"no content type":     {"", `{"a":1}`, 0},
		"form":                {"application/x-www-form-urlencoded", `a=1`, 415},
		"malformed type":      {"application/", `{}`, 415},
		"over the size limit": {"application/json", `{"a":"` + strings.Repeat("x", 20) + `"}`, 413},
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			data, err := k.ReadBody(httptest.NewRecorder(), r)
			if tc.wantStatus == 0 {
				if err != nil || string(data) != tc.body {
					t.Fatalf("ReadBody = %q, %v", data, err)
				}
				return
			}
			if p := k.ProblemOf(r, err, nil); p.Status != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", p.Status, err, tc.wantStatus)
			}
		})
	}
}

func TestQueryHelpers(t *testing.T) {
	q := map[string][]string{"fields": {"uuid, name", "name,status"}, "n": {"7"}, "twice": {"1", "2"}, "all_tenants": {"True"}}
	got, err := Fields(q, "fields", []string{"uuid", "name", "status"})
	if err != nil || !cmp.Equal(got, []string{"uuid", "name", "status"}) {
		t.Errorf("Fields = %v, %v", got, err)
	}
	if _, err := Fields(q, "fields", []string{"uuid"}); resource.FieldOf(err) != "fields" || !strings.Contains(err.Error(), "name, status") {
		t.Errorf("unknown fields: %v", err)
	}
	if got, _ := Fields(q, "absent", nil); got != nil {
		t.Errorf("absent selection = %v, want nil (everything)", got)
	}
	if _, err := Single(q, "twice"); resource.FieldOf(err) != "twice" {
		t.Errorf("Single of a repeated parameter: %v", err)
	}
	if b, err := Bool(q, "all_tenants"); !b || err != nil {
		t.Errorf("Bool = %v, %v", b, err)
	}
	if _, err := Bool(map[string][]string{"b": {"maybe"}}, "b"); resource.FieldOf(err) != "b" {
		t.Errorf("Bool of maybe: %v", err)
	}
	for _, tc := range []struct{ n, off, lim, from, to int }{
		{10, 0, 3, 0, 3}, {10, 9, 3, 9, 10}, {10, 12, 3, 10, 10}, {10, 0, 0, 0, 10}, {10, -1, 2, 0, 2},
	} {
		if from, to := Paginate(tc.n, tc.off, tc.lim); from != tc.from || to != tc.to {
			t.Errorf("Paginate(%d, %d, %d) = %d, %d; want %d, %d", tc.n, tc.off, tc.lim, from, to, tc.from, tc.to)
		}
	}
}

func TestAcceptsJSON(t *testing.T) {
	for name, tc := range map[string]struct {
		accept []string
		want   bool
	}{
		"absent":              {nil, true},
		"json":                {[]string{"application/json"}, true},
		"anything":            {[]string{"*/*"}, true},
		"a list with json":    {[]string{"text/html, application/json;q=0.5"}, true},
		"two headers":         {[]string{"text/html", "application/*"}, true},
		"xml only":            {[]string{"application/xml"}, false},
		"json refused by q=0": {[]string{"application/json;q=0"}, false},
		"garbage":             {[]string{";;;"}, false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		for _, a := range tc.accept {
			r.Header.Add("Accept", a)
		}
		if got := AcceptsJSON(r); got != tc.want {
			t.Errorf("%s: AcceptsJSON = %v", name, got)
		}
	}
}
