package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/orca-nfv/orca/secret"
)

// secretKeyFile is the key the demo generates next to its database when it
// is given none.
const secretKeyFile = "secret.key"

// loadKeys returns the keyring sealing credentials (locations', ESC's VIM
// users' and file servers'), and a line telling where its key is when the
// demo chose it. $ORCA_SECRET_KEY or the key file given win; else the key
// kept next to the database, generated owner-only at the first start so
// that what is sealed opens after a restart; else, for the in-memory
// store, a key for this run only. The demo works out of the box; a
// production server keeps its key apart from its data.
func loadKeys(file, dataDir string, getenv func(string) string) (*secret.Keyring, string, error) {
	if getenv("ORCA_SECRET_KEY") != "" || file != "" {
		k, err := secret.Load(getenv, "ORCA_SECRET_KEY", file)
		return k, "", err
	}
	if dataDir == "" {
		k, err := secret.Parse(secret.GenerateKey())
		return k, "credentials are sealed with a key made for this in-memory run", err
	}
	path := filepath.Join(dataDir, secretKeyFile)
	note := "credentials are sealed with the key in " + path + " ($ORCA_SECRET_KEY or -secret-key-file keep it elsewhere)"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist): // made at an earlier start
	case err != nil:
		return nil, "", err
	default:
		_, err = f.WriteString(secret.GenerateKey() + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path) // half written: the next start makes it again
			return nil, "", err
		}
	}
	k, err := secret.Load(func(string) string { return "" }, "", path)
	return k, note, err
}
