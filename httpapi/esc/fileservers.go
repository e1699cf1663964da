package esc

import (
	"context"
	"encoding/xml"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
	"github.com/orca-nfv/orca/store"
	"github.com/orca-nfv/orca/vim"
)

// A file server is where deployments fetch day-0 files from: a base URL,
// a server type, optional credentials and properties, in ESC's data model
// (file_server: id, base_url, file_server_user, file_server_password,
// server_type, properties). It is a setting esc:fileserver:ID. The base
// URL is judged by Options.Fetches when it is given (a refused address is
// 400 and nothing is stored). The user and password are sealed by orca
// (Backend.SetCredentials: AES-GCM under the server's key, never in the
// store in the clear) in a credential of their own, which the setting
// names; a new password seals a new credential and the old one is
// removed. The password is never returned, logged, or quoted in an error.
// A PUT replaces the file server (base_url, type and properties as given),
// but for its credentials: without a user it keeps them, and a new user
// comes with a password.
// File servers are for administrators, reads included (they name
// credentials); their writes are transactions, done when the store has
// them.

const (
	opCreateFileServer = "create_file_server"
	opUpdateFileServer = "update_file_server"
	opDeleteFileServer = "delete_file_server"
)

// Server types, as ESC names them; each is its URL's scheme.
var fileServerTypes = []string{"HTTP", "HTTPS"}

// Bounds on a file server.
const (
	maxFileServerProperties = 32
	maxPropertyNameLen      = 63
	maxPropertyValueLen     = 255
)

// Entries of a file server's setting.
const (
	fsBaseURL    = "base_url"
	fsServerType = "server_type"
	fsUser       = "user"
	fsProperty   = "property." // + the property's name
)

// fileServerIn is a file server as a client sends it.
type fileServerIn struct {
	XMLName    xml.Name              `xml:"file_server" json:"-"`
	Xmlns      string                `xml:"xmlns,attr,omitempty" json:"-"`
	ID         string                `xml:"id" json:"id"`
	BaseURL    string                `xml:"base_url" json:"base_url"`
	User       string                `xml:"file_server_user" json:"file_server_user"`
	Password   string                `xml:"file_server_password" json:"file_server_password"`
	ServerType string                `xml:"server_type" json:"server_type"`
	Properties *fileServerProperties `xml:"properties" json:"properties"`
	EventType  string                `xml:"event_type" json:"event_type"` // as a callback echoes it; ignored
}

// fileServerBody is a file server as this API shows it: without its
// password, which has no field here.
type fileServerBody struct {
	XMLName    xml.Name              `xml:"file_server" json:"-"`
	Xmlns      string                `xml:"xmlns,attr,omitempty" json:"-"`
	ID         string                `xml:"id" json:"id"`
	BaseURL    string                `xml:"base_url,omitempty" json:"base_url,omitempty"`
	User       string                `xml:"file_server_user,omitempty" json:"file_server_user,omitempty"`
	ServerType string                `xml:"server_type,omitempty" json:"server_type,omitempty"`
	Properties *fileServerProperties `xml:"properties,omitempty" json:"properties,omitempty"`
	EventType  string                `xml:"event_type,omitempty" json:"event_type,omitempty"`
}

type fileServerProperties struct {
	Property []fileServerProperty `xml:"property" json:"property"`
}

type fileServerProperty struct {
	Name  string `xml:"name" json:"name"`
	Value string `xml:"value" json:"value"`
}

// fileServerList is GET /fileserver in XML (JSON: a bare array).
type fileServerList struct {
	XMLName xml.Name         `xml:"file_servers"`
	Xmlns   string           `xml:"xmlns,attr"`
	Servers []fileServerBody `xml:"file_server"`
}

func (a *api) fileServerArea() area {
	done := a.fileServerOutcome
	return area{
		routes: []route{
			{"GET", "/fileserver", a.listFileServers},
			{"GET", "/fileserver/{id}", a.getFileServer},
			{"POST", "/fileserver/{id}", a.createFileServer},
			{"PUT", "/fileserver/{id}", a.updateFileServer},
			{"DELETE", "/fileserver/{id}", a.deleteFileServer},
		},
		outcomes: map[string]outcome{opCreateFileServer: done, opUpdateFileServer: done, opDeleteFileServer: done},
	}
}

