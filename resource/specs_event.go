package resource

// Event records one phase change of a resource, so users can see what
// happened to it and why it is stuck. The orchestrator writes events and
// keeps a bounded number per subject; the event's CreatedAt is its time.
type Event struct {
	SubjectKind Kind   `json:"subject_kind"`
	SubjectID   string `json:"subject_id" orca:"index"`
	// Location is set for per-location subjects.
	Location string `json:"location"`
	From     Phase  `json:"from"`
	To       Phase  `json:"to"`
	Message  string `json:"message"`
}

func (e *Event) Validate() error {
	var p problems
	if err := checkKindName(e.SubjectKind); err != nil {
		p.add("subject_kind", "%v", err)
	}
	p.ref("subject_id", e.SubjectID, true)
	p.ref("location", e.Location, false)
	if e.From != "" && !e.From.Valid() {
		p.add("from", "%q is not a phase", e.From)
	}
	if !e.To.Valid() {
		p.add("to", "%q is not a phase", e.To)
	}
	p.text("message", e.Message, MaxDescriptionLen)
	return p.err()
}

// Dependencies is empty: events outlive their subjects.
func (e *Event) Dependencies() []Ref { return nil }
