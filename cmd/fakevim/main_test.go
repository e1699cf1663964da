package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/orca-nfv/orca/fake/fakewire"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// TestServes: the binary prints its address and serves fake VIMs there,
// with the build time it was given (an hour: the object stays Building);
// a cancelled context stops it cleanly.
func TestServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-build-time", "1h"}, pw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no address line: %v (run: %v)", err, <-done)
	}
	go io.Copy(io.Discard, pr)
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "fakevim listening on ")
	if !ok {
		t.Fatalf("first line %q", line)
	}
	c, err := fakewire.NewClient(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Dial(t.Context(), "loc-1")
	if err != nil {
		t.Fatal(err)
	}
	o := &vim.Object{Ref: resource.Ref{Kind: resource.KindLocalNetwork, ID: "n"}, Kind: resource.KindNetwork,
		Global: resource.Ref{Kind: resource.KindNetwork, ID: "net"}, Spec: &resource.Network{}}
	if _, err := d.Create(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	obs, err := d.Observe(t.Context(), o)
	if err != nil || obs.State != vim.StateBuilding {
		t.Fatalf("after Create: %+v, %v; want Building (build time 1h)", obs, err)
	}
	objs, err := c.Objects(t.Context(), "loc-1", "")
	if err != nil || len(objs) != 1 || objs[0].Global.ID != "net" {
		t.Fatalf("inspection = %+v, %v; want the one network of net", objs, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel = %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("run did not stop")
	}
}

func TestFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"negative build time": {"-build-time", "-1s"},
		"negative latency":    {"-latency", "-1ms"},
		"unknown flag":        {"-verbose"},
		"stray argument":      {"serve"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseFlags(args, io.Discard); err == nil {
				t.Errorf("parseFlags(%q) accepted", args)
			}
		})
	}
}
