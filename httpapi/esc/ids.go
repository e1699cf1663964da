package esc

import (
	"slices"

	"github.com/orca-nfv/orca/resource"
)

// maxInternalID is the seed's bound on internal IDs.
const maxInternalID = 72

// topWords are the words of the API's paths right under /v0: a tenant of
// that ID could not be told from them.
var topWords = []string{"authentication", "config", "deployments", "fileserver", "flavors", "hosts", "images",
	"operationmode", "systemstate", "tenants", "vims"}

// checkInternalID enforces the seed's internal-ID rule: 1..72 characters
// of RFC 3986's unreserved set without "~" (letters, digits, "-", ".",
// "_"). orca's IDs add one rule, which the seed's examples keep: the first
// character is a letter or a digit.
func checkInternalID(field, id string) error {
	switch {
	case id == "":
		return resource.InvalidField(field, "an internal ID is required")
	case len(id) > maxInternalID:
		return resource.InvalidField(field, "internal ID %q is longer than %d characters", id, maxInternalID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || (c != '-' && c != '.' && c != '_')) {
			return resource.InvalidField(field, "internal ID %q: use letters, digits, '-', '.' and '_' (RFC 3986 unreserved, no '~'), starting with a letter or digit", id)
		}
	}
	return nil
}

// checkTenantID is checkInternalID, and no word of the API's paths.
func checkTenantID(id string) error {
	if err := checkInternalID("internal_tenant_id", id); err != nil {
		return err
	}
	if slices.Contains(topWords, id) {
		return resource.InvalidField("internal_tenant_id", "%q is a word of this API's paths and cannot name a tenant", id)
	}
	return nil
}
