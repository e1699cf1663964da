package netguard_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	type result struct {
		URL  string // the parsed URL, re-encoded, on success
		Code string // the error code on failure
	}
	tests := map[string]struct {
		policy  netguard.Policy
		raw     string
		schemes []string
		want    result
		// msg is a fragment the error must hold, secret one it must not.
		msg, secret string
	}{
		"http":                {raw: "http://esc.example.com/callback", want: result{URL: "http://esc.example.com/callback"}},
		"https with port":     {raw: "https://images.example.com:8443/cirros.img?x=1", want: result{URL: "https://images.example.com:8443/cirros.img?x=1"}},
		"upper-case scheme":   {raw: "HTTPS://example.com/", want: result{URL: "https://example.com/"}},
		"public IP literal":   {raw: "http://8.8.8.8/", want: result{URL: "http://8.8.8.8/"}},
		"public IPv6 literal": {raw: "http://[2001:4860:4860::8888]:80/", want: result{URL: "http://[2001:4860:4860::8888]:80/"}},
		"other scheme allowed": {
			raw: "ftp://files.example.com/day0.cfg", schemes: []string{"ftp"},
			want: result{URL: "ftp://files.example.com/day0.cfg"},
		},
		"empty":       {raw: "", want: result{Code: "Invalid"}, msg: "empty"},
		"relative":    {raw: "/callback", want: result{Code: "Invalid"}, msg: "not absolute"},
		"scheme-less": {raw: "//example.com/x", want: result{Code: "Invalid"}, msg: "not absolute"},
		"ftp":         {raw: "ftp://files.example.com/x", want: result{Code: "Invalid"}, msg: `scheme "ftp" is not allowed (want http or https)`},
		"file":        {raw: "file:///etc/passwd", want: result{Code: "Invalid"}, msg: `scheme "file"`},
		"no host":     {raw: "http:///path", want: result{Code: "Invalid"}, msg: "no host"},
		"opaque":      {raw: "http:example.com", want: result{Code: "Invalid"}, msg: "no host"},
		"port only":   {raw: "http://:80/", want: result{Code: "Invalid"}, msg: "no host"},
		"user info": {
			raw: "https://admin:hunter2@example.com/", want: result{Code: "Invalid"},
			msg: "user info", secret: "hunter2",
		},
		"user info in bad URL": {
			raw: "https://admin:hunter2@[::1/", want: result{Code: "Invalid"},
			msg: "cannot be parsed", secret: "hunter2",
		},
		"too long": {
			raw:  "https://example.com/" + strings.Repeat("a", netguard.MaxURLLength),
			want: result{Code: "Invalid"}, msg: "more than 2048",
		},
		"port zero":           {raw: "http://example.com:0/", want: result{Code: "Invalid"}, msg: "port"},
		"port too big":        {raw: "http://example.com:65536/", want: result{Code: "Invalid"}, msg: "port"},
		"decimal IPv4":        {raw: "http://2130706433/", want: result{Code: "Invalid"}, msg: "standard IP"},
		"short IPv4":          {raw: "http://127.1/", want: result{Code: "Invalid"}, msg: "standard IP"},
		"hex IPv4":            {raw: "http://0x7f.0.0.1/", want: result{Code: "Invalid"}, msg: "standard IP"},
		"bracketed name":      {raw: "http://[example.com]/", want: result{Code: "Invalid"}},
		"zoned IPv6":          {raw: "http://[fe80::1%25eth0]/", want: result{Code: "Invalid"}, msg: "zone"},
		"loopback literal":    {raw: "http://127.0.0.1:8080/cb", want: result{Code: "Forbidden"}, msg: "127.0.0.1 is refused: loopback"},
		"metadata literal":    {raw: "http://169.254.169.254/latest/meta-data/", want: result{Code: "Forbidden"}, msg: "link-local"},
		"IPv6 loopback":       {raw: "http://[::1]/", want: result{Code: "Forbidden"}},
		"mapped IPv6 literal": {raw: "http://[::ffff:10.0.0.1]/", want: result{Code: "Forbidden"}, msg: "private"},
		"denied literal": {
			policy: netguard.Policy{Deny: prefixes("8.8.8.0/24")},
			raw:    "http://8.8.8.8/", want: result{Code: "Forbidden"}, msg: "denied",
		},
		"allowed literal": {
			policy: demo, raw: "http://127.0.0.1:8080/cb",
			want: result{URL: "http://127.0.0.1:8080/cb"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u, err := tc.policy.CheckURL(tc.raw, tc.schemes...)
			var got result
			if err != nil {
				got.Code = resource.CodeOf(err).String()
			} else {
				got.URL = u.String()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("CheckURL(%q) mismatch (-want +got):\n%s\nerror: %v", tc.raw, diff, err)
			}
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q repeats the secret %q", err, tc.secret)
			}
		})
	}
}
