package sqlitestore

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/orca-nfv/orca/resource"
)

// explain maps an SQLite result code to a resource code and what it means
// for the caller ("" when SQLite's words say it all): ok is false for codes
// with no special meaning (Unknown).
//
// Everything that stops the database from keeping a write (a full disk, a
// read-only or vanished file, I/O errors, a damaged file) is Unavailable:
// the write was refused, not half done (SQLite rolls the transaction
// back), the HTTP layer answers 503 with the message, and the same request
// succeeds once an operator has fixed the cause. None of these messages
// holds the file's path: it is for the operator's log (Open's errors), not
// for API clients.
func explain(se *sqlite.Error) (code resource.ErrorCode, why string, ok bool) {
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return resource.Unavailable, "database busy", true
	case sqlite3.SQLITE_CONSTRAINT:
		return resource.Conflict, "", true
	case sqlite3.SQLITE_FULL:
		return resource.Unavailable, "the disk is full: nothing was stored", true
	case sqlite3.SQLITE_READONLY:
		return resource.Unavailable, "the database is read-only (file or directory permissions, a read-only " +
			"file system, or the file was moved): nothing was stored", true
	case sqlite3.SQLITE_IOERR:
		return resource.Unavailable, "the database file cannot be read or written (disk I/O error): nothing was stored", true
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
		return resource.Unavailable, "cannot open the database file (missing, moved or not accessible)", true
	case sqlite3.SQLITE_CORRUPT:
		return resource.Unavailable, "the database file is damaged; restore it from a backup", true
	case sqlite3.SQLITE_NOTADB:
		return resource.Unavailable, "the file is not an SQLite database (or its header is damaged); " +
			"restore it from a backup or move it away", true
	case sqlite3.SQLITE_INTERRUPT:
		return resource.Unavailable, "", true
	}
	return resource.Unknown, "", false
}

// sqliteError classifies err when it comes from SQLite, else returns nil.
func sqliteError(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	code, why, ok := explain(se)
	switch {
	case !ok:
		return nil
	case why == "":
		return resource.Errorf(code, "sqlitestore: %w", err)
	}
	return resource.Errorf(code, "sqlitestore: %s: %w", why, err)
}

// openError is the error of an Open that failed at path: the path, what
// the failure means, and SQLite's own words.
func openError(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		if code, why, ok := explain(se); ok && why != "" {
			return resource.Errorf(code, "sqlitestore: open %s: %s: %w", path, why, err)
		}
	}
	return fmt.Errorf("sqlitestore: open %s: %w", path, err)
}
