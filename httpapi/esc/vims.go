package esc

import (
	"context"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/orca-nfv/orca"
	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
)

// An ESC VIM connector is an orca location: its ID is the location's,
// authUrl its keystone_endpoint, region its region. project, projectId
// and the domains scope a Keystone login, which orca keeps in the sealed
// credential: they stay on the location as labels (esc/...) and are sealed
// with the VIM user's password when one is added (vimusers.go). Every
// location is a VIM connector (those made through /v1.0 too); this API
// makes and changes OPENSTACK ones.

const (
	opCreateVIM     = "create_vim"
	opUpdateVIM     = "update_vim"
	opDeleteVIM     = "delete_vim"
	opSetDefaultVIM = "set_default_vim"
)

// Labels of what a location has no field for.
const (
	labelVIMProject       = "esc/project"
	labelVIMProjectID     = "esc/project_id"
	labelVIMProjectDomain = "esc/project_domain"
	labelVIMUserDomain    = "esc/user_domain"
	// labelDefault marks the default connector with a sequence number:
	// the highest (ties: the greater ID) is the default (see setDefault).
	labelDefaultVIM = "esc/default"
)

// VIM types.
const (
	vimTypeOpenStack = "OPENSTACK"
	vimTypeContrail  = "CONTRAIL" // a Contrail-only location, made through /v1.0
	vimTypeFake      = "FAKE"     // orca's in-memory VIM (fake:// endpoints)
)

// pathDefaultVIM is the word of /vims/default_vim_connector, which no
// connector can be named.
const pathDefaultVIM = "default_vim_connector"

// Property names, as rendered; ESC's documents also use the os_* names.
const (
	vimPropAuthURL       = "authUrl"
	vimPropProject       = "project"
	vimPropProjectID     = "projectId"
	vimPropProjectDomain = "projectDomain"
	vimPropUserDomain    = "userDomain"
	vimPropRegion        = "region"
	vimPropIdentityAPI   = "identityApiVersion" // accepted as "3", not kept
	vimPropPassword      = "password"
)

// vimPropNames maps every accepted name to its canonical one.
var vimPropNames = map[string]string{
	vimPropAuthURL: vimPropAuthURL, "os_auth_url": vimPropAuthURL,
	vimPropProject: vimPropProject, "os_project_name": vimPropProject,
	vimPropProjectID: vimPropProjectID, "os_project_id": vimPropProjectID,
	vimPropProjectDomain: vimPropProjectDomain, "os_project_domain_name": vimPropProjectDomain,
	vimPropUserDomain: vimPropUserDomain, "os_user_domain_name": vimPropUserDomain,
	vimPropRegion: vimPropRegion, "os_region_name": vimPropRegion,
	vimPropIdentityAPI: vimPropIdentityAPI, "os_identity_api_version": vimPropIdentityAPI,
	vimPropPassword: vimPropPassword, "os_password": vimPropPassword,
}

// vimPropLabels are the properties kept as labels.
var vimPropLabels = map[string]string{
	vimPropProject: labelVIMProject, vimPropProjectID: labelVIMProjectID,
	vimPropProjectDomain: labelVIMProjectDomain, vimPropUserDomain: labelVIMUserDomain,
}

// Which properties each body takes.
var (
	vimConnectorProps = []string{vimPropAuthURL, vimPropProject, vimPropProjectID, vimPropProjectDomain, vimPropUserDomain, vimPropRegion, vimPropIdentityAPI}
	vimUserProps      = []string{vimPropPassword, vimPropUserDomain}
)

// maxVIMSecretLen bounds a password.
const maxVIMSecretLen = 4096

// vimProperty is one name and value; encrypted_value is taken as the value
// (orca has no ESC key to decrypt with; what is secret it seals itself).
type vimProperty struct {
	Name           string  `xml:"name" json:"name"`
	Value          *string `xml:"value,omitempty" json:"value,omitempty"`
	EncryptedValue *string `xml:"encrypted_value,omitempty" json:"encrypted_value,omitempty"`
}

type vimProperties struct {
	Property []vimProperty `xml:"property" json:"property"`
}

// vimBody is a VIM connector on the wire, both ways. status and
// status_message are orca's, rendered only.
type vimBody struct {
	XMLName       xml.Name       `xml:"vim_connector" json:"-"`
	Xmlns         string         `xml:"xmlns,attr,omitempty" json:"-"`
	ID            string         `xml:"id,omitempty" json:"id,omitempty"`
	Type          string         `xml:"type,omitempty" json:"type,omitempty"`
	Properties    *vimProperties `xml:"properties,omitempty" json:"properties,omitempty"`
	EventType     string         `xml:"event_type,omitempty" json:"event_type,omitempty"`
	Status        string         `xml:"status,omitempty" json:"status,omitempty"`
	StatusMessage string         `xml:"status_message,omitempty" json:"status_message,omitempty"`
}

