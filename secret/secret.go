// Package secret seals and opens small secrets (VIM credentials) with
// AES-256-GCM. The orchestrator imports it to keep credentials encrypted at
// rest; the key lives in the environment or a key file, never in the store.
//
// A Keyring holds one primary key, which seals, and any number of older
// keys, which still open what they sealed: rotate by adding a new primary
// and keeping the old key until everything is re-sealed. Every sealed value
// names its key and is bound to caller-chosen associated data (the secret's
// ID), so a ciphertext copied to another record does not open.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the length of a key: 32 bytes, AES-256.
const KeySize = 32

const (
	version = 1
	idSize  = 8
	header  = 1 + idSize // version, key ID; then nonce, ciphertext and tag
)

// ErrOpen is returned for anything that does not open: tampered, truncated,
// sealed under an unknown key or for other associated data.
var ErrOpen = errors.New("secret: cannot open: wrong key, wrong record or tampered")

// Keyring seals with its primary key and opens with any of its keys. It is
// safe for concurrent use.
type Keyring struct {
	primary [idSize]byte
	keys    map[[idSize]byte]cipher.AEAD
}

// New returns a keyring; keys[0] is the primary. Each key must be KeySize
// bytes.
func New(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("secret: no key")
	}
	k := &Keyring{keys: map[[idSize]byte]cipher.AEAD{}}
	for i, key := range keys {
		if len(key) != KeySize {
			return nil, fmt.Errorf("secret: key %d has %d bytes, want %d", i, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := keyID(key)
		if i == 0 {
			k.primary = id
		}
		k.keys[id] = aead
	}
	return k, nil
}

// keyID names a key without revealing it: the start of a domain-separated
// hash.
func keyID(key []byte) [idSize]byte {
	h := sha256.Sum256(append([]byte("orca secret key id\x00"), key...))
	var id [idSize]byte
	copy(id[:], h[:])
	return id
}

// KeyID returns the primary key's ID in hex, for logs and records.
func (k *Keyring) KeyID() string { return fmt.Sprintf("%x", k.primary) }

// Seal encrypts plaintext bound to aad (which is authenticated, not stored).
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	aead := k.keys[k.primary]
	out := make([]byte, header+aead.NonceSize(), header+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = version
	copy(out[1:header], k.primary[:])
	if _, err := rand.Read(out[header:]); err != nil {
		return nil, err
	}
	return aead.Seal(out, out[header:], plaintext, aad), nil
}

// Open decrypts what Seal produced for the same aad. Every failure is
// ErrOpen.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < header || sealed[0] != version {
		return nil, ErrOpen
	}
	var id [idSize]byte
	copy(id[:], sealed[1:header])
	aead, ok := k.keys[id]
	if !ok || len(sealed) < header+aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	nonce := sealed[header : header+aead.NonceSize()]
	plain, err := aead.Open(nil, nonce, sealed[header+aead.NonceSize():], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// GenerateKey returns a new random key, base64 encoded as Parse reads it.
func GenerateKey() string {
	key := make([]byte, KeySize)
	rand.Read(key) // never fails
	return base64.StdEncoding.EncodeToString(key)
}

// Parse reads keys written as base64 (standard or URL alphabet, padded or
// not), separated by commas or newlines; the first is the primary.
func Parse(text string) (*Keyring, error) {
	var keys [][]byte
	for _, field := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' }) {
		key, err := decodeKey(field)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return New(keys...)
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != KeySize {
				return nil, fmt.Errorf("secret: a key decodes to %d bytes, want %d", len(key), KeySize)
			}
			return key, nil
		}
	}
	return nil, errors.New("secret: a key is not valid base64")
}

// Load returns the keyring from the environment variable env if it is set,
// else from the file at path (if path is not empty). The file must not be
// readable or writable by group or others. It returns nil, nil when neither
// is given.
func Load(getenv func(string) string, env, path string) (*Keyring, error) {
	if v := getenv(env); v != "" {
		k, err := Parse(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", env, err)
		}
		return k, nil
	}
	if path == "" {
		return nil, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret: key file %s has mode %v; it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: key file: %w", err)
	}
	k, err := Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	return k, nil
}
