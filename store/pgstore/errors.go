package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/orca-nfv/orca/resource"
)

// explain maps a SQLSTATE to a resource code and what it means for the
// caller ("" when PostgreSQL's words say it all); ok is false for states
// with no special meaning (Unknown).
//
// Everything that stops the server from keeping a write (it is down,
// shutting down, out of disk or memory, read-only, refusing us) is
// Unavailable: the write was refused, not half done (the transaction rolls
// back), the HTTP layer answers 503, and the same request succeeds once the
// cause is fixed.
func explain(state string) (code resource.ErrorCode, why string, ok bool) {
	switch state {
	case "23505", "23503", "23P01": // unique, foreign key, exclusion
		return resource.Conflict, "", true
	case "40001", "40P01":
		return resource.Unavailable, "the database aborted the transaction (serialization failure or deadlock): retry", true
	case "25006":
		return resource.Unavailable, "the database is read-only (a standby, or default_transaction_read_only): nothing was stored", true
	case "53100":
		return resource.Unavailable, "the database server's disk is full: nothing was stored", true
	case "57014":
		return resource.Unavailable, "the statement was cancelled (statement_timeout or an operator)", true
	case "57P01", "57P02", "57P03":
		return resource.Unavailable, "the database server is shutting down or starting up", true
	case "3D000":
		return resource.Unavailable, "the database does not exist", true
	case "XX001", "XX002":
		return resource.Unavailable, "the database reports damaged data; restore it from a backup", true
	}
	switch state[:2] {
	case "08": // connection exception
		return resource.Unavailable, "the connection to the database failed", true
	case "22": // data exception: a value the server refuses (e.g. \u0000 in JSON)
		return resource.Invalid, "the database refused a value", true
	case "28": // invalid authorization
		return resource.Unavailable, "the database refused the credentials", true
	case "53", "54", "55", "58": // resources, limits, object state, system (I/O)
		return resource.Unavailable, "", true
	case "42":
		if state == "42501" {
			return resource.Unavailable, "the database user lacks a privilege", true
		}
	}
	return resource.Unknown, "", false
}

// classify maps an error from pgx or PostgreSQL to a resource code.
// Context errors keep their identity (errors.Is(err, context.Canceled)),
// even when the server reports them as a cancelled statement.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("pgstore: %w", ctxErr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("pgstore: %w", err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && len(pe.Code) == 5 {
		code, why, ok := explain(pe.Code)
		switch {
		case !ok:
			return resource.Errorf(resource.Unknown, "pgstore: %w", err)
		case why == "":
			return resource.Errorf(code, "pgstore: %w", err)
		}
		return resource.Errorf(code, "pgstore: %s: %w", why, err)
	}
	if connectionLost(err) {
		// pgx's words name the server's address and user: they are for
		// the operator (Open's errors), not for API clients, so they are
		// kept in the chain but out of the message.
		return &resource.Error{Code: resource.Unavailable, Err: &quiet{
			msg: "pgstore: the database server cannot be reached or closed the connection", err: err}}
	}
	return resource.Errorf(resource.Unknown, "pgstore: %w", err)
}

// connectionLost reports whether err means the connection failed (could
// not be made, was closed, broke) rather than a statement.
func connectionLost(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE),
		pgconn.Timeout(err),
		pgconn.SafeToRetry(err): // sent nothing: a closed connection ("conn closed") among others
		return true
	}
	return false
}

// quiet is an error whose message leaves its cause out.
type quiet struct {
	msg string
	err error
}

func (q *quiet) Error() string { return q.msg }
func (q *quiet) Unwrap() error { return q.err }
