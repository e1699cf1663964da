package fuzzreq

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSetHeaders(t *testing.T) {
	tests := map[string]struct {
		start     http.Header
		spec      string
		want      http.Header
		wantNames []string
	}{
		"set and replace": {
			start:     http.Header{"Content-Type": {"application/json"}},
			spec:      "content-type: application/xml\nIf-Match:  \"3\" \r\nX-Auth-Token:tok",
			want:      http.Header{"Content-Type": {"application/xml"}, "If-Match": {`"3"`}, "X-Auth-Token": {"tok"}},
			wantNames: []string{"Content-Type", "If-Match", "X-Auth-Token"},
		},
		"an empty value is sent empty": {
			start:     http.Header{"X-Auth-Token": {"tok"}},
			spec:      "X-Auth-Token:",
			want:      http.Header{"X-Auth-Token": {""}},
			wantNames: []string{"X-Auth-Token"},
		},
		"what a server refuses first is skipped": {
			start:     http.Header{},
			spec:      "Bad Name: x\nNo-Colon\n: empty name\nCtl: a\x00b\nHost: evil\nContent-Length: 5\nTransfer-Encoding: chunked\nOk: tab\tinside",
			want:      http.Header{"Ok": {"tab\tinside"}},
			wantNames: []string{"Ok"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			names := SetHeaders(tc.start, tc.spec)
			if diff := cmp.Diff(tc.want, tc.start); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantNames, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}
