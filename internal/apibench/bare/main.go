// Command bare is the baseline of the API benchmark (internal/apibench):
// a plain net/http server doing the same work as orca's /v1.0 networks
// endpoints on the same SQLite schema — one token check, one SQL statement
// (a list two: its page, and the COUNT of every match that Gohan clients
// read from X-Total-Count) and JSON each way — and nothing else: no
// validation, tenancy, revisions, events or reconciliation. Specs are
// stored as JSONB, as orca's schema keeps them. It prints "bare listening
// on http://ADDR".
//
//	go run ./internal/apibench/bare -db FILE -token TOKEN [-addr 127.0.0.1:0]
package main

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	_ "modernc.org/sqlite"

	"github.com/orca-nfv/orca/store/sqlitestore"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	dbPath := flag.String("db", "", "SQLite file (created with orca's schema)")
	token := flag.String("token", "", "the one X-Auth-Token accepted")
	flag.Parse()
	if *dbPath == "" || *token == "" {
		return errors.New("-db and -token are required")
	}
	// orca's schema, so both sides run their statements on equal tables
	// and indexes.
	s, err := sqlitestore.Open(*dbPath, nil)
	if err != nil {
		return err
	}
	s.Close()
	pragmas := "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	write, err := sql.Open("sqlite", "file:"+*dbPath+pragmas+"&_txlock=immediate")
	if err != nil {
		return err
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", "file:"+*dbPath+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		return err
	}
	read.SetMaxOpenConns(4)
	read.SetMaxIdleConns(4)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Printf("bare listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: handler(write, read, *token), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func handler(write, read *sql.DB, token string) http.Handler {
	mux := http.NewServeMux()
	authed := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Auth-Token")), []byte(token)) != 1 {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			h(w, r)
		}
	}
	reply := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	row := func(id, name, tenant, spec string) map[string]any {
		out := map[string]any{}
		json.Unmarshal([]byte(spec), &out)
		out["id"], out["name"], out["tenant_id"] = id, name, tenant
		return out
	}
	mux.HandleFunc("GET /v1.0/tenant/networks/{id}", authed(func(w http.ResponseWriter, r *http.Request) {
		var name, tenant, spec string
		err := read.QueryRowContext(r.Context(), `SELECT name, tenant, json(spec) FROM resources WHERE kind = 'network' AND id = ?`,
			r.PathValue("id")).Scan(&name, &tenant, &spec)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		reply(w, http.StatusOK, map[string]any{"network": row(r.PathValue("id"), name, tenant, spec)})
	}))
	mux.HandleFunc("GET /v1.0/tenant/networks", authed(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		where, arg := `tenant = ?`, q.Get("tenant_id")
		if d := q.Get("description"); d != "" {
			where, arg = `json_extract(spec, '$.description') = ?`, d
		}
		rows, err := read.QueryContext(r.Context(), `SELECT id, name, tenant, json(spec) FROM resources
			WHERE kind = 'network' AND `+where+` ORDER BY id LIMIT ?`, arg, limit)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer rows.Close()
		items := []any{}
		for rows.Next() {
			var id, name, tenant, spec string
			if err := rows.Scan(&id, &name, &tenant, &spec); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			items = append(items, row(id, name, tenant, spec))
		}
		var total int
		err = read.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM resources WHERE kind = 'network' AND `+where, arg).Scan(&total)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
		reply(w, http.StatusOK, map[string]any{"networks": items})
	}))
	decode := func(r *http.Request) (id, name string, spec []byte, err error) {
		var req struct {
			Network map[string]any `json:"network"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			return "", "", nil, err
		}
		id, _ = req.Network["id"].(string)
		name, _ = req.Network["name"].(string)
		delete(req.Network, "id")
		delete(req.Network, "name")
		spec, err = json.Marshal(req.Network)
		return id, name, spec, err
	}
	mux.HandleFunc("POST /v1.0/tenant/networks", authed(func(w http.ResponseWriter, r *http.Request) {
		id, name, spec, err := decode(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		now := time.Now().UnixNano()
		_, err = write.ExecContext(r.Context(), `INSERT INTO resources (kind, id, tenant, name, location, owner_kind, owner_id,
			revision, generation, deleting, phase, spec, status, created_at, updated_at)
			VALUES ('network', ?, 'admin', ?, '', '', '', 1, 1, 0, 'Pending', jsonb(?), '{}', ?, ?)`, id, name, string(spec), now, now)
		if err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		reply(w, http.StatusCreated, map[string]any{"network": row(id, name, "admin", string(spec))})
	}))
	mux.HandleFunc("PUT /v1.0/tenant/networks/{id}", authed(func(w http.ResponseWriter, r *http.Request) {
		_, name, spec, err := decode(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id := r.PathValue("id")
		res, err := write.ExecContext(r.Context(), `UPDATE resources SET name = ?, spec = jsonb_patch(spec, ?),
			revision = revision + 1, updated_at = ? WHERE kind = 'network' AND id = ?`, name, string(spec), time.Now().UnixNano(), id)
		if n, _ := res.RowsAffected(); err != nil || n == 0 {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		reply(w, http.StatusOK, map[string]any{"network": map[string]any{"id": id, "name": name}})
	}))
	// Allocations, for allocations per request.
	mux.HandleFunc("GET /debug/mallocs", func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprint(w, ms.Mallocs)
	})
	return mux
}
