package resource

import (
	"maps"
	"slices"
)

// Bounds on a setting.
const (
	// MaxSettingEntries bounds the entries of a setting's Values and
	// Secrets together.
	MaxSettingEntries = 1024
	// MaxSettingValueLen bounds one value.
	MaxSettingValueLen = 4096
)

// Setting is a durable piece of a server's own configuration (ESC's
// configuration parameters, operation mode, host states, file servers): a
// record in the store, realized in no VIM, which the orchestrator keeps
// and does nothing else with. The API that writes a setting gives it an
// ID of its own namespace (ESC's are "esc:..."), and reads it back to act
// on it.
type Setting struct {
	// Values are the setting's entries, shown to administrators.
	Values map[string]string `json:"values" orca:"mutable"`
	// Secrets are entries never rendered by the HTTP layers, for digests
	// such as password hashes. What must be read back in the clear is
	// sealed instead: a credential (CredentialID).
	Secrets map[string]string `json:"secrets,omitempty" orca:"mutable,secret"`
	// CredentialID names the credential holding the setting's sealed
	// secrets (a file server's password).
	CredentialID string `json:"credential_id,omitempty" orca:"ref=credential,mutable"`
}

func (s *Setting) Validate() error {
	var p problems
	if n := len(s.Values) + len(s.Secrets); n > MaxSettingEntries {
		p.add("values", "%d entries; at most %d", n, MaxSettingEntries)
	}
	// In a fixed order, so that the first problem named is always the same.
	for _, field := range []string{"values", "secrets"} {
		m := s.Values
		if field == "secrets" {
			m = s.Secrets
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v := m[k]
			if k == "" || len(k) > MaxIDLen {
				p.add(field, "keys have 1 to %d bytes", MaxIDLen)
				continue
			}
			p.text(field+" key", k, MaxIDLen)
			if field == "secrets" {
				// A secret's value is never quoted in an error.
				if len(v) > MaxSettingValueLen {
					p.add(field+"."+k, "longer than %d bytes", MaxSettingValueLen)
				}
				continue
			}
			p.text(field+"."+k, v, MaxSettingValueLen)
		}
	}
	p.ref("credential_id", s.CredentialID, false)
	return p.err()
}

func (s *Setting) Dependencies() []Ref { return refs(Ref{KindCredential, s.CredentialID}) }
