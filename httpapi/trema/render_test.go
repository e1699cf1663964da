package trema

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestAppendIsMarshal checks a summary's rendering byte for byte against
// encoding/json.
func TestAppendIsMarshal(t *testing.T) {
	for _, text := range []string{"", "t1", `a"b\c`, "<x>&", "\t\x01", "é日本", "\u2028", "bad\xff"} {
		s := summary{ID: "id-" + text, Description: text}
		want, _ := json.Marshal(s)
		if got := s.append(nil); !bytes.Equal(got, want) {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
