package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/orca-nfv/orca/identity"
	"github.com/orca-nfv/orca/resource"
)

const adminPasswordFile = "admin-password.hash"

// userSet is the demo's users.
type userSet struct {
	users *identity.StaticUsers
	// known are every user, the built-in admin included, for password
	// changes (which need a user's tenant and roles).
	known []identity.User
	// note tells how the admin logs in.
	note string
	// adminGiven is true when the admin's password was given at this
	// start (flag or environment).
	adminGiven bool
}

// loadUsers returns the users (the file's and the built-in admin) and a line
// telling how the admin logs in. A generated password is printed in that
// line the one time it is generated.
func loadUsers(c *config, dataDir string, getenv func(string) string) (*userSet, error) {
	opts := &identity.UsersOptions{Iterations: c.iterations}
	var known []identity.User
	if c.users != "" {
		var err error
		if known, err = readUsersFile(c.users); err != nil {
			return nil, err
		}
	}
	users, err := identity.NewStaticUsers(known, opts)
	if err != nil {
		return nil, err
	}
	admin := identity.User{Name: "admin", TenantID: "admin", Roles: []string{identity.RoleAdmin}}
	pw := c.adminPassword
	if pw == "" {
		pw = getenv("ORCA_ADMIN_PASSWORD")
	}
	var note string
	hashFile := filepath.Join(dataDir, adminPasswordFile)
	switch {
	case pw != "":
		admin.Password = pw
		note = "log in as admin with the password given (-admin-password or $ORCA_ADMIN_PASSWORD)"
	case dataDir != "":
		if data, err := os.ReadFile(hashFile); err == nil {
			admin.PasswordHash = strings.TrimSpace(string(data))
			note = "log in as admin with the password printed at the first start (its hash is in " + hashFile + ")"
			break
		}
		pw = generatePassword()
		hash, err := identity.HashPassword(pw, c.iterations)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(hashFile, []byte(hash+"\n"), 0o600); err != nil {
			return nil, err
		}
		admin.PasswordHash = hash
		note = "admin password (printed this once; only its hash is kept): " + pw
	default:
		pw = generatePassword()
		admin.Password = pw
		note = "admin password for this in-memory run: " + pw
	}
	if err := users.Add(admin, opts); err != nil {
		return nil, err
	}
	given := c.adminPassword != "" || getenv("ORCA_ADMIN_PASSWORD") != ""
	return &userSet{users: users, known: append(known, admin), note: note, adminGiven: given}, nil
}

// readUsersFile reads a users file, a JSON list of identity.User, keeping
// the list (a password change needs a user's tenant and roles). Each user
// is checked as identity.NewStaticUsers will check it, so that an error
// names the file, the line and the field: a usageError.
func readUsersFile(path string) ([]identity.User, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("-users: %v", err)
	}
	at := func(off int64, format string, a ...any) error {
		line, col := position(data, off)
		return usagef("-users %s: line %d, column %d: %s", path, line, col, fmt.Sprintf(format, a...))
	}
	syntax := func(err error, off int64) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// A Decoder's offsets are not from the start of the input;
			// Unmarshal's are, just past the offending byte.
			if uerr := json.Unmarshal(data, new(any)); errors.As(uerr, &se) {
				return at(se.Offset-1, "%v", se)
			}
			return at(off, "%v", err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return at(int64(len(data)), "the JSON ends early; want a list of users [{...}, ...]")
		}
		return at(off, "%v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err, 0)
	}
	if tok != json.Delim('[') {
		return nil, at(0, `want a JSON list of users, [{"name": ..., "password": ..., "tenant_id": ..., "roles": [...]}, ...]`)
	}
	var list []identity.User
	lineOf := map[string]int{} // user name → line, for duplicates
	for i := 1; dec.More(); i++ {
		var raw json.RawMessage
		before := dec.InputOffset()
		if err := dec.Decode(&raw); err != nil {
			return nil, syntax(err, before)
		}
		// The element starts after the separator and spaces.
		start := before + int64(len(data[before:])-len(bytes.TrimLeft(data[before:], ", \t\r\n")))
		line, _ := position(data, start)
		bad := func(format string, a ...any) error {
			return usagef("-users %s: line %d (user %d): %s", path, line, i, fmt.Sprintf(format, a...))
		}
		var u identity.User
		ud := json.NewDecoder(bytes.NewReader(raw))
		ud.DisallowUnknownFields()
		if err := ud.Decode(&u); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return nil, bad("field %s: a JSON %s is not a %v", te.Field, te.Value, te.Type)
			}
			return nil, bad("%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		if err := resource.CheckID(u.Name); err != nil {
			return nil, bad("name: %v", err)
		}
		if first, dup := lineOf[u.Name]; dup {
			return nil, bad("user %s appears twice (first at line %d)", u.Name, first)
		}
		lineOf[u.Name] = line
		if err := checkUser(u); err != nil {
			return nil, bad("%v", err)
		}
		list = append(list, u)
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return nil, syntax(err, dec.InputOffset())
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, at(dec.InputOffset(), "more after the list of users")
	}
	return list, nil
}

// checkUser checks u as identity.NewStaticUsers does, without paying for
// hashing its password: a stand-in hash takes the password's place.
func checkUser(u identity.User) error {
	if u.Password != "" && u.PasswordHash == "" {
		h, err := identity.HashPassword("stand-in", 1)
		if err != nil {
			return err
		}
		u.Password, u.PasswordHash = "", h
	}
	_, err := identity.NewStaticUsers([]identity.User{u}, &identity.UsersOptions{Iterations: 1})
	return err
}

// position is the 1-based line and column of byte off of data.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func generatePassword() string {
	b := make([]byte, 18)
	rand.Read(b) // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
