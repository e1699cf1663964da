package secret_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-nfv/orca/secret"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, secret.KeySize) }

func TestSealOpen(t *testing.T) {
	k, err := secret.New(key(1))
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"password":"hunter2"}`)
	sealed, err := k.Seal(plain, []byte("credential/c1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("hunter2")) {
		t.Fatal("the plaintext shows in the ciphertext")
	}
	again, _ := k.Seal(plain, []byte("credential/c1"))
	if bytes.Equal(sealed, again) {
		t.Error("two seals of one plaintext are equal: the nonce is not random")
	}
	got, err := k.Open(sealed, []byte("credential/c1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}

	tests := map[string]struct {
		sealed []byte
		aad    string
	}{
		"other record":   {sealed, "credential/c2"},
		"flipped bit":    {flip(sealed, len(sealed)-1), "credential/c1"},
		"flipped header": {flip(sealed, 3), "credential/c1"},
		"truncated":      {sealed[:20], "credential/c1"},
		"empty":          {nil, "credential/c1"},
		"bad version":    {append([]byte{9}, sealed[1:]...), "credential/c1"},
	}
	for name, tc := range tests {
		if _, err := k.Open(tc.sealed, []byte(tc.aad)); !errors.Is(err, secret.ErrOpen) {
			t.Errorf("%s: Open = %v, want ErrOpen", name, err)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}

func TestRotation(t *testing.T) {
	old, _ := secret.New(key(1))
	sealedOld, _ := old.Seal([]byte("old"), nil)
	rotated, err := secret.New(key(2), key(1))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealedOld, nil); err != nil || string(got) != "old" {
		t.Errorf("the old key no longer opens: %q, %v", got, err)
	}
	sealedNew, _ := rotated.Seal([]byte("new"), nil)
	if _, err := old.Open(sealedNew, nil); !errors.Is(err, secret.ErrOpen) {
		t.Errorf("a keyring without the new key opened its seal: %v", err)
	}
	if rotated.KeyID() == old.KeyID() || strings.Contains(rotated.KeyID(), string(key(2))) {
		t.Errorf("key IDs: %s, %s", rotated.KeyID(), old.KeyID())
	}
}

func TestParseAndLoad(t *testing.T) {
	k1 := base64.StdEncoding.EncodeToString(key(1))
	k2 := base64.RawURLEncoding.EncodeToString(key(2))
	for name, text := range map[string]string{
		"one":             k1,
		"two with comma":  k2 + "," + k1,
		"newlines":        "\n" + k1 + "\n" + k2 + "\n",
		"generated":       secret.GenerateKey(),
		"raw url padding": base64.RawURLEncoding.EncodeToString(key(3)),
	} {
		if _, err := secret.Parse(text); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, text := range map[string]string{
		"empty":     "",
		"short key": base64.StdEncoding.EncodeToString([]byte("short")),
		"not b64":   "!!!",
	} {
		if _, err := secret.Parse(text); err == nil {
			t.Errorf("%s: Parse accepted %q", name, text)
		}
	}

	env := func(v string) func(string) string {
		return func(name string) string {
			if name == "ORCA_SECRET_KEY" {
				return v
			}
			return ""
		}
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.key")
	os.WriteFile(good, []byte(k1+"\n"), 0o600)
	loose := filepath.Join(dir, "loose.key")
	os.WriteFile(loose, []byte(k1), 0o644)

	if k, err := secret.Load(env(k2), "ORCA_SECRET_KEY", good); err != nil || k == nil {
		t.Errorf("from env: %v", err)
	}
	fromFile, err := secret.Load(env(""), "ORCA_SECRET_KEY", good)
	if err != nil || fromFile == nil {
		t.Fatalf("from file: %v", err)
	}
	if want, _ := secret.New(key(1)); fromFile.KeyID() != want.KeyID() {
		t.Error("the file's key is not the one loaded")
	}
	if _, err := secret.Load(env(""), "ORCA_SECRET_KEY", loose); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key file was accepted: %v", err)
	}
	if _, err := secret.Load(env("bad"), "ORCA_SECRET_KEY", ""); err == nil {
		t.Error("a bad env key was accepted")
	}
	if k, err := secret.Load(env(""), "ORCA_SECRET_KEY", ""); k != nil || err != nil {
		t.Errorf("no env, no file = %v, %v; want nil, nil", k, err)
	}
}
