package esc

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// Hosts are the VIMs' compute hosts, by name. orca does not list them; an
// administrator disables one so that deployments are not placed on it
// (hostEnabled), and enables it again. Each host's state is a setting
// esc:host:NAME, written only when it changes: a host never named is
// enabled. Enabling and disabling are transactions reported to the
// request's Callback-ESC-Events URL (the seed's header for host actions),
// or else to its Callback URL.

const (
	opEnableHost  = "enable_host"
	opDisableHost = "disable_host"
)

// Host states, as reported.
const (
	hostStatusEnabled  = "ENABLED"
	hostStatusDisabled = "DISABLED"
)

// maxHostName keeps esc:host:NAME a valid orca ID.
const maxHostName = resource.MaxIDLen - len(settingHostPrefix)

// hostBody is a host's state on the wire.
type hostBody struct {
	XMLName   xml.Name `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 host" json:"-"`
	HostName  string   `xml:"host_name" json:"host_name"`
	Status    string   `xml:"status" json:"status"`
	EventType string   `xml:"event_type,omitempty" json:"event_type,omitempty"`
}

func (a *api) hostArea() area {
	return area{
		routes: []route{
			{"GET", "/hosts/{host}/status", a.getHostStatus},
			{"POST", "/hosts/{host}/enable", a.enableHost},
			{"POST", "/hosts/{host}/disable", a.disableHost},
		},
		outcomes: map[string]outcome{opEnableHost: a.hostOutcome, opDisableHost: a.hostOutcome},
	}
}

// checkHostName accepts what compute hosts are named: DNS names, IPv4 and
// IPv6 literals ("my-ucs-3", "10.85.103.13", "fd00::3").
func checkHostName(name string) error {
	ok := name != "" && len(name) <= maxHostName
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			i > 0 && (c == '-' || c == '.' || c == '_' || c == ':')
	}
	if !ok {
		return resource.InvalidField("hostName", "a host name has 1 to %d letters, digits, '-', '.', '_' and ':', starting with a letter or digit", maxHostName)
	}
	return nil
}

// hostEnabled reports whether deployments may be placed on the host: true
// unless an administrator disabled it.
func (a *api) hostEnabled(ctx context.Context, name string) (bool, error) {
	status, err := a.settingValue(ctx, settingHostPrefix+name, "status")
	if err != nil {
		return false, err
	}
	return status != hostStatusDisabled, nil
}

func (a *api) getHostStatus(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("host")
	if err := checkHostName(name); err != nil {
		return err
	}
	enabled, err := a.hostEnabled(r.Context(), name)
	if err != nil {
		return err
	}
	body := hostBody{HostName: name, Status: hostStatusEnabled}
	if !enabled {
		body.Status = hostStatusDisabled
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, body)
}

func (a *api) enableHost(w http.ResponseWriter, r *http.Request) error {
	return a.setHost(w, r, opEnableHost, hostStatusEnabled)
}

func (a *api) disableHost(w http.ResponseWriter, r *http.Request) error {
	return a.setHost(w, r, opDisableHost, hostStatusDisabled)
}

func (a *api) setHost(w http.ResponseWriter, r *http.Request, op, status string) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators enable and disable hosts")
	}
	name := r.PathValue("host")
	if err := checkHostName(name); err != nil {
		return err
	}
	t, err := a.begin(r, op)
	if err != nil {
		return err
	}
	if t.events != "" {
		t.callback = t.events
	}
	out, err := a.changeSetting(r.Context(), settingHostPrefix+name, map[string]string{labelSetting: "host"}, func(s *resource.Setting) error {
		s.Values["status"] = status
		return nil
	})
	if err != nil {
		return err
	}
	a.kit.Log().Info("host "+strings.ToLower(status), "host", name, "by", dialect.Caller(r).UserName)
	return a.accept(w, r, t, dialect.Caller(r).TenantID, out.Ref, hostBody{HostName: name, Status: status, EventType: hostEvent(op)})
}

func hostEvent(op string) string {
	if op == opEnableHost {
		return "HOST_ENABLED"
	}
	return "HOST_DISABLED"
}

// hostOutcome reports a host action: a setting is realized nowhere, so
// the action is done when the store has it.
func (a *api) hostOutcome(_ context.Context, t transaction, w *resource.Watch, target *resource.Resource) *report {
	name := strings.TrimPrefix(w.TargetID, settingHostPrefix)
	if target == nil {
		return &report{http.StatusInternalServerError, "Host " + name + " has no state any more",
			hostBody{HostName: name, EventType: hostEvent(t.op)}}
	}
	status := hostStatusEnabled
	if s, ok := target.Spec.(*resource.Setting); ok && s.Values["status"] == hostStatusDisabled {
		status = hostStatusDisabled
	}
	return &report{http.StatusOK, "Host " + name + " " + strings.ToLower(status), hostBody{HostName: name, Status: status, EventType: hostEvent(t.op)}}
}
