package fake

import (
	"context"
	"sync"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// Factory is a vim.Factory that gives every location its own fake VIM and
// keeps it: like a real site, the VIM outlives the driver handles the
// orchestrator opens and closes, so tests can inspect and fault it by
// location ID.
type Factory struct {
	opts Options
	mu   sync.Mutex
	vims map[string]*VIM
}

var _ vim.Factory = (*Factory)(nil)

// NewFactory returns a factory whose VIMs are built with opts (Name is set
// to the location ID).
func NewFactory(opts *Options) *Factory {
	f := &Factory{vims: map[string]*VIM{}}
	if opts != nil {
		f.opts = *opts
	}
	return f
}

// Open returns a handle on the location's VIM, creating the VIM the first
// time. Closing the handle leaves the VIM running.
func (f *Factory) Open(ctx context.Context, loc *resource.Resource, _ *vim.Credentials) ([]vim.Driver, error) {
	if err := ctx.Err(); err != nil {
		return nil, resource.Wrap(resource.Unavailable, err)
	}
	return []vim.Driver{handle{f.VIM(loc.ID)}}, nil
}

// VIM returns the location's VIM, creating it if needed.
func (f *Factory) VIM(locationID string) *VIM {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.vims[locationID]
	if !ok {
		opts := f.opts
		opts.Name = locationID
		v = New(&opts)
		f.vims[locationID] = v
	}
	return v
}

// handle is a driver on a shared VIM. Embedding promotes every capability;
// only Close differs.
type handle struct{ *VIM }

func (handle) Close() error { return nil }
