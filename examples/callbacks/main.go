// Command callbacks receives ESC callbacks and prints one line each: the
// ESC-Status-Code, what happened (the deployment stage or the event type),
// the VM it is about if any, the ESC-Status-Message and the transaction.
// Run it, then give its URL in the Callback header of an ESC write to the
// demo:
//
//	go run ./examples/callbacks            # listens on 127.0.0.1:9010
//	go run ./examples/callbacks -addr :9011 -body   # the bodies too
package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9010", "address to listen on")
	body := flag.Bool("body", false, "print each callback's body too")
	flag.Parse()
	log.Printf("receiving ESC callbacks on http://%s/", *addr)
	log.Fatal(http.ListenAndServe(*addr, receiver(os.Stdout, *body)))
}

// receiver prints each callback to out, whole lines at a time (orca may
// deliver callbacks of different resources at once).
func receiver(out io.Writer, withBody bool) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		line := summary(r.Header, body)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(out, line)
		if withBody {
			fmt.Fprintf(out, "%s\n\n", body)
		}
	})
}

// summary is a callback in one line: "200 VM_ALIVE web_fw_0 "message" tx ID".
func summary(h http.Header, body []byte) string {
	f := fieldsOf(body, "deployment_stage", "event_type", "vm_name")
	what := f["deployment_stage"]
	if what == "" {
		what = f["event_type"]
	}
	if what == "" {
		what = "-"
	}
	parts := []string{h.Get("ESC-Status-Code"), what}
	if vm := f["vm_name"]; vm != "" {
		parts = append(parts, vm)
	}
	return strings.Join(append(parts, fmt.Sprintf("%q", h.Get("ESC-Status-Message")), "tx "+h.Get("ESC_TRANSACTION_ID")), " ")
}

// fieldsOf returns a non-empty value of each named element (XML: the
// first) or key (JSON), at any depth. ESC's callbacks hold each once.
func fieldsOf(body []byte, names ...string) map[string]string {
	out := map[string]string{}
	want := func(name, value string) {
		if out[name] != "" || strings.TrimSpace(value) == "" {
			return
		}
		for _, n := range names {
			if n == name {
				out[name] = strings.TrimSpace(value)
			}
		}
	}
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '{' {
		var v any
		if json.Unmarshal(trimmed, &v) == nil {
			walkJSON(v, want)
		}
		return out
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	var open string // the element whose text comes next
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case xml.StartElement:
			open = t.Name.Local
		case xml.CharData:
			want(open, string(t))
		case xml.EndElement:
			open = ""
		}
	}
}

func walkJSON(v any, want func(name, value string)) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if s, ok := e.(string); ok {
				want(k, s)
			} else {
				walkJSON(e, want)
			}
		}
	case []any:
		for _, e := range t {
			walkJSON(e, want)
		}
	}
}
