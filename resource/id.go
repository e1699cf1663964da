package resource

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// MaxIDLen bounds IDs, names and other short identifiers.
const MaxIDLen = 255

// NewID returns a random (version 4) UUID in its canonical text form.
func NewID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// CheckID returns nil when id is usable as a resource ID: 1 to 255 characters
// from [A-Za-z0-9._:-], starting with a letter or digit. UUIDs qualify, and so
// do readable IDs such as "tenant1". The set keeps IDs safe in URL paths, SQL
// and VIM names without escaping.
func CheckID(id string) error {
	if id == "" {
		return fmt.Errorf("must not be empty")
	}
	if len(id) > MaxIDLen {
		return fmt.Errorf("longer than %d characters", MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i > 0 && (c == '-' || c == '_' || c == '.' || c == ':'):
		default:
			return fmt.Errorf("%q is not a valid ID (use letters, digits and . _ : - only, starting with a letter or digit)", id)
		}
	}
	return nil
}