// vimList is GET /v0/vims in XML (JSON: a bare array).
type vimList struct {
	XMLName xml.Name  `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 vim_connectors"`
	VIMs    []vimBody `xml:"vim_connector"`
}

// defaultVIMBody is the default connector on the wire.
type defaultVIMBody struct {
	XMLName   xml.Name `xml:"default_vim_connector" json:"-"`
	Xmlns     string   `xml:"xmlns,attr,omitempty" json:"-"`
	ID        string   `xml:"defaultVimConnectorId,omitempty" json:"defaultVimConnectorId,omitempty"`
	EventType string   `xml:"event_type,omitempty" json:"event_type,omitempty"`
}

func (a *api) vimArea() area {
	admin := func(e dialect.Endpoint) dialect.Endpoint {
		return dialect.AdminOnly("only administrators manage VIM connectors and VIM users", e)
	}
	return area{
		routes: []route{
			{"GET", "/vims", admin(a.listVIMs)},
			{"POST", "/vims", admin(a.createVIM)},
			{"GET", "/vims/" + pathDefaultVIM, admin(a.getDefaultVIM)},
			{"POST", "/vims/" + pathDefaultVIM, admin(a.setDefaultVIM)},
			{"GET", "/vims/{vim}", admin(a.getVIM)},
			{"PUT", "/vims/{vim}", admin(a.updateVIM)},
			{"DELETE", "/vims/{vim}", admin(a.deleteVIM)},
			{"PUT", "/vims/{vim}/check_status", admin(a.checkVIMStatus)},
			{"GET", "/vims/{vim}/vim_users", admin(a.listVIMUsers)},
			{"POST", "/vims/{vim}/vim_users", admin(a.createVIMUser)},
			{"GET", "/vims/{vim}/vim_users/{user}", admin(a.getVIMUser)},
			{"PUT", "/vims/{vim}/vim_users/{user}", admin(a.updateVIMUser)},
			{"DELETE", "/vims/{vim}/vim_users/{user}", admin(a.deleteVIMUser)},
		},
		outcomes: map[string]outcome{
			opCreateVIM: a.vimOutcome, opUpdateVIM: a.vimOutcome, opDeleteVIM: a.vimOutcome,
			opSetDefaultVIM: a.defaultVIMOutcome,
			opCreateVIMUser: a.vimUserOutcome, opUpdateVIMUser: a.vimUserOutcome, opDeleteVIMUser: a.vimUserOutcome,
		},
	}
}

// vimLocationSpec is a location's spec, or an internal error for a record
// that is not one.
func vimLocationSpec(loc *resource.Resource) (*resource.Location, error) {
	spec, ok := loc.Spec.(*resource.Location)
	if !ok || spec == nil {
		return nil, resource.Errorf(resource.Unknown, "location %s has a spec of type %T", loc.ID, loc.Spec)
	}
	return spec, nil
}

func vimType(spec *resource.Location) string {
	switch {
	case spec.KeystoneEndpoint == "":
		return vimTypeContrail
	case strings.HasPrefix(strings.ToLower(spec.KeystoneEndpoint), "fake:"):
		return vimTypeFake
	}
	return vimTypeOpenStack
}

// vimConnection is how ESC names a location's phase.
func vimConnection(deleting bool, phase resource.Phase) string {
	switch {
	case deleting:
		return "DELETING"
	case phase == resource.PhaseReady:
		return "CONNECTION_SUCCESSFUL"
	case phase == resource.PhaseFailed:
		return "CONNECTION_FAILED"
	}
	return "CONNECTION_PENDING"
}

// vimView renders a connector: no credential, only the names of what
// scopes it.
func vimView(loc *resource.Resource, event string) vimBody {
	b := vimBody{Xmlns: netconfNS, ID: loc.ID, EventType: event,
		Status: vimConnection(loc.Deleting, loc.Status.Phase), StatusMessage: loc.Status.Message}
	spec, err := vimLocationSpec(loc)
	if err != nil {
		return b
	}
	b.Type = vimType(spec)
	props := &vimProperties{}
	add := func(name, v string) {
		if v != "" {
			props.Property = append(props.Property, vimProperty{Name: name, Value: &v})
		}
	}
	add(vimPropAuthURL, spec.KeystoneEndpoint)
	add(vimPropProject, loc.Labels[labelVIMProject])
	add(vimPropProjectID, loc.Labels[labelVIMProjectID])
	add(vimPropProjectDomain, loc.Labels[labelVIMProjectDomain])
	add(vimPropUserDomain, loc.Labels[labelVIMUserDomain])
	add(vimPropRegion, spec.Region)
	if len(props.Property) > 0 {
		b.Properties = props
	}
	return b
}

