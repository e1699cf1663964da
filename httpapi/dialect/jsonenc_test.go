package dialect_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/orca-nfv/orca/httpapi/dialect"
)

// FuzzAppendString checks AppendString against encoding/json, parts
// included: a character split between two parts must come out as
// marshalling their concatenation does.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `q"b\s`, "<a>&", "\t\n\x00\x1f", "é", "\u2028", "\xff", "\xe2\x80",
		"<a href=\"x\">&amp;</a>", "\x00\x01\b\f\n\r\t\x1f\x7f", "\u2028\u2029", "\xff\xfe", "é日本\U0001F600", "a\\b"} {
		f.Add(s, "\xa8/")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		want, _ := json.Marshal(a + b)
		if got := dialect.AppendString([]byte("x"), a, b); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("AppendString(%q, %q) = %s, want x%s", a, b, got, want)
		}
		want, _ = json.Marshal(a)
		if got := dialect.AppendString(nil, a); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", a, got, want)
		}
	})
}

func TestAppendKey(t *testing.T) {
	b := []byte("{")
	b = dialect.AppendKey(b, "a")
	b = dialect.AppendBool(b, true)
	b = dialect.AppendKey(b, "b<")
	b = dialect.AppendNullable(b, "", false)
	b = dialect.AppendKey(b, "c")
	b = dialect.AppendNullable(b, "v", true)
	b = append(b, '}')
	if want := `{"a":true,"b\u003c":null,"c":"v"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}