// fileServer is a stored file server, as deployments use it.
type fileServer struct {
	ID, BaseURL, ServerType, User string
	// CredentialID names the sealed user and password ("": none).
	CredentialID string
	Properties   map[string]string
}

func fileServerOf(r *resource.Resource) *fileServer {
	s, _ := r.Spec.(*resource.Setting)
	if s == nil {
		s = &resource.Setting{}
	}
	fs := &fileServer{ID: strings.TrimPrefix(r.ID, settingFileServerPrefix), BaseURL: s.Values[fsBaseURL],
		ServerType: s.Values[fsServerType], User: s.Values[fsUser], CredentialID: s.CredentialID, Properties: map[string]string{}}
	for k, v := range s.Values {
		if name, ok := strings.CutPrefix(k, fsProperty); ok {
			fs.Properties[name] = v
		}
	}
	return fs
}

func (fs *fileServer) view(event string) fileServerBody {
	b := fileServerBody{Xmlns: escNS, ID: fs.ID, BaseURL: fs.BaseURL, User: fs.User, ServerType: fs.ServerType, EventType: event}
	if len(fs.Properties) > 0 {
		b.Properties = &fileServerProperties{}
		for _, name := range slices.Sorted(maps.Keys(fs.Properties)) {
			b.Properties.Property = append(b.Properties.Property, fileServerProperty{name, fs.Properties[name]})
		}
	}
	return b
}

// fetchFileServer is a stored file server; NotFound in ESC's words.
func (a *api) fetchFileServer(ctx context.Context, id string) (*resource.Resource, *fileServer, error) {
	r, _, err := a.loadSetting(ctx, settingFileServerPrefix+id)
	if err != nil {
		return nil, nil, err
	}
	if r == nil || r.Labels[labelSetting] != "fileserver" {
		return nil, nil, errNotFound("File Server", id)
	}
	return r, fileServerOf(r), nil
}

func (a *api) listFileServers(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators see file servers")
	}
	page, err := a.b.List(r.Context(), store.Filter{Kind: resource.KindSetting, Labels: map[string]string{labelSetting: "fileserver"}})
	if err != nil {
		return err
	}
	views := make([]fileServerBody, 0, len(page.Items))
	for _, res := range page.Items {
		views = append(views, fileServerOf(res).view(""))
	}
	f, _ := responseFormat(r)
	if f == formatJSON {
		return write(w, http.StatusOK, f, views)
	}
	return write(w, http.StatusOK, f, fileServerList{Xmlns: escNS, Servers: views})
}

// fileServerPath checks the caller and the path's ID.
func fileServerPath(r *http.Request) (string, error) {
	if !dialect.Caller(r).IsAdmin() {
		return "", resource.Errorf(resource.Forbidden, "only administrators manage file servers")
	}
	id := r.PathValue("id")
	return id, checkInternalID("internalServerId", id)
}

func (a *api) getFileServer(w http.ResponseWriter, r *http.Request) error {
	id, err := fileServerPath(r)
	if err != nil {
		return err
	}
	_, fs, err := a.fetchFileServer(r.Context(), id)
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, fs.view(""))
}

