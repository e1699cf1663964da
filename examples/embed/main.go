// Command embed shows another Go service embedding orca: an in-memory
// store, fake VIMs as two locations, orca's HTTP API mounted under /orca/
// next to the service's own routes, and its users logging in through orca's
// /v3/auth/tokens.
//
//	go run ./examples/embed   # then: curl http://127.0.0.1:8090/hello
package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/fake"
	"github.com/orca-nfv/orca/httpapi"
	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store/memstore"
)

// service is the embedding service: its own routes plus orca under /orca/.
type service struct {
	http.Handler
	orca *orca.Orchestrator
}

// newService builds the service. The users are the service's own.
func newService(users []identity.User, iterations int) (*service, error) {
	o := orca.New(memstore.New(nil), &orca.Options{Drivers: fake.NewFactory(nil), Logger: slog.Default()})
	for _, id := range []string{"edge-1", "edge-2"} {
		if _, err := o.Create(context.Background(), &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: id},
			Spec: &resource.Location{KeystoneEndpoint: "fake://" + id}}); err != nil {
			return nil, err
		}
	}
	checker, err := identity.NewStaticUsers(users, &identity.UsersOptions{Iterations: iterations})
	if err != nil {
		return nil, err
	}
	tokens := identity.NewTokens(0)
	api, err := httpapi.New(o, &httpapi.Options{Auth: tokens, Passwords: checker, Tokens: tokens, BaseURL: "/orca"})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from the embedding service; orca is under /orca/")
	})
	mux.Handle("/orca/", http.StripPrefix("/orca", api))
	return &service{Handler: mux, orca: o}, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	svc, err := newService([]identity.User{{Name: "ops", Password: "ops-password", TenantID: "ops", Roles: []string{identity.RoleAdmin}}}, 0)
	if err != nil {
		log.Fatal(err)
	}
	go svc.orca.Run(ctx)
	srv := &http.Server{Addr: "127.0.0.1:8090", Handler: svc}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	log.Printf("listening on http://%s (orca under /orca/, user ops / ops-password)", srv.Addr)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
