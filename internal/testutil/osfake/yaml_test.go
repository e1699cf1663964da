package osfake

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseYAML(t *testing.T) {
	tests := map[string]struct {
		src  string
		want any
	}{
		"vimtest's template": {greetingTemplate, map[string]any{
			"heat_template_version": "2018-08-31",
			"parameters":            map[string]any{"greeting": map[string]any{"type": "string", "default": "hi"}},
			"resources":             map[string]any{},
			"outputs":               map[string]any{"greeting": map[string]any{"value": map[string]any{"get_param": "greeting"}}},
		}},
		"scalars": {"a: 1\nb: -2.5\nc: true\nd: no\ne: ~\nf: 'it''s'\ng: \"tab\\there\"\nh: 2018-08-31\ni: 0x1f\nj: 1e3\nk: null\nl:\n",
			map[string]any{"a": int64(1), "b": -2.5, "c": true, "d": false, "e": nil, "f": "it's", "g": "tab\there", "h": "2018-08-31",
				"i": int64(31), "j": "1e3", "k": nil, "l": nil}},
		"comments": {"# head\na: b # tail\nc: 'x # not a comment'\n\n  # indented\nd: e#f\n",
			map[string]any{"a": "b", "c": "x # not a comment", "d": "e#f"}},
		"block sequences": {"list:\n  - a\n  - b: 1\n    c: 2\n  -\n    - nested\nsame:\n- x\n- y\n",
			map[string]any{"list": []any{"a", map[string]any{"b": int64(1), "c": int64(2)}, []any{"nested"}}, "same": []any{"x", "y"}}},
		"flow nodes over lines": {"a: {b: [1, 2,\n  3], c: {d: e}}\nf: []\ng: {}\nh: [x, 'y, z', \"w\"]\n",
			map[string]any{"a": map[string]any{"b": []any{int64(1), int64(2), int64(3)}, "c": map[string]any{"d": "e"}}, "f": []any{}, "g": map[string]any{},
				"h": []any{"x", "y, z", "w"}}},
		"values with colons": {"type: OS::Nova::Server\nurl: http://x:80/y\n'quoted: key': v\n",
			map[string]any{"type": "OS::Nova::Server", "url": "http://x:80/y", "quoted: key": "v"}},
		"literal block":          {"script: |\n  #!/bin/sh\n  echo hi\n\n  exit 0\nnext: 1\n", map[string]any{"script": "#!/bin/sh\necho hi\n\nexit 0\n", "next": int64(1)}},
		"folded block, stripped": {"text: >-\n  one\n  two\n\n  three\nnext: 1\n", map[string]any{"text": "one two\nthree", "next": int64(1)}},
		"JSON": {`{"heat_template_version": "2018-08-31", "outputs": {"o": {"value": [1, "a\u00e9"]}}}`,
			map[string]any{"heat_template_version": "2018-08-31", "outputs": map[string]any{"o": map[string]any{"value": []any{int64(1), "aé"}}}}},
		"document start": {"---\na: b\n", map[string]any{"a": "b"}},
		"empty":          {"\n# nothing\n", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := parseYAML(tc.src)
			if err != nil {
				t.Fatalf("parseYAML: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseYAMLRefusals(t *testing.T) {
	tests := map[string]struct{ src, err string }{
		"unclosed flow":           {"a: [1, 2\n", "expected ',' or ']'"},
		"anchor":                  {"a: &x 1\nb: *x\n", "anchors, aliases or tags"},
		"tag":                     {"a: !!str 1\n", "anchors, aliases or tags"},
		"tab indentation":         {"a:\n\tb: 1\n", "tab character"},
		"multi-line plain scalar": {"a: one\n  two\n", "plain scalars continued"},
		"two documents":           {"a: 1\n---\nb: 2\n", "one YAML document"},
		"duplicate key":           {"a: 1\na: 2\n", `duplicate key "a"`},
		"bad indentation":         {"a:\n    b: 1\n  c: 2\n", "line 3"},
		"no colon":                {"a: 1\nb\n", "could not find expected ':'"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v, err := parseYAML(tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseYAML = %v, %v; want an error containing %q", v, err, tc.err)
			}
		})
	}
}
