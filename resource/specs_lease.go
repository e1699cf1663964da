package resource

import "time"

// Lease is a replica's claim on a share of the reconciler's work, kept in
// the store that replicas share (orca's lease.go writes them; nothing else
// may). Its ID names what it covers: "loc.<location>" for one location's
// copies and VIM calls, "shard.<n>" for a hash shard of everything else,
// "member.<replica>" for a replica's own liveness record.
//
// A lease carries no expiry time: replicas' clocks need not agree. A
// lease is expired for an observer who has seen the same revision of it
// for longer than the holder's TTL by its own clock; the holder, for its
// part, stops using a lease TTL after it began its last renewal.
type Lease struct {
	// Holder is the replica holding it; empty once released.
	Holder string `json:"holder" orca:"mutable"`
	// Epoch grows with every claim: the fencing token every write of the
	// holder's passes checks in its transaction.
	Epoch int64 `json:"epoch" orca:"mutable"`
	// TTLMillis is how long the holder may go without renewing.
	TTLMillis int64 `json:"ttl_ms" orca:"mutable"`
	// RenewedAt is the holder's clock at its last renewal, for people
	// reading it; no decision uses it.
	RenewedAt time.Time `json:"renewed_at" orca:"mutable"`
}

func (s *Lease) Validate() error {
	var p problems
	p.text("holder", s.Holder, MaxIDLen)
	if s.Epoch < 0 {
		p.add("epoch", "must not be negative")
	}
	if s.TTLMillis < 0 {
		p.add("ttl_ms", "must not be negative")
	}
	return p.err()
}

func (s *Lease) Dependencies() []Ref { return nil }
