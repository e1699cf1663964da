// Command callbacks receives ESC callbacks and prints them: run it, then
// give its URL in the Callback header of an ESC write to the demo.
//
//	go run ./examples/callbacks            # listens on 127.0.0.1:9010
//	go run ./examples/callbacks -addr :9011
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9010", "address to listen on")
	flag.Parse()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		fmt.Printf("%s %s  transaction %s  status %s %q\n%s\n\n", r.Method, r.URL.Path, r.Header.Get("ESC_TRANSACTION_ID"),
			r.Header.Get("ESC-Status-Code"), r.Header.Get("ESC-Status-Message"), body)
	})
	log.Printf("receiving ESC callbacks on http://%s/", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
