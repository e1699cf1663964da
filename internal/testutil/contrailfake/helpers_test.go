package contrailfake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/internal/testutil/contrailfake"
)

// client speaks raw HTTP to a fake, the way a driver would.
type client struct {
	t     *testing.T
	srv   *contrailfake.Server
	token string
}

func newServer(t *testing.T, opts *contrailfake.Options) *client {
	t.Helper()
	srv := contrailfake.New(opts)
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv}
}

// reply is an answer: status, headers and body.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(method, path, body string) reply {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.srv.URL()+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("X-Auth-Token", c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: b}
}

// ok sends a request that must answer 200 and returns the decoded body.
func (c *client) ok(method, path, body string) map[string]any {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != http.StatusOK {
		c.t.Fatalf("%s %s = %d %s, want 200", method, path, r.status, r.body)
	}
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil
	}
	return decode(c.t, r.body)
}

// uuidOf looks an object up by fq_name through /fqname-to-id.
func (c *client) uuidOf(typ string, fq ...string) string {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"type": typ, "fq_name": fq})
	return c.ok("POST", "/fqname-to-id", string(b))["uuid"].(string)
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return m
}

// expand decodes a JSON template after replacing each {{key}} with its
// value.
func expand(t *testing.T, tmpl string, vars map[string]string) map[string]any {
	t.Helper()
	for k, v := range vars {
		tmpl = strings.ReplaceAll(tmpl, "{{"+k+"}}", v)
	}
	return decode(t, []byte(tmpl))
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// settle replaces server-chosen values (timestamps, generated uuids) with
// "<set>" after checking they look right, so the rest compares exactly.
func settle(t *testing.T, v any) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch k {
			case "created", "last_modified":
				if s, ok := e.(string); !ok || s == "" {
					t.Errorf("%s = %v, want a timestamp", k, e)
				}
				x[k] = "<set>"
			case "subnet_uuid", "rule_uuid":
				if s, _ := e.(string); !uuidRe.MatchString(s) {
					t.Errorf("%s = %v, want a uuid", k, e)
				}
				x[k] = "<set>"
			default:
				x[k] = settle(t, e)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = settle(t, e)
		}
	}
	return v
}
