package pgstore

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orca-nfv/orca/resource"
)

// Leadership is a held session-level advisory lock: while it is held, this
// process alone among those sharing the database (and schema) leads the
// work named; it ends when the process dies (its session with it), when
// the connection is lost or when Release is called. The demo runs its
// reconciler only while it leads, so that replicas sharing one database
// stand by rather than reconcile the same copies at once. This is
// active-standby, not yet the work split by leases that several busy
// replicas need.
type Leadership struct {
	conn    *pgx.Conn // used by watch alone once Lead returns
	pid     uint32    // the session's server process
	lost    chan struct{}
	once    sync.Once
	stop    chan struct{}
	stopped chan struct{}
}

// LeadOptions configure Lead; nil means defaults.
type LeadOptions struct {
	// Every is how often the lock is tried while another holds it, and
	// how often the held session is checked; default 1s. A leader that
	// dies is replaced within about this long (a lost connection may take
	// the server its TCP keepalive to notice).
	Every time.Duration
}

// Lead blocks until this process holds the leadership of name in the
// database of dsn (and its schema), or ctx ends. The error is Unavailable
// when the database cannot be reached, ctx's error when it ended.
func Lead(ctx context.Context, dsn, name string, opts *LeadOptions) (*Leadership, error) {
	every := time.Second
	if opts != nil && opts.Every > 0 {
		every = opts.Every
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, resource.Errorf(resource.Invalid, "pgstore: the DSN cannot be parsed (a postgres:// URL or key=value pairs)")
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = "orca leader"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, openError(ctx, err)
	}
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		conn.Close(context.Background())
		return nil, classify(ctx, err)
	}
	key := leadKey(schema, name)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		var held bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&held); err != nil {
			conn.Close(context.Background())
			return nil, classify(ctx, err)
		}
		if held {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			conn.Close(context.Background())
			return nil, ctx.Err()
		}
	}
	l := &Leadership{conn: conn, pid: conn.PgConn().PID(), lost: make(chan struct{}), stop: make(chan struct{}), stopped: make(chan struct{})}
	go l.watch(every)
	return l, nil
}

// Lost is closed when the leadership ended: the session was lost (another
// process may lead from then on) or Release was called.
func (l *Leadership) Lost() <-chan struct{} { return l.lost }

// Release gives the leadership up: another process may lead at once.
func (l *Leadership) Release() {
	l.once.Do(func() { close(l.stop) })
	<-l.stopped
}

// watch checks the session every interval; a failed check ends the
// leadership, and so does Release.
func (l *Leadership) watch(every time.Duration) {
	defer close(l.stopped)
	defer close(l.lost)
	defer l.conn.Close(context.Background()) // the lock goes with the session
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			err := l.conn.Ping(ctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
}

func leadKey(schema, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("orca/pgstore/lead\x00" + schema + "\x00" + name))
	return int64(h.Sum64())
}
