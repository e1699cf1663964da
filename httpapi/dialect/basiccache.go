package dialect

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/orca-nfv/orca/identity"
)

// basicCache remembers recently verified basic credentials, so a client
// that sends them with every request (ESC's do) costs one password hash
// per few minutes rather than one per request. Credentials are kept only
// as an HMAC under a key made at start and never stored: the cache holds
// nothing a password can be read from, and a guess still costs a full
// verification.
type basicCache struct {
	key []byte
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[[sha256.Size]byte]basicEntry
}

type basicEntry struct {
	user    string
	p       *identity.Principal
	expires time.Time
}

func newBasicCache(ttl time.Duration, max int) *basicCache {
	key := make([]byte, 32)
	rand.Read(key) // never fails
	return &basicCache{key: key, ttl: ttl, max: max, entries: map[[sha256.Size]byte]basicEntry{}}
}

func (c *basicCache) sum(user, password, project string) [sha256.Size]byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(user + "\x00" + password + "\x00" + project))
	var out [sha256.Size]byte
	copy(out[:], m.Sum(nil))
	return out
}

// get returns the principal of credentials verified within the TTL.
func (c *basicCache) get(user, password, project string) *identity.Principal {
	k := c.sum(user, password, project)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || time.Now().After(e.expires) {
		delete(c.entries, k)
		return nil
	}
	p := *e.p
	return &p
}

// put remembers verified credentials; when full it drops expired entries,
// and if none, starts over (a bound, not an eviction policy: a full cache
// only costs re-verification).
func (c *basicCache) put(user, password, project string, p *identity.Principal) {
	k := c.sum(user, password, project)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		now := time.Now()
		for key, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, key)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	cp := *p
	c.entries[k] = basicEntry{user: user, p: &cp, expires: time.Now().Add(c.ttl)}
}

// forget drops what was verified for user (whose password changed).
func (c *basicCache) forget(user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.user == user {
			delete(c.entries, k)
		}
	}
}