// readVIMProps reads a body's properties into canonical name => value,
// accepting the names allowed. Errors name the property, never its value.
func readVIMProps(in *vimProperties, allowed []string, what string) (map[string]string, error) {
	out := map[string]string{}
	if in == nil {
		return out, nil
	}
	for _, p := range in.Property {
		name, ok := vimPropNames[p.Name]
		if !ok || !slices.Contains(allowed, name) {
			return nil, resource.InvalidField("properties", "unknown property %q of a %s (it takes %s)", p.Name, what, strings.Join(allowed, ", "))
		}
		if _, dup := out[name]; dup {
			return nil, resource.InvalidField("properties", "property %q is given twice", name)
		}
		var v string
		switch {
		case p.Value != nil && p.EncryptedValue != nil:
			return nil, resource.InvalidField("properties", "property %q has both value and encrypted_value", name)
		case p.Value != nil:
			v = *p.Value
		case p.EncryptedValue != nil:
			v = *p.EncryptedValue
		default:
			return nil, resource.InvalidField("properties", "property %q has no value", name)
		}
		limit := resource.MaxIDLen
		switch name {
		case vimPropPassword:
			limit = maxVIMSecretLen
		case vimPropAuthURL:
			limit = 2048
		}
		if len(v) > limit || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, resource.InvalidField("properties", "property %q must be at most %d bytes of text without control characters", name, limit)
		}
		out[name] = v
	}
	if v, ok := out[vimPropIdentityAPI]; ok && v != "3" && v != "v3" {
		return nil, resource.InvalidField("properties", "identityApiVersion must be 3: orca speaks Keystone v3")
	}
	delete(out, vimPropIdentityAPI)
	return out, nil
}

// checkEndpoint refuses an authUrl this server may not dial: it is the
// server that logs in there (400, not 403: the request is what is wrong).
func (a *api) checkEndpoint(u string) error {
	if u == "" {
		return resource.InvalidField(vimPropAuthURL, "an OPENSTACK VIM connector needs the property authUrl")
	}
	if _, err := a.opts.Fetches.CheckURL(u); err != nil {
		return &resource.Error{Code: resource.Invalid, Field: vimPropAuthURL, Err: fmt.Errorf("authUrl: %w", err)}
	}
	return nil
}

// applyVIMProps sets a connector's properties on a location; an empty value
// removes an optional one.
func applyVIMProps(loc *resource.Resource, spec *resource.Location, props map[string]string) {
	labels := maps.Clone(loc.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	for name, v := range props {
		switch name {
		case vimPropAuthURL:
			spec.KeystoneEndpoint = v
		case vimPropRegion:
			spec.Region = v
		default:
			if v == "" {
				delete(labels, vimPropLabels[name])
			} else {
				labels[vimPropLabels[name]] = v
			}
		}
	}
	loc.Labels, loc.Spec = labels, spec
}

// readVIM reads a connector body.
func (a *api) readVIM(w http.ResponseWriter, r *http.Request) (*vimBody, map[string]string, error) {
	data, err := a.kit.ReadRaw(w, r)
	if err != nil {
		return nil, nil, err
	}
	f, err := requestFormat(r)
	if err != nil {
		return nil, nil, err
	}
	var in vimBody
	if err := decode(data, f, &in, "VIM connector"); err != nil {
		return nil, nil, err
	}
	props, err := readVIMProps(in.Properties, vimConnectorProps, "VIM connector")
	if err != nil {
		return nil, nil, err
	}
	return &in, props, nil
}

// fetchVIM gets the connector in the path.
func (a *api) fetchVIM(ctx context.Context, id string) (*resource.Resource, error) {
	notFound := errNotFound("VIM Connector", id)
	if resource.CheckID(id) != nil {
		return nil, notFound
	}
	loc, err := a.b.Get(ctx, resource.Ref{Kind: resource.KindLocation, ID: id})
	if resource.CodeOf(err) == resource.NotFound {
		return nil, notFound
	}
	return loc, err
}

// changeVIM applies change to the connector as stored and writes it at
// that revision, re-reading when another write came first: what change
// checks holds for what is written.
func (a *api) changeVIM(ctx context.Context, id string, change func(next *resource.Resource, spec *resource.Location) error) (*resource.Resource, error) {
	if _, err := a.fetchVIM(ctx, id); err != nil {
		return nil, err
	}
	return dialect.Change(ctx, a.b, resource.Ref{Kind: resource.KindLocation, ID: id}, func(next *resource.Resource) error {
		spec, err := vimLocationSpec(next)
		if err != nil {
			return err
		}
		nspec := *spec
		next.Spec = &nspec
		return change(next, &nspec)
	})
}

func (a *api) listVIMs(w http.ResponseWriter, r *http.Request) error {
	page, err := a.b.List(r.Context(), store.Filter{Kind: resource.KindLocation})
	if err != nil {
		return err
	}
	views := make([]vimBody, 0, len(page.Items))
	for _, l := range page.Items {
		views = append(views, vimView(l, ""))
	}
	f, _ := responseFormat(r)
	if f == formatJSON {
		return write(w, http.StatusOK, f, views)
	}
	return write(w, http.StatusOK, f, vimList{VIMs: views})
}

func (a *api) getVIM(w http.ResponseWriter, r *http.Request) error {
	loc, err := a.fetchVIM(r.Context(), r.PathValue("vim"))
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, vimView(loc, ""))
}

