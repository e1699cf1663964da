// Package fakewire serves fake VIMs (package fake) over a small JSON wire
// and drives them from another process: a Server (an http.Handler holding
// one *fake.VIM per location name) and a client Driver and Factory that
// implement vim.Driver, vim.Factory and every optional capability the fake
// offers. The VIM's state lives in the server's process, so a crash test
// can kill -9 the orchestrator and find, in the VIMs that outlived it,
// every object it made: none lost, none twice.
//
// Who imports it: cmd/fakevim (the server binary), cmd/demo (-fake-vim:
// its fake locations on a remote fake VIM) and crash tests
// (internal/chaos), which also read the inspection endpoints.
//
// What it promises: a remote fake behaves as the in-process one, and passes
// the same conformance suite (vim/vimtest). Objects and observations cross
// the wire whole: specs (of the object, its dependencies and its parts) are
// decoded by kind with the resource registry, errors keep their
// resource.ErrorCode and field, a hung call is released by the caller's
// context, and a transport failure is Unavailable (retryable: the call may
// or may not have happened, as with a real VIM). Per location, the server
// also records the global resource each tag was created for, so an
// inspection (Client.Objects) can count the VIM objects realizing one
// resource: more than one is a duplicate.
//
// The wire, all JSON, under /v1/vims/{location}/: POST observe, observe_all,
// create, update, delete, ping, power, snapshot, console, hosts, set_host,
// metric; GET kinds, objects (?kind=), calls, call_log. GET /v1/vims lists
// the locations served so far. Errors are {"error":{"code","field","message"}}
// with the HTTP status of their code. A client given Options.Caller names
// itself in a Fake-Caller header on every call; the server tags those calls
// with it (fake.WithCaller), and call_log lists them with their caller,
// start and end, so a test of several replicas tells whose calls were
// whose, and whether two overlapped.
package fakewire
