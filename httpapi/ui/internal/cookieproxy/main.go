// Command cookieproxy is scripts/ui-test's way to show a headless browser
// the pages of a signed-in user: a loopback reverse proxy that adds a
// session cookie (obtained by signing in through the real form) to every
// request, since Chromium's --screenshot and --dump-dom take no cookies.
// It is test tooling: the pages themselves have no way in without a
// session.
//
//	cookieproxy -target http://127.0.0.1:8080 -cookie orca_ui_session=... -addr-file FILE
//
// It listens on a free loopback port, writes its address to -addr-file
// once it accepts connections, and serves until killed.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
)

func main() {
	target := flag.String("target", "", "the server to forward to (http://host:port)")
	cookie := flag.String("cookie", "", "the cookie to add, name=value")
	addrFile := flag.String("addr-file", "", "where to write the address listened on")
	flag.Parse()
	if err := run(*target, *cookie, *addrFile); err != nil {
		fmt.Fprintln(os.Stderr, "cookieproxy:", err)
		os.Exit(1)
	}
}

func run(target, cookie, addrFile string) error {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("-target %q is not an http://host:port URL", target)
	}
	if name, value, ok := strings.Cut(cookie, "="); !ok || name == "" || value == "" {
		return fmt.Errorf("-cookie must be name=value")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Host = u.Host
		pr.Out.Header.Set("Cookie", cookie)
	}}
	if addrFile != "" {
		if err := os.WriteFile(addrFile, []byte(ln.Addr().String()+"\n"), 0o600); err != nil {
			return err
		}
	}
	return http.Serve(ln, proxy)
}
