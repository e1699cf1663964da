package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/orca-nfv/orca/secret"
)

// secretKeyFile is the key the demo generates when it is given none, in
// the user's configuration directory ($XDG_CONFIG_HOME/orca, else
// $HOME/.config/orca): apart from the data, so that a copy of the
// database does not carry the key that opens its credentials.
const secretKeyFile = "secret.key"

// keyDir is where the demo keeps the key it generates.
func keyDir(getenv func(string) string) (string, error) {
	if x := getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "orca"), nil
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "orca"), nil
	}
	return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME is set to keep the demo's secret key in: set $ORCA_SECRET_KEY or -secret-key-file")
}

// loadKeys returns the keyring sealing credentials (locations', ESC's VIM
// users' and file servers'), and a line telling where its key is when the
// demo chose it. $ORCA_SECRET_KEY or the key file given win; else, for
// the in-memory store, a key for this run only; else the key kept in the
// user's configuration directory (keyDir), generated owner-only at the
// first start so that what is sealed opens after a restart.
func loadKeys(file, dataDir string, getenv func(string) string) (*secret.Keyring, string, error) {
	if getenv("ORCA_SECRET_KEY") != "" || file != "" {
		k, err := secret.Load(getenv, "ORCA_SECRET_KEY", file)
		return k, "", err
	}
	if dataDir == "" {
		k, err := secret.Parse(secret.GenerateKey())
		return k, "credentials are sealed with a key made for this in-memory run", err
	}
	dir, err := keyDir(getenv)
	if err != nil {
		return nil, "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, secretKeyFile)
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
