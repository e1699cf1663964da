package identity

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DefaultIterations is the PBKDF2-SHA256 work factor for new hashes
// (OWASP's 2023 recommendation).
const DefaultIterations = 600_000

const hashPrefix = "pbkdf2-sha256"

// HashPassword returns a self-describing hash of password:
// "pbkdf2-sha256$<iterations>$<salt>$<hash>" (base64). iterations <= 0
// means DefaultIterations.
func HashPassword(password string, iterations int) (string, error) {
	if iterations <= 0 {
		iterations = DefaultIterations
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	sum, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("%s$%d$%s$%s", hashPrefix, iterations, enc.EncodeToString(salt), enc.EncodeToString(sum)), nil
}

// VerifyPassword reports whether password matches hash, in constant time.
// A malformed hash never matches.
func VerifyPassword(hash, password string) bool {
	iter, salt, want, err := parseHash(hash)
	if err != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// IsHash reports whether s looks like a HashPassword result.
func IsHash(s string) bool {
	_, _, _, err := parseHash(s)
	return err == nil
}

func parseHash(hash string) (iter int, salt, sum []byte, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != hashPrefix {
		return 0, nil, nil, errors.New("not a pbkdf2-sha256 hash")
	}
	iter, err = strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return 0, nil, nil, errors.New("bad iteration count")
	}
	enc := base64.RawStdEncoding
	if salt, err = enc.DecodeString(parts[2]); err != nil || len(salt) < 8 {
		return 0, nil, nil, errors.New("bad salt")
	}
	if sum, err = enc.DecodeString(parts[3]); err != nil || len(sum) < 16 {
		return 0, nil, nil, errors.New("bad hash")
	}
	return iter, salt, sum, nil
}
