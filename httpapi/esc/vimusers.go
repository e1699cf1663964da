package esc

import (
	"context"
	"encoding/xml"
	"net/http"

	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/vim"
)

// An ESC VIM user is its connector's credential: its ID is the Keystone
// user name, and its password is sealed, with the connector's project and
// domains, by Backend.SetCredentials into a credential resource that the
// location names. Each write seals a new credential under a new ID, so
// the location's spec changes and its drivers reopen with it (and the
// outcome can wait for that); the one replaced is deleted. The location
// is labelled esc/vim_user with the user's ID, so users are listed
// without opening anything. ESC's VIM connector has one user.

const (
	opCreateVIMUser = "create_vim_user"
	opUpdateVIMUser = "update_vim_user"
	opDeleteVIMUser = "delete_vim_user"
)

// labelVIMUser names a connector's VIM user.
const labelVIMUser = "esc/vim_user"

// paramVIMUser carries the user's ID in a transaction's watch.
const paramVIMUser = "vim_user"

// vimUserBody is a VIM user on the wire, both ways. Its XML root is ESC's
// <user> (<vim_user> is read too).
type vimUserBody struct {
	XMLName     xml.Name            `json:"-"`
	Xmlns       string              `xml:"xmlns,attr,omitempty" json:"-"`
	ID          string              `xml:"id,omitempty" json:"id,omitempty"`
	VimID       string              `xml:"vim_id,omitempty" json:"vim_id,omitempty"`
	Credentials *vimUserCredentials `xml:"credentials,omitempty" json:"credentials,omitempty"`
	EventType   string              `xml:"event_type,omitempty" json:"event_type,omitempty"`
}

type vimUserCredentials struct {
	Properties *vimProperties `xml:"properties,omitempty" json:"properties,omitempty"`
}

// vimUserList is GET .../vim_users in XML (JSON: a bare array).
type vimUserList struct {
	XMLName xml.Name      `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 vim_users"`
	Users   []vimUserBody `xml:"user"`
}

// vimUserView renders a VIM user: its password by name only, never a value.
func vimUserView(vimID, userID string, labels map[string]string, event string) vimUserBody {
	props := []vimProperty{{Name: vimPropPassword}}
	if d := labels[labelVIMUserDomain]; d != "" {
		props = append(props, vimProperty{Name: vimPropUserDomain, Value: &d})
	}
	return vimUserBody{XMLName: xml.Name{Local: "user"}, Xmlns: netconfNS, ID: userID, VimID: vimID, EventType: event,
		Credentials: &vimUserCredentials{Properties: &vimProperties{Property: props}}}
}

// fetchVIMUser gets the connector in the path and checks that the user in
// the path is its user.
func (a *api) fetchVIMUser(r *http.Request) (*resource.Resource, string, error) {
	loc, err := a.fetchVIM(r.Context(), r.PathValue("vim"))
	if err != nil {
		return nil, "", err
	}
	user := r.PathValue("user")
	if user == "" || loc.Labels[labelVIMUser] != user {
		return nil, "", errNotFound("VIM User", user)
	}
	return loc, user, nil
}

// readVIMUser reads a user body for the connector vimID; the password is
// required (orca cannot read back the one it sealed).
func (a *api) readVIMUser(w http.ResponseWriter, r *http.Request, vimID string) (*vimUserBody, map[string]string, error) {
	data, err := a.kit.ReadRaw(w, r)
	if err != nil {
		return nil, nil, err
	}
	f, err := requestFormat(r)
	if err != nil {
		return nil, nil, err
	}
	var in vimUserBody
	if err := decode(data, f, &in, "VIM user"); err != nil {
		return nil, nil, err
	}
	if root := in.XMLName.Local; root != "" && root != "user" && root != "vim_user" {
		return nil, nil, resource.Errorf(resource.Invalid, "the VIM user's XML root is <user>, not <%s>", root)
	}
	if in.VimID != "" && in.VimID != vimID {
		return nil, nil, resource.InvalidField("vim_id", "%q differs from the VIM connector in the path (%s)", in.VimID, vimID)
	}
	var props map[string]string
	if in.Credentials != nil {
		props, err = readVIMProps(in.Credentials.Properties, vimUserProps, "VIM user")
		if err != nil {
			return nil, nil, err
		}
	}
	if props[vimPropPassword] == "" {
		return nil, nil, resource.InvalidField("credentials", "a VIM user needs the property password (orca seals it and never reads it back)")
	}
	return &in, props, nil
}

