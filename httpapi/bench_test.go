package httpapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/store/sqlitestore"
)

// BenchmarkHTTP compares the full handler (authentication, routing,
// tenancy, decoding, validation, the store's transaction, rendering) with a
// bare net/http handler running the same SQLite statement on an equal file,
// for a GET by ID and a create. scripts/bench prints the ratios.
func BenchmarkHTTP(b *testing.B) {
	const preload = 1000
	dir := b.TempDir()
	s, err := sqlitestore.Open(filepath.Join(dir, "orca.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	o := orca.New(s, &orca.Options{Logger: slog.New(slog.DiscardHandler)})
	tokens := identity.NewTokens(time.Hour)
	h, err := New(o, &Options{Auth: tokens, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	tok, _ := tokens.Issue(&identity.Principal{UserID: "u", TenantID: "t1", Roles: []string{identity.RoleMember}})

	// The bare side: the same schema in its own file, plain database/sql.
	bareStore, err := sqlitestore.Open(filepath.Join(dir, "bare.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	bareStore.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "bare.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	bare := bareHandler(db)

	body := func(i int) string {
		return fmt.Sprintf(`{"network": {"id": "n-%d", "name": "n-%d", "cidr": "10.%d.%d.0/24", "description": "bench"}}`, i, i, i/256%256, i%256)
	}
	serve := func(h http.Handler, method, path, body string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("X-Auth-Token", tok)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := range preload {
		for _, hh := range []http.Handler{h, bare} {
			if code := serve(hh, "POST", "/v1.0/tenant/networks", body(i)); code != http.StatusCreated {
				b.Fatalf("preload: %d", code)
			}
		}
	}
	for _, side := range []struct {
		name string
		h    http.Handler
	}{{"orca", h}, {"bare", bare}} {
		b.Run("Get/"+side.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if code := serve(side.h, "GET", fmt.Sprintf("/v1.0/tenant/networks/n-%d", i%preload), ""); code != http.StatusOK {
					b.Fatalf("GET: %d", code)
				}
			}
		})
		b.Run("Create/"+side.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				n := preload + i + 1
				if side.name == "orca" {
					n += 10_000_000 // distinct IDs per side and run
				}
				if code := serve(side.h, "POST", "/v1.0/tenant/networks", body(n)); code != http.StatusCreated {
					b.Fatalf("POST: %d", code)
				}
			}
		})
	}
}

// bareHandler serves GET /v1.0/tenant/networks/{id} and POST
// /v1.0/tenant/networks with one SQL statement each and a JSON body, and
// nothing else: no authentication, validation or transaction of its own.
func bareHandler(db *sql.DB) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1.0/tenant/networks/{id}", func(w http.ResponseWriter, r *http.Request) {
		var name, tenant, spec string
		err := db.QueryRowContext(r.Context(), `SELECT name, tenant, json(spec) FROM resources WHERE id = ? AND kind = 'network'`,
			r.PathValue("id")).Scan(&name, &tenant, &spec)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		out := map[string]any{}
		json.Unmarshal([]byte(spec), &out)
		out["id"], out["name"], out["tenant_id"] = r.PathValue("id"), name, tenant
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"network": out})
	})
	mux.HandleFunc("POST /v1.0/tenant/networks", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Network map[string]any `json:"network"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, _ := req.Network["id"].(string)
		name, _ := req.Network["name"].(string)
		delete(req.Network, "id")
		delete(req.Network, "name")
		spec, _ := json.Marshal(req.Network)
		now := time.Now().UnixNano()
		_, err := db.ExecContext(context.Background(), `INSERT INTO resources (kind, id, tenant, name, location, owner_kind, owner_id,
			revision, generation, deleting, phase, spec, status, created_at, updated_at)
			VALUES ('network', ?, 't1', ?, '', '', '', 1, 1, 0, 'Pending', jsonb(?), '{}', ?, ?)`, id, name, string(spec), now, now)
		if err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"network": req.Network})
	})
	return mux
}
