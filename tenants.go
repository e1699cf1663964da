package orca

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// maxNamed bounds how many of a tenant's resources a refusal names.
const maxNamed = 10

// checkTenantEmpty refuses (Conflict) to delete a tenant that still owns
// resources, naming them, networks first (a Trema tenant's slices). Only
// what a tenant asks for counts: per-location copies go with their
// parents, and events and action records with their subjects. It runs in
// the deleting transaction, so nothing created before it commits slips
// past.
func (o *Orchestrator) checkTenantEmpty(ctx context.Context, tx store.Tx, tenant string) error {
	kinds := o.reg.Kinds()
	slices.SortStableFunc(kinds, func(a, b resource.Kind) int {
		switch {
		case a == b:
			return 0
		case a == resource.KindNetwork:
			return -1
		case b == resource.KindNetwork:
			return 1
		}
		return strings.Compare(string(a), string(b))
	})
	var named []string
	total := 0
	for _, k := range kinds {
		info, _ := o.reg.Info(k)
		if info.Scope != resource.ScopeTenant || info.Located || managed(info) {
			continue
		}
		page, err := tx.List(ctx, store.Filter{Kind: k, Tenant: tenant, Limit: maxNamed})
		if err != nil {
			return err
		}
		total += page.Total
		for _, r := range page.Items {
			if len(named) < maxNamed {
				named = append(named, r.Ref.String())
			}
		}
	}
	if total == 0 {
		return nil
	}
	more := ""
	if total > len(named) {
		more = fmt.Sprintf(" and %d more", total-len(named))
	}
	return resource.Errorf(resource.Conflict, "tenant %q still owns %d resource(s): %s%s; delete them first",
		tenant, total, strings.Join(named, ", "), more)
}
