package main

import (
	"io"
	"log/slog"
	"os"
	"sync"
)

// console is the demo's stderr: log records and the example data's
// progress. On a terminal the progress is one line redrawn in place (\r),
// kept under the log records that come meanwhile; elsewhere (a file, a
// pipe, a test) every progress report is a line of its own.
type console struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	line string // the progress line shown on the terminal, "" for none
}

func newConsole(w io.Writer) *console { return &console{w: w, tty: isTerminal(w)} }

// isTerminal is true when w is a character device: a terminal (or
// /dev/null, where the \r do no harm). The standard library has no
// better test without a dependency.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// clearLine returns to the start of the line and erases it.
const clearLine = "\r\033[K"

// Write writes a log record (slog writes each in one call) above the
// progress line.
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.line == "" {
		return c.w.Write(p)
	}
	io.WriteString(c.w, clearLine)
	n, err := c.w.Write(p)
	io.WriteString(c.w, c.line)
	return n, err
}

// progress shows s: in place on a terminal, else as a line.
func (c *console) progress(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tty {
		io.WriteString(c.w, clearLine+s)
		c.line = s
		return
	}
	io.WriteString(c.w, s+"\n")
}

// done ends the progress with the line s, which stays.
func (c *console) done(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.line != "" {
		io.WriteString(c.w, clearLine)
		c.line = ""
	}
	io.WriteString(c.w, s+"\n")
}

// newLogger logs to w in format ("text" or "json") at level, which ESC's
// LOG/LEVEL moves at run time.
func newLogger(w io.Writer, format string, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