func (a *api) listVIMUsers(w http.ResponseWriter, r *http.Request) error {
	loc, err := a.fetchVIM(r.Context(), r.PathValue("vim"))
	if err != nil {
		return err
	}
	views := []vimUserBody{}
	if u := loc.Labels[labelVIMUser]; u != "" {
		views = append(views, vimUserView(loc.ID, u, loc.Labels, ""))
	}
	f, _ := responseFormat(r)
	if f == formatJSON {
		return write(w, http.StatusOK, f, views)
	}
	return write(w, http.StatusOK, f, vimUserList{Users: views})
}

func (a *api) getVIMUser(w http.ResponseWriter, r *http.Request) error {
	loc, user, err := a.fetchVIMUser(r)
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, vimUserView(loc.ID, user, loc.Labels, ""))
}

// errSecondVIMUser is ESC's one-user rule.
func errSecondVIMUser(vimID, user string) error {
	return resource.Errorf(resource.Conflict, "VIM Connector %s already has the VIM user %s: ESC supports one VIM user per VIM connector (update or delete that one)", vimID, user)
}

func (a *api) createVIMUser(w http.ResponseWriter, r *http.Request) error {
	in, props, err := a.readVIMUser(w, r, r.PathValue("vim"))
	if err != nil {
		return err
	}
	if err := checkInternalID("id", in.ID); err != nil {
		return err
	}
	loc, err := a.fetchVIM(r.Context(), r.PathValue("vim"))
	if err != nil {
		return err
	}
	// The same check is made again on the record written (sealVIMUser).
	noUser := func(cur *resource.Resource, spec *resource.Location) error {
		switch {
		case cur.Labels[labelVIMUser] != "":
			return errSecondVIMUser(cur.ID, cur.Labels[labelVIMUser])
		case spec.CredentialID != "":
			return resource.Errorf(resource.Conflict, "VIM Connector %s logs in with credential %s, set outside this API: ESC supports one VIM user per VIM connector", cur.ID, spec.CredentialID)
		}
		return nil
	}
	spec, err := vimLocationSpec(loc)
	if err != nil {
		return err
	}
	if err := noUser(loc, spec); err != nil {
		return err
	}
	t, err := a.begin(r, opCreateVIMUser)
	if err != nil {
		return err
	}
	out, err := a.sealVIMUser(r.Context(), loc.ID, in.ID, props, noUser)
	if err != nil {
		return err
	}
	return a.acceptVIM(w, r, t, out.Ref, map[string]string{paramVIMUser: in.ID}, vimUserView(out.ID, in.ID, out.Labels, "CREATE_VIM_USER"))
}

