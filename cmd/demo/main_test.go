package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/sqlitestore"
)

// TestRunServesAndStops starts the demo on a free port with a fresh SQLite
// file, checks /healthz counts what the store holds, and stops it through its
// context as SIGINT would.
func TestRunServesAndStops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "orca.db")
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", db}, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var url string
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "orca demo listening on "); ok {
			url, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	if url == "" {
		t.Fatalf("no listening line; run returned %v", <-done)
	}
	go io.Copy(io.Discard, pr)

	health := func() map[string]any {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/healthz: %s", resp.Status)
		}
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return body
	}
	if got := health(); got["status"] != "ok" || got["resources"] != float64(0) {
		t.Errorf("/healthz = %v", got)
	}
	if resp, err := http.Post(url+"/healthz", "text/plain", nil); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %v, %v; want 405", resp, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}

	// The database it created is a working store that survives the stop.
	s, err := sqlitestore.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Create(t.Context(), &resource.Resource{Ref: resource.Ref{Kind: resource.KindTenant, ID: "t1"}, Spec: &resource.Tenant{}}); err != nil {
		t.Fatal(err)
	}
}
