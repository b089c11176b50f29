// Package audit keeps the audit log: every move and every operator command, one JSON line
// each (model.AuditRecord), appended and fsync'd as the engine's event stream reports them,
// so that `vmcross history` and the console's history view can say who moved what, when,
// and how it ended. It reads the model only: the engine wires it, the commands read it.
package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/vmcross/vmcross/backend/model"
)

// Log is an open audit log. Its methods are safe for concurrent use.
type Log struct {
	path string

	mu   sync.Mutex
	f    file // nil once closed
	torn bool // a write was cut short: the next record starts on a new line
}

// file is what Log writes to: an *os.File (a fake in tests, to see Sync called or failing).
type file interface {
	io.Writer
	Sync() error
	Close() error
}

// DefaultPath is where the audit log lives unless configured: $XDG_STATE_HOME/vmcross/audit.log,
// else ~/.local/state/vmcross/audit.log. It is "" when neither is known.
func DefaultPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(dir) { // the XDG spec: a relative path is invalid and ignored
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "vmcross", "audit.log")
}

// Open opens the audit log at path for appending, creating its directory (mode 0700) and the
// file (mode 0600) when missing. It refuses a path that is a symbolic link, not a regular
// file, or writable by group or others: an audit log anyone can rewrite proves nothing. A
// last line left without its newline by a crash is ended, so the next record starts on a
// line of its own.
func Open(path string) (*Log, error) {
	if path == "" {
		return nil, errors.New("audit log: no path: set XDG_STATE_HOME or HOME, or name the file")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit log %s: create its directory: %w", path, err)
	}
	if fi, err := os.Lstat(path); err == nil {
		if err := check(path, fi); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("audit log %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log %s: %w", path, err)
	}
	// What was opened must still be what the path names, and not through a link placed
	// between the check and the open.
	opened, err := f.Stat()
	if err == nil {
		err = check(path, opened)
	}
	if err == nil {
		var now fs.FileInfo
		if now, err = os.Lstat(path); err == nil && !os.SameFile(now, opened) {
			err = fmt.Errorf("audit log %s: the file changed while it was opened (a symbolic link?): refusing it", path)
		}
	}
	if err == nil && opened.Size() > 0 {
		err = endLastLine(path, f, opened.Size())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Log{path: path, f: f}, nil
}

// check refuses what an audit log must not be.
func check(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("audit log %s is a symbolic link: refusing it; name the file itself", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("audit log %s is not a regular file (%s)", path, fi.Mode().Type())
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o022 != 0:
		// Windows reports no group or other bits worth the name.
		return fmt.Errorf("audit log %s is writable by others (mode %04o): refusing it; run `chmod 600 %s`",
			path, fi.Mode().Perm(), path)
	}
	return nil
}

// endLastLine writes a newline when the file's last byte is not one (a crash cut the last
// write short), so that the torn line stays a line of its own that Read skips.
func endLastLine(path string, f *os.File, size int64) error {
	r, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("audit log %s: %w", path, err)
	}
	defer r.Close()
	last := make([]byte, 1)
	if _, err := r.ReadAt(last, size-1); err != nil {
		return fmt.Errorf("audit log %s: read its last line: %w", path, err)
	}
	if last[0] == '\n' {
		return nil
	}
	if _, err := f.Write([]byte{'\n'}); err != nil {
		return fmt.Errorf("audit log %s: end its torn last line: %w", path, err)
	}
	return f.Sync()
}

// Path is the file the log appends to.
func (l *Log) Path() string { return l.path }

// Append writes r as one JSON line in a single write and syncs the file to disk before it
// returns. It returns any error of the write or the sync (the record may then be missing or
// not yet durable); nothing is swallowed.
func (l *Log) Append(r model.AuditRecord) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("audit log %s: encode record %d: %w", l.path, r.Seq, err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("audit log %s: %w", l.path, os.ErrClosed)
	}
	if l.torn {
		line = append([]byte{'\n'}, line...)
	}
	n, err := l.f.Write(line)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	if err != nil {
		l.torn = l.torn || n > 0
		return fmt.Errorf("audit log %s: write: %w", l.path, err)
	}
	l.torn = false
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("audit log %s: sync to disk: %w", l.path, err)
	}
	return nil
}

// Close closes the file. Appending afterwards fails; closing again does nothing.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	if err := f.Close(); err != nil {
		return fmt.Errorf("audit log %s: close: %w", l.path, err)
	}
	return nil
}