// readFileServer reads and checks a file server body for id: what is
// wrong is Invalid, naming the field, and never quotes the password.
func (a *api) readFileServer(w http.ResponseWriter, r *http.Request, id string) (*fileServerIn, error) {
	data, err := a.kit.ReadRaw(w, r)
	if err != nil {
		return nil, err
	}
	f, err := requestFormat(r)
	if err != nil {
		return nil, err
	}
	var in fileServerIn
	if err := decode(data, f, &in, "file server"); err != nil {
		return nil, err
	}
	if in.ID != "" && in.ID != id {
		return nil, resource.InvalidField("id", "%q differs from the file server in the path (%s)", headerSafe(in.ID), id)
	}
	u, err := a.opts.Fetches.CheckURL(in.BaseURL)
	if err != nil {
		code := resource.CodeOf(err)
		if code == resource.Forbidden {
			code = resource.Invalid // a refused destination is bad input
		}
		return nil, &resource.Error{Code: code, Field: "base_url", Err: err}
	}
	typ := strings.ToUpper(in.ServerType)
	switch {
	case typ == "":
		typ = strings.ToUpper(u.Scheme)
	case !slices.Contains(fileServerTypes, typ):
		return nil, resource.InvalidField("server_type", "%q is not a server type (%s)", headerSafe(in.ServerType), strings.Join(fileServerTypes, ", "))
	case !strings.EqualFold(typ, u.Scheme):
		return nil, resource.InvalidField("server_type", "server type %s does not serve a %s URL", typ, u.Scheme)
	}
	in.ServerType = typ
	if len(in.User) > dialect.MaxUserName || !printableText(in.User) {
		return nil, resource.InvalidField("file_server_user", "a user name has at most %d characters, none of them control characters", dialect.MaxUserName)
	}
	if len(in.Password) > dialect.MaxPassword || !utf8.ValidString(in.Password) {
		return nil, resource.InvalidField("file_server_password", "a password is UTF-8 text of at most %d bytes", dialect.MaxPassword)
	}
	if in.Password != "" && in.User == "" {
		return nil, resource.InvalidField("file_server_user", "file_server_password needs its file_server_user")
	}
	return &in, checkFileServerProperties(in.Properties)
}

func printableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func checkFileServerProperties(props *fileServerProperties) error {
	if props == nil {
		return nil
	}
	if len(props.Property) > maxFileServerProperties {
		return resource.InvalidField("properties", "%d properties; at most %d", len(props.Property), maxFileServerProperties)
	}
	seen := map[string]bool{}
	for _, p := range props.Property {
		ok := p.Name != "" && len(p.Name) <= maxPropertyNameLen
		for i := 0; ok && i < len(p.Name); i++ {
			c := p.Name[i]
			ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
		}
		switch {
		case !ok:
			return resource.InvalidField("properties", "a property's name has 1 to %d letters, digits, '_', '-' and '.', not %q", maxPropertyNameLen, headerSafe(p.Name))
		case seen[p.Name]:
			return resource.InvalidField("properties", "property %s appears twice", p.Name)
		case len(p.Value) > maxPropertyValueLen || !printableText(p.Value):
			return resource.InvalidField("properties", "property %s: a value has at most %d characters, none of them control characters", p.Name, maxPropertyValueLen)
		}
		seen[p.Name] = true
	}
	return nil
}

// values are the setting entries of a file server body.
func (in *fileServerIn) values(user string) map[string]string {
	v := map[string]string{fsBaseURL: in.BaseURL, fsServerType: in.ServerType}
	if user != "" {
		v[fsUser] = user
	}
	if in.Properties != nil {
		for _, p := range in.Properties.Property {
			v[fsProperty+p.Name] = p.Value
		}
	}
	return v
}

// sealCredentials stores a file server's user and password sealed, under
// an ID of their own (so a failed write removes only what it made).
func (a *api) sealCredentials(ctx context.Context, id, user, password string) (string, error) {
	credID := settingFileServerPrefix + id + ":" + resource.NewID()
	if _, err := a.b.SetCredentials(ctx, credID, vim.Credentials{Username: user, Password: password}); err != nil {
		return "", err
	}
	return credID, nil
}

// dropCredentials removes a credential no file server names any more; a
// failure leaves it in the store (sealed), and is logged.
func (a *api) dropCredentials(ctx context.Context, credID string) {
	if credID == "" {
		return
	}
	err := a.b.Delete(ctx, resource.Ref{Kind: resource.KindCredential, ID: credID}, 0)
	if err != nil && resource.CodeOf(err) != resource.NotFound {
		a.kit.Log().Warn("a file server's old credential was not removed", "credential", credID, "err", err)
	}
}

