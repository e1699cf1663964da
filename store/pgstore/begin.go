package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Round trips are most of a statement's cost, so a transaction sends what
// needs no answer yet together with the next statement that does, as one
// pgx batch (one round trip):
//
//   - its BEGIN, a writer's lock and its read of the revision counter go
//     with its first statement; a transaction that runs none never begins;
//   - writes (Put, SetRefs, Delete) wait for the next read, or for COMMIT,
//     with the counter's new value. A write's error (none is expected: the
//     engine checks before writing) then surfaces from that later
//     statement or from Txn; either way the transaction is rolled back.
//
// A status write is then two round trips (begin and read, write and
// commit), a Get one plus its COMMIT.

// stmt is a statement waiting to be sent. scan reads its one row; nil
// means its result is not needed (only whether it failed).
type stmt struct {
	sql  string
	args []any
	scan func(pgx.Row) error
}

// maxWaiting bounds the writes kept back, so a transaction writing many
// rows sends them in batches of that many.
const maxWaiting = 64

// rowTx runs a transaction's statements on its connection. pgx prepares
// each statement text once per connection and keeps it (its statement
// cache), so the hot queries are parsed and planned once.
type rowTx struct {
	conn *pgx.Conn
	// waiting are the statements to send before the next one: the begin
	// statements until the first is sent, then writes.
	waiting []stmt
	// begun is set once the begin statements were sent: there is a
	// transaction to end.
	begun bool
	// write transactions count revisions from the stored counter (read
	// when the lock is granted) and store the last one at commit.
	write             bool
	revision, counter int64
}

// send sends what waits and then sql, in one batch, and returns the
// results positioned at sql's. The caller closes them.
func (t *rowTx) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	for _, s := range t.waiting {
		b.Queue(s.sql, s.args...)
	}
	b.Queue(sql, args...)
	waiting := t.waiting
	t.waiting, t.begun = nil, true
	br := t.conn.SendBatch(ctx, b)
	for _, s := range waiting {
		var err error
		if s.scan != nil {
			err = s.scan(br.QueryRow())
		} else {
			_, err = br.Exec()
		}
		if err != nil {
			br.Close()
			return nil, err
		}
	}
	return br, nil
}

// later keeps a write back until the next statement that needs an answer.
func (t *rowTx) later(ctx context.Context, sql string, args ...any) error {
	t.waiting = append(t.waiting, stmt{sql: sql, args: args})
	if len(t.waiting) < maxWaiting {
		return nil
	}
	br, err := t.send(ctx, `SELECT 1`, nil)
	if err != nil {
		return err
	}
	return br.Close()
}

func (t *rowTx) query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if len(t.waiting) == 0 {
		return t.conn.Query(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *rowTx) queryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if len(t.waiting) == 0 {
		return t.conn.QueryRow(ctx, sql, args...)
	}
	rows, err := t.query(ctx, sql, args...)
	return &firstRow{rows: rows, err: err}
}

// commit sends what waits, the counter's new value and COMMIT. It returns
// COMMIT's command tag.
func (t *rowTx) commit(ctx context.Context) (string, error) {
	if t.write && t.revision != t.counter {
		t.waiting = append(t.waiting, stmt{sql: `UPDATE counters SET value = $1 WHERE name = 'revision'`, args: []any{t.revision}})
	}
	br, err := t.send(ctx, "COMMIT", nil)
	if err != nil {
		return "", err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag.String(), err
}

// batchRows are a batch's last result: closing them closes the batch.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

// Next closes the batch with the rows, as pgx closes rows read to the end.
func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// firstRow is QueryRow's answer for a batch.
type firstRow struct {
	rows pgx.Rows
	err  error
}

func (r *firstRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
