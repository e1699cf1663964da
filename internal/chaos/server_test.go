package chaos

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// server is the demo under test, which the test kills and restarts. Its
// address and token change with each start; callers read them through
// current and wait on up while it is down.
type server struct {
	bin      string
	args     []string
	dir      string
	password string
	hc       *http.Client

	mu     sync.Mutex
	p      *proc
	url    string
	token  string
	up     chan struct{} // closed while a started server is up
	starts int
}

func newServer(bin, dir, password string, args []string) *server {
	return &server{bin: bin, args: args, dir: dir, password: password, up: make(chan struct{}),
		hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, Proxy: nil}, Timeout: time.Minute}}
}

// start starts the demo and logs in; it returns once the API answers.
func (s *server) start(t *testing.T) error {
	s.mu.Lock()
	n := s.starts
	s.starts++
	s.mu.Unlock()
	p, err := startProc(t, s.bin, s.args, filepath.Join(s.dir, fmt.Sprintf("demo-%02d.log", n)),
		"orca demo listening on ", 2*time.Minute)
	if err != nil {
		return err
	}
	token, err := s.login(t.Context(), p.url)
	if err != nil {
		p.kill()
		return err
	}
	s.mu.Lock()
	s.p, s.url, s.token = p, p.url, token
	close(s.up)
	s.mu.Unlock()
	return nil
}

// kill sends SIGKILL to the running demo and waits until it is gone.
func (s *server) kill() {
	s.mu.Lock()
	p := s.p
	s.p = nil
	s.up = make(chan struct{})
	s.mu.Unlock()
	if p != nil {
		p.kill()
	}
}

// stop ends the demo cleanly (at the end of the test).
func (s *server) stop() {
	s.mu.Lock()
	p := s.p
	s.p = nil
	s.mu.Unlock()
	if p != nil {
		p.stop()
	}
}

func (s *server) current() (url, token string, up chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url, s.token, s.up
}

// logFiles lists the logs of every start, oldest first.
func (s *server) logFiles() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for i := range s.starts {
		out = append(out, filepath.Join(s.dir, fmt.Sprintf("demo-%02d.log", i)))
	}
	return out
}

func (s *server) login(ctx context.Context, url string) (string, error) {
	body := `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"` + s.password + `"}}}}}`
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v3/auth/tokens", bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.hc.Do(req)
		if err != nil {
			return "", fmt.Errorf("login: %w", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusCreated:
			return resp.Header.Get("X-Subject-Token"), nil
		case resp.StatusCode == http.StatusTooManyRequests:
			if err := ctxSleep(ctx, retryAfter(resp.Header)); err != nil {
				return "", err
			}
		default:
			return "", fmt.Errorf("login: HTTP %d", resp.StatusCode)
		}
	}
}

func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 100 * time.Millisecond
}

// answer is one HTTP answer of the API.
type answer struct {
	status int
	body   []byte
	header http.Header
	// cut is true when an earlier attempt of the same request got no
	// answer (the server died under it): it may have been applied.
	cut bool
}

// call makes a request until the API answers it with something other
// than a sign that the server is not (or no longer) the one we logged in
// to: no answer, 401 (a token of an earlier start), 429 or 503. Each try
// is bounded; the whole is bounded by ctx.
func (s *server) call(ctx context.Context, method, path string, body []byte) (answer, error) {
	var a answer
	for {
		url, token, up := s.current()
		select {
		case <-up:
		case <-ctx.Done():
			return a, ctx.Err()
		}
		req, err := http.NewRequestWithContext(ctx, method, url+path, bytes.NewReader(body))
		if err != nil {
			return a, err
		}
		req.Header.Set("X-Auth-Token", token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := s.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return a, ctx.Err()
			}
			a.cut = true
			// The server is dying or dead: wait for the next one.
			if err := ctxSleep(ctx, 20*time.Millisecond); err != nil {
				return a, err
			}
			continue
		}
		data, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case rerr != nil:
			a.cut = true // the answer was cut: it may have been applied
			if err := ctxSleep(ctx, 20*time.Millisecond); err != nil {
				return a, err
			}
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			if err := ctxSleep(ctx, 20*time.Millisecond); err != nil {
				return a, err
			}
			continue
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			if err := ctxSleep(ctx, retryAfter(resp.Header)); err != nil {
				return a, err
			}
			continue
		}
		a.status, a.body, a.header = resp.StatusCode, data, resp.Header
		return a, nil
	}
}