func (a *api) createVIM(w http.ResponseWriter, r *http.Request) error {
	in, props, err := a.readVIM(w, r)
	if err != nil {
		return err
	}
	if err := checkInternalID("id", in.ID); err != nil {
		return err
	}
	if in.ID == pathDefaultVIM {
		return resource.InvalidField("id", "%q is a word of this API's paths and cannot name a VIM connector", in.ID)
	}
	if in.Type != vimTypeOpenStack {
		return resource.InvalidField("type", "unknown VIM type %q: this API makes OPENSTACK VIM connectors", in.Type)
	}
	if err := a.checkEndpoint(props[vimPropAuthURL]); err != nil {
		return err
	}
	t, err := a.begin(r, opCreateVIM)
	if err != nil {
		return err
	}
	loc := &resource.Resource{Ref: resource.Ref{Kind: resource.KindLocation, ID: in.ID}, Name: in.ID}
	applyVIMProps(loc, &resource.Location{}, props)
	out, err := a.b.Create(r.Context(), loc)
	if resource.CodeOf(err) == resource.Conflict {
		return resource.Errorf(resource.Conflict, "Conflicting Request: the internal ID %q is in use", in.ID)
	}
	if err != nil {
		return err
	}
	return a.acceptVIM(w, r, t, out.Ref, nil, vimView(out, "CREATE_VIM_CONNECTOR"))
}

func (a *api) updateVIM(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("vim")
	in, props, err := a.readVIM(w, r)
	if err != nil {
		return err
	}
	if _, err := a.fetchVIM(r.Context(), id); err != nil {
		return err
	}
	if in.ID != "" && in.ID != id {
		return resource.InvalidField("id", "%q differs from the VIM connector in the path (%s)", in.ID, id)
	}
	if u, ok := props[vimPropAuthURL]; ok {
		if err := a.checkEndpoint(u); err != nil {
			return err
		}
	}
	t, err := a.begin(r, opUpdateVIM)
	if err != nil {
		return err
	}
	out, err := a.changeVIM(r.Context(), id, func(next *resource.Resource, spec *resource.Location) error {
		switch typ := vimType(spec); {
		case in.Type != "" && in.Type != typ:
			return resource.InvalidField("type", "VIM connector %s is of type %s, not %q: a connector's type does not change", id, typ, in.Type)
		case typ != vimTypeOpenStack:
			return resource.InvalidField("type", "VIM connector %s is of type %s: this API changes OPENSTACK VIM connectors only", id, typ)
		}
		if user := next.Labels[labelVIMUser]; user != "" {
			for name, label := range vimPropLabels {
				if v, ok := props[name]; ok && v != next.Labels[label] {
					return &resource.Error{Code: resource.Conflict, Field: "properties", Err: fmt.Errorf(
						"%s of VIM connector %s is sealed in the credentials of its VIM user %s: delete the VIM user, change the connector, then add the user again", name, id, user)}
				}
			}
		}
		applyVIMProps(next, spec, props)
		return nil
	})
	if err != nil {
		return err
	}
	return a.acceptVIM(w, r, t, out.Ref, nil, vimView(out, "UPDATE_VIM_CONNECTOR"))
}

// maxVIMNamedPlaced bounds how many resources a refused deletion names.
const maxVIMNamedPlaced = 5

