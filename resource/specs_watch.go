package resource

// Watch follows a resource for an API that answered a request at once and
// reports its outcome later (ESC's callbacks). The orchestrator looks at
// the target at every poll and hands it to the watcher registered for
// Purpose, which decides what to report (webhooks), what to remember until
// the next look (State), and when the watch is over. Watches carry their
// subject's tenant.
type Watch struct {
	TargetKind Kind   `json:"target_kind"`
	TargetID   string `json:"target_id" orca:"index"`
	// Purpose names the watcher (orca.Orchestrator.RegisterWatcher).
	Purpose string `json:"purpose"`
	// Params are the watcher's own, fixed when the watch is made: a
	// callback URL, a transaction ID, a wire format. Secret: a callback
	// URL's query may hold the receiver's token.
	Params map[string]string `json:"params" orca:"secret"`
	// State is what the watcher keeps between looks (which VMs it has
	// reported), written with the webhooks it decided on.
	State map[string]string `json:"state"`
}

// MaxWatchEntries bounds a watch's params and state.
const MaxWatchEntries = 256

func (s *Watch) Validate() error {
	var p problems
	if err := checkKindName(s.TargetKind); err != nil {
		p.add("target_kind", "%v", err)
	}
	p.ref("target_id", s.TargetID, true)
	if s.Purpose == "" {
		p.add("purpose", "required")
	}
	p.text("purpose", s.Purpose, MaxIDLen)
	for field, m := range map[string]map[string]string{"params": s.Params, "state": s.State} {
		if len(m) > MaxWatchEntries {
			p.add(field, "%d entries; at most %d", len(m), MaxWatchEntries)
		}
		for k, v := range m {
			if k == "" || len(k) > MaxIDLen {
				p.add(field, "keys must have 1 to %d characters", MaxIDLen)
			}
			p.text(field+"."+k, v, MaxDescriptionLen)
		}
	}
	return p.err()
}

// Dependencies is empty: a watch outlives its target (to report its
// deletion).
func (s *Watch) Dependencies() []Ref { return nil }
