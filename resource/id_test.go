package resource_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/resource"
)

func TestNewID(t *testing.T) {
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := resource.NewID()
		if !uuid4.MatchString(id) {
			t.Fatalf("NewID() = %q, not a version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("NewID() repeated %q", id)
		}
		seen[id] = true
		if err := resource.CheckID(id); err != nil {
			t.Fatalf("CheckID(NewID()) = %v", err)
		}
	}
}

func TestCheckID(t *testing.T) {
	tests := map[string]bool{
		"tenant1":                              true,
		"3f1c2b9e-8a4d-4c1e-9f2a-0123456789ab": true,
		"a.b_c:d-e":                            true,
		"9":                                    true,
		strings.Repeat("a", 255):               true,
		strings.Repeat("a", 256):               false,
		"":                                     false,
		"-leading":                             false,
		".hidden":                              false,
		"a/b":                                  false,
		"a b":                                  false,
		"a%2F":                                 false,
		"naïve":                                false,
		"a\x00":                                false,
	}
	for id, ok := range tests {
		if err := resource.CheckID(id); (err == nil) != ok {
			t.Errorf("CheckID(%q) = %v, want ok=%v", id, err, ok)
		}
	}
}
