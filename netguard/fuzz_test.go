package netguard_test

import (
	"net/netip"
	"testing"

	"github.com/orca-nfv/orca/netguard"
	"github.com/orca-nfv/orca/resource"
)

// FuzzCheckURL feeds arbitrary strings to CheckURL. It must never panic,
// must classify every failure as Invalid or Forbidden, and whatever it
// accepts must hold the promises callers rely on.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"http://example.com/", "https://[::1]:443/", "http://127.0.0.1/",
		"http://u:p@h/", "http://[fe80::1%25eth0]/", "http://0x7f.1/",
		"//x", "http:", "http://[::ffff:169.254.169.254]/", "http://h:65536/",
		"http://host.:80", "HTTP://h/%zz", "http://[64:ff9b::a9fe:a9fe]/",
	} {
		f.Add(s)
	}
	var p netguard.Policy
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := p.CheckURL(raw)
		if err != nil {
			if c := resource.CodeOf(err); c != resource.Invalid && c != resource.Forbidden {
				t.Fatalf("CheckURL(%q) = %v with code %v, want Invalid or Forbidden", raw, err, c)
			}
			return
		}
		switch {
		case len(raw) > netguard.MaxURLLength:
			t.Fatalf("CheckURL accepted %d bytes", len(raw))
		case u.Scheme != "http" && u.Scheme != "https":
			t.Fatalf("CheckURL(%q) accepted scheme %q", raw, u.Scheme)
		case u.User != nil:
			t.Fatalf("CheckURL(%q) accepted user info", raw)
		case u.Hostname() == "":
			t.Fatalf("CheckURL(%q) accepted an empty host", raw)
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil {
			if err := p.Check(a); err != nil {
				t.Fatalf("CheckURL(%q) accepted refused address: %v", raw, err)
			}
		}
	})
}