func (a *api) createFileServer(w http.ResponseWriter, r *http.Request) error {
	id, err := fileServerPath(r)
	if err != nil {
		return err
	}
	in, err := a.readFileServer(w, r, id)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opCreateFileServer)
	if err != nil {
		return err
	}
	if cur, _, err := a.loadSetting(r.Context(), settingFileServerPrefix+id); err != nil {
		return err
	} else if cur != nil {
		return resource.Errorf(resource.Conflict, "Conflicting Request: file server %q exists", id)
	}
	var credID string
	if in.Password != "" {
		if credID, err = a.sealCredentials(r.Context(), id, in.User, in.Password); err != nil {
			return err
		}
	}
	out, err := a.b.Create(r.Context(), &resource.Resource{
		Ref: settingRef(settingFileServerPrefix + id), Labels: map[string]string{labelSetting: "fileserver"},
		Spec: &resource.Setting{Values: in.values(in.User), CredentialID: credID},
	})
	if err != nil {
		a.dropCredentials(r.Context(), credID)
		if resource.CodeOf(err) == resource.Conflict {
			return resource.Errorf(resource.Conflict, "Conflicting Request: file server %q exists", id)
		}
		return err
	}
	return a.accept(w, r, t, dialect.Caller(r).TenantID, out.Ref, fileServerOf(out).view("CREATE_FILE_SERVER"))
}

func (a *api) updateFileServer(w http.ResponseWriter, r *http.Request) error {
	id, err := fileServerPath(r)
	if err != nil {
		return err
	}
	cur, fs, err := a.fetchFileServer(r.Context(), id)
	if err != nil {
		return err
	}
	in, err := a.readFileServer(w, r, id)
	if err != nil {
		return err
	}
	// No user keeps the credentials; a new user comes with its password.
	user := in.User
	if user == "" {
		user = fs.User
	} else if user != fs.User && in.Password == "" {
		return resource.InvalidField("file_server_password", "a new file_server_user needs its file_server_password")
	}
	t, err := a.begin(r, opUpdateFileServer)
	if err != nil {
		return err
	}
	credID := fs.CredentialID
	if in.Password != "" {
		if credID, err = a.sealCredentials(r.Context(), id, user, in.Password); err != nil {
			return err
		}
	}
	next := *cur // its revision makes the update conditional
	next.Spec = &resource.Setting{Values: in.values(user), CredentialID: credID}
	out, err := a.b.Update(r.Context(), &next)
	if err != nil {
		if credID != fs.CredentialID {
			a.dropCredentials(r.Context(), credID)
		}
		return err
	}
	if credID != fs.CredentialID {
		a.dropCredentials(r.Context(), fs.CredentialID)
	}
	return a.accept(w, r, t, dialect.Caller(r).TenantID, out.Ref, fileServerOf(out).view("UPDATE_FILE_SERVER"))
}

func (a *api) deleteFileServer(w http.ResponseWriter, r *http.Request) error {
	id, err := fileServerPath(r)
	if err != nil {
		return err
	}
	cur, fs, err := a.fetchFileServer(r.Context(), id)
	if err != nil {
		return err
	}
	t, err := a.begin(r, opDeleteFileServer)
	if err != nil {
		return err
	}
	if err := a.b.Delete(r.Context(), cur.Ref, cur.Revision); err != nil {
		return err
	}
	a.dropCredentials(r.Context(), fs.CredentialID)
	return a.accept(w, r, t, dialect.Caller(r).TenantID, cur.Ref, fs.view("DELETE_FILE_SERVER"))
}

// fileServerOutcome reports a file server transaction: settings are
// realized nowhere, so a write is done when the store has it.
func (a *api) fileServerOutcome(_ context.Context, t transaction, w *resource.Watch, target *resource.Resource) *report {
	id := strings.TrimPrefix(w.TargetID, settingFileServerPrefix)
	gone := fileServerBody{Xmlns: escNS, ID: id}
	switch {
	case t.op == opDeleteFileServer && target == nil:
		gone.EventType = "DELETE_FILE_SERVER"
		return &report{http.StatusOK, "File server successfully deleted", gone}
	case t.op == opDeleteFileServer:
		return nil // still there: a later look
	case target == nil:
		return &report{http.StatusInternalServerError, "File server " + id + " no longer exists", gone}
	case t.op == opUpdateFileServer:
		return &report{http.StatusOK, "File server successfully updated", fileServerOf(target).view("UPDATE_FILE_SERVER")}
	}
	return &report{http.StatusOK, "File server successfully created", fileServerOf(target).view("CREATE_FILE_SERVER")}
}