// deleteVIM removes a connector that holds no resources (orca would
// delete them with it: an ESC client must delete them itself), its VIM
// user first.
func (a *api) deleteVIM(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	cur, err := a.fetchVIM(ctx, r.PathValue("vim"))
	if err != nil {
		return err
	}
	if err := a.checkVIMEmpty(ctx, cur.ID); err != nil {
		return err
	}
	t, err := a.begin(r, opDeleteVIM)
	if err != nil {
		return err
	}
	if cur.Labels[labelVIMUser] != "" && !cur.Deleting {
		if err := a.removeVIMUser(ctx, cur.ID, cur.Labels[labelVIMUser]); err != nil {
			return err
		}
	}
	if err := a.b.Delete(ctx, cur.Ref, 0); err != nil {
		return err
	}
	return a.acceptVIM(w, r, t, cur.Ref, nil, vimView(cur, "DELETE_VIM_CONNECTOR"))
}

// checkVIMEmpty refuses (409) the deletion of a connector that resources are
// placed at, naming what they belong to. A resource placed between this
// check and the deletion is deleted with the location.
func (a *api) checkVIMEmpty(ctx context.Context, id string) error {
	page, err := a.b.List(ctx, store.Filter{Location: id, Limit: maxVIMNamedPlaced})
	if err != nil || page.Total == 0 {
		return err
	}
	var names []string
	for _, l := range page.Items {
		ref := l.Ref
		if l.Owner != nil {
			ref = *l.Owner
		}
		if !slices.Contains(names, ref.String()) {
			names = append(names, ref.String())
		}
	}
	if page.Total > len(names) {
		names = append(names, "and more")
	}
	return resource.Errorf(resource.Conflict, "VIM Connector %s still holds %d resource(s) (%s): delete them first", id, page.Total, strings.Join(names, ", "))
}

// checkVIMStatus answers the connector's state as orca's health report
// has it, at once (the seed takes no callback here); it changes nothing.
func (a *api) checkVIMStatus(w http.ResponseWriter, r *http.Request) error {
	loc, err := a.fetchVIM(r.Context(), r.PathValue("vim"))
	if err != nil {
		return err
	}
	h, err := a.b.Health(r.Context())
	if err != nil {
		return err
	}
	i := slices.IndexFunc(h.Locations, func(l orca.LocationHealth) bool { return l.ID == loc.ID })
	if i < 0 {
		return errNotFound("VIM Connector", loc.ID) // deleted meanwhile
	}
	v := vimView(loc, "")
	v.Status, v.StatusMessage = vimConnection(loc.Deleting, h.Locations[i].Phase), h.Locations[i].Message
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, v)
}

// acceptVIM is accept for a connector's transaction: its watch carries
// extra params (the VIM user's ID) and the caller's tenant (a location
// has none).
func (a *api) acceptVIM(w http.ResponseWriter, r *http.Request, t transaction, target resource.Ref, extra map[string]string, body any) error {
	t.extra = extra
	return a.accept(w, r, t, dialect.Caller(r).TenantID, target, body)
}

// vimObserved reports whether the orchestrator has taken in the location's
// latest spec (endpoints, credential) and judged it.
func vimObserved(loc *resource.Resource) bool {
	return loc.Status.ObservedGeneration >= loc.Generation &&
		(loc.Status.Phase == resource.PhaseReady || loc.Status.Phase == resource.PhaseFailed)
}

// vimOutcome reports a connector's transaction once orca has opened (or
// failed to open) its drivers. A connector without a VIM user cannot log
// in yet: its creation is reported done, the login when a user is added.
func (a *api) vimOutcome(_ context.Context, t transaction, w *resource.Watch, target *resource.Resource) *report {
	id := w.TargetID
	verb, event := "created", "CREATE_VIM_CONNECTOR"
	if t.op == opUpdateVIM {
		verb, event = "updated", "UPDATE_VIM_CONNECTOR"
	}
	switch {
	case t.op == opDeleteVIM && target == nil:
		return &report{http.StatusOK, "VIM Connector successfully deleted", vimBody{Xmlns: netconfNS, ID: id, EventType: "DELETE_VIM_CONNECTOR"}}
	case t.op == opDeleteVIM:
		return nil
	case target == nil:
		return &report{http.StatusInternalServerError, "VIM Connector " + id + " no longer exists", vimBody{Xmlns: netconfNS, ID: id, EventType: event}}
	case !vimObserved(target):
		return nil
	}
	spec, _ := vimLocationSpec(target)
	if target.Status.Phase == resource.PhaseFailed && spec != nil && spec.CredentialID != "" {
		return &report{http.StatusInternalServerError, "VIM Connector " + id + " cannot connect: " + target.Status.Message, vimView(target, event)}
	}
	return &report{http.StatusOK, "VIM Connector successfully " + verb, vimView(target, event)}
}