func (a *api) updateVIMUser(w http.ResponseWriter, r *http.Request) error {
	in, props, err := a.readVIMUser(w, r, r.PathValue("vim"))
	if err != nil {
		return err
	}
	loc, user, err := a.fetchVIMUser(r)
	if err != nil {
		return err
	}
	if in.ID != "" && in.ID != user {
		return resource.InvalidField("id", "%q differs from the VIM user in the path (%s)", in.ID, user)
	}
	t, err := a.begin(r, opUpdateVIMUser)
	if err != nil {
		return err
	}
	out, err := a.sealVIMUser(r.Context(), loc.ID, user, props, func(cur *resource.Resource, _ *resource.Location) error {
		if cur.Labels[labelVIMUser] != user {
			return errNotFound("VIM User", user)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return a.acceptVIM(w, r, t, out.Ref, map[string]string{paramVIMUser: user}, vimUserView(out.ID, user, out.Labels, "UPDATE_VIM_USER"))
}

func (a *api) deleteVIMUser(w http.ResponseWriter, r *http.Request) error {
	loc, user, err := a.fetchVIMUser(r)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opDeleteVIMUser)
	if err != nil {
		return err
	}
	if err := a.removeVIMUser(r.Context(), loc.ID, user); err != nil {
		return err
	}
	return a.acceptVIM(w, r, t, loc.Ref, map[string]string{paramVIMUser: user}, vimUserView(loc.ID, user, loc.Labels, "DELETE_VIM_USER"))
}

// sealVIMUser seals the user's credentials under a new ID and points the
// connector at them, if check passes on the record as written; the
// credential replaced, and any sealed for an attempt that lost a race,
// are deleted.
func (a *api) sealVIMUser(ctx context.Context, vimID, user string, props map[string]string, check func(*resource.Resource, *resource.Location) error) (*resource.Resource, error) {
	var sealed []string // every credential sealed, the one kept last
	var replaced string
	out, err := a.changeVIM(ctx, vimID, func(next *resource.Resource, spec *resource.Location) error {
		if err := check(next, spec); err != nil {
			return err
		}
		if d, ok := props[vimPropUserDomain]; ok {
			applyVIMProps(next, spec, map[string]string{vimPropUserDomain: d})
		}
		creds := vim.Credentials{
			Username: user, Password: props[vimPropPassword],
			ProjectName: next.Labels[labelVIMProject], ProjectID: next.Labels[labelVIMProjectID],
			ProjectDomain: next.Labels[labelVIMProjectDomain], UserDomain: next.Labels[labelVIMUserDomain],
		}
		id := resource.NewID()
		if _, err := a.b.SetCredentials(ctx, id, creds); err != nil {
			return err
		}
		sealed = append(sealed, id)
		replaced, spec.CredentialID = spec.CredentialID, id
		next.Labels[labelVIMUser] = user
		return nil
	})
	unused := sealed
	if err == nil {
		unused = append(sealed[:len(sealed)-1:len(sealed)-1], replaced)
	}
	a.deleteVIMCredentials(ctx, vimID, unused)
	return out, err
}

// removeVIMUser takes the user off the connector (its drivers reopen without
// credentials) and deletes the credential.
func (a *api) removeVIMUser(ctx context.Context, vimID, user string) error {
	var cred string
	_, err := a.changeVIM(ctx, vimID, func(next *resource.Resource, spec *resource.Location) error {
		if next.Labels[labelVIMUser] != user {
			return errNotFound("VIM User", user)
		}
		cred, spec.CredentialID = spec.CredentialID, ""
		delete(next.Labels, labelVIMUser)
		return nil
	})
	if err != nil {
		return err
	}
	a.deleteVIMCredentials(ctx, vimID, []string{cred})
	return nil
}

// deleteVIMCredentials deletes credentials no location needs any more. A
// failure is logged, by ID only, for an operator to finish
// (/v1.0/admin/credentials): the write it follows has been made.
func (a *api) deleteVIMCredentials(ctx context.Context, vimID string, ids []string) {
	ctx = context.WithoutCancel(ctx) // a client leaving must not strand a secret
	for _, id := range ids {
		if id == "" {
			continue
		}
		err := a.b.Delete(ctx, resource.Ref{Kind: resource.KindCredential, ID: id}, 0)
		if err != nil && resource.CodeOf(err) != resource.NotFound {
			a.kit.Log().Warn("esc: deleting a VIM user's replaced credential", "vim", vimID, "credential", id, "err", err)
		}
	}
}

// vimUserOutcome reports a user's transaction once orca has reopened the
// connector's drivers with (or without) the credentials: logged in, or
// failed, saying why.
func (a *api) vimUserOutcome(_ context.Context, t transaction, w *resource.Watch, target *resource.Resource) *report {
	vimID, user := w.TargetID, w.Params[paramVIMUser]
	verb, event := "created", "CREATE_VIM_USER"
	switch t.op {
	case opUpdateVIMUser:
		verb, event = "updated", "UPDATE_VIM_USER"
	case opDeleteVIMUser:
		verb, event = "deleted", "DELETE_VIM_USER"
	}
	if target == nil {
		body := vimUserView(vimID, user, nil, event)
		if t.op == opDeleteVIMUser {
			return &report{http.StatusOK, "VIM User successfully deleted", body}
		}
		return &report{http.StatusInternalServerError, "VIM Connector " + vimID + " no longer exists", body}
	}
	body := vimUserView(vimID, user, target.Labels, event)
	switch {
	case !vimObserved(target):
		return nil
	case t.op != opDeleteVIMUser && target.Labels[labelVIMUser] != user:
		return &report{http.StatusInternalServerError, "VIM User " + user + " no longer exists", body}
	case t.op != opDeleteVIMUser && target.Status.Phase == resource.PhaseFailed:
		return &report{http.StatusInternalServerError, "VIM User " + user + " cannot connect to VIM Connector " + vimID + ": " + target.Status.Message, body}
	}
	return &report{http.StatusOK, "VIM User successfully " + verb, body}
}
