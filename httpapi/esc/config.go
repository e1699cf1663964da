package esc

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// ESC's configuration parameters are (category, key) pairs with a type
// and a value. The seed documents five, with defaults and allowed values;
// a client may create more (POST), which are free-text STRINGs. Names are
// case-insensitive on input and upper case on output. Values are kept in
// the setting esc:config as "CATEGORY/KEY" → value; a documented
// parameter that was never set has its default. Everyone authenticated
// reads them; administrators write them, and not in maintenance mode.
//
// What they change:
//
//	DEFAULT/VM_RECOVERY_RETRIES_MAX  recoveryRetriesMax, for deployments
//	OPENSTACK/ENDPOINT               stored and served (configValue); orca's
//	                                 drivers take their endpoint from the
//	                                 location, not from this yet
//	LOG/LEVEL                        Options.LogLevel, at once and at start
//	                                 (Restore)
//	AFFINITY/FILTER                  affinityPolicies, for deployments
//	ANTI-AFFINITY/FILTER             affinityPolicies, for deployments

// Types of parameters, as ESC spells them.
const (
	configInt    = "INTEGER"
	configString = "STRING"
)

// Bounds on parameters.
const (
	maxConfigName  = 64   // a category or key
	maxConfigValue = 1024 // a created key's value
	maxConfigKeys  = 256  // created keys, all categories
)

// configDef is a documented parameter.
type configDef struct {
	category, key, typ, def string
	options                 []string // the values allowed, as spelled; nil: any of the type
	min, max                int      // bounds of an INTEGER
}

var configDefs = []configDef{
	// Each recovery rebuilds a VM: more than a hundred is a typo.
	{category: "DEFAULT", key: "VM_RECOVERY_RETRIES_MAX", typ: configInt, def: "3", min: 0, max: 100},
	{category: "OPENSTACK", key: "ENDPOINT", typ: configString, def: "adminURL", options: []string{"adminURL", "publicURL"}},
	{category: "LOG", key: "LEVEL", typ: configString, def: "INFO", options: []string{"INFO", "TRACE", "DEBUG"}},
	{category: "AFFINITY", key: "FILTER", typ: configString, def: "SameHostFilter", options: []string{"SameHostFilter", "ServerGroupAffinity"}},
	{category: "ANTI-AFFINITY", key: "FILTER", typ: configString, def: "DifferentHostFilter", options: []string{"DifferentHostFilter", "ServerGroupAffinity"}},
}

// configDefOf is the documented parameter (category, key), upper case.
func configDefOf(category, key string) (configDef, bool) {
	i := slices.IndexFunc(configDefs, func(d configDef) bool { return d.category == category && d.key == key })
	if i < 0 {
		return configDef{}, false
	}
	return configDefs[i], true
}

// check returns v in its canonical spelling, or why it is not allowed.
func (d configDef) check(v string) (string, error) {
	switch {
	case d.typ == configInt:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < d.min || n > d.max {
			return "", resource.InvalidField("value", "%s/%s is an integer from %d to %d, not %q", d.category, d.key, d.min, d.max, headerSafe(v))
		}
		return strconv.Itoa(n), nil
	case d.options != nil:
		for _, o := range d.options {
			if strings.EqualFold(o, v) {
				return o, nil
			}
		}
		return "", resource.InvalidField("value", "%s/%s is one of %s, not %q", d.category, d.key, strings.Join(d.options, ", "), headerSafe(v))
	}
	return checkConfigText(v)
}

// checkConfigText checks a created key's value: short text without
// control characters.
func checkConfigText(v string) (string, error) {
	if len(v) > maxConfigValue || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", resource.InvalidField("value", "a value is text of at most %d bytes without control characters", maxConfigValue)
	}
	return v, nil
}

// configName checks a category or key name and returns it upper case.
func configName(field, s string) (string, error) {
	ok := s != "" && len(s) <= maxConfigName
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
	}
	if !ok {
		return "", resource.InvalidField(field, "Invalid %s name %q: 1 to %d letters, digits, '_' and '-'", field, headerSafe(s), maxConfigName)
	}
	return strings.ToUpper(s), nil
}

func configEntry(category, key string) string { return category + "/" + key }

// configParam is a parameter on the wire (escconfigparameter).
type configParam struct {
	XMLName  xml.Name `xml:"escconfigparameter" json:"-"`
	Category string   `xml:"category,omitempty" json:"category,omitempty"`
	Key      string   `xml:"key,omitempty" json:"key,omitempty"`
	Type     string   `xml:"type,omitempty" json:"type,omitempty"`
	Value    string   `xml:"value" json:"value"`
}

// configList is a list of parameters in XML (JSON: a bare array).
type configList struct {
	XMLName xml.Name      `xml:"escconfigparameters"`
	Params  []configParam `xml:"escconfigparameter"`
}

func (a *api) configArea() area {
	return area{routes: []route{
		{"GET", "/config", a.listConfig},
		{"GET", "/config/{category}", a.getConfigCategory},
		{"GET", "/config/{category}/{key}", a.getConfigKey},
		{"POST", "/config/{category}/{key}", a.createConfigKey},
		{"PUT", "/config/{category}/{key}/{value}", a.setConfigValue},
	}}
}

// configParams are every parameter, documented and created, sorted by
// category and key.
func (a *api) configParams(ctx context.Context) ([]configParam, error) {
	_, spec, err := a.loadSetting(ctx, settingConfig)
	if err != nil {
		return nil, err
	}
	var stored map[string]string
	if spec != nil {
		stored = spec.Values
	}
	var out []configParam
	for _, d := range configDefs {
		v, ok := stored[configEntry(d.category, d.key)]
		if !ok {
			v = d.def
		}
		out = append(out, configParam{Category: d.category, Key: d.key, Type: d.typ, Value: v})
	}
	for entry, v := range stored {
		category, key, _ := strings.Cut(entry, "/")
		if _, documented := configDefOf(category, key); !documented {
			out = append(out, configParam{Category: category, Key: key, Type: configString, Value: v})
		}
	}
	slices.SortFunc(out, func(x, y configParam) int {
		return strings.Compare(configEntry(x.Category, x.Key), configEntry(y.Category, y.Key))
	})
	return out, nil
}

func writeConfigList(w http.ResponseWriter, r *http.Request, params []configParam) error {
	f, _ := responseFormat(r)
	if params == nil {
		params = []configParam{}
	}
	if f == formatJSON {
		return write(w, http.StatusOK, f, params)
	}
	return write(w, http.StatusOK, f, configList{Params: params})
}

func (a *api) listConfig(w http.ResponseWriter, r *http.Request) error {
	params, err := a.configParams(r.Context())
	if err != nil {
		return err
	}
	return writeConfigList(w, r, params)
}

func (a *api) getConfigCategory(w http.ResponseWriter, r *http.Request) error {
	category, err := configName("category", r.PathValue("category"))
	if err != nil {
		return err
	}
	params, err := a.configParams(r.Context())
	if err != nil {
		return err
	}
	params = slices.DeleteFunc(params, func(p configParam) bool { return p.Category != category })
	if len(params) == 0 {
		return resource.Errorf(resource.NotFound, "Category %s not found", category)
	}
	return writeConfigList(w, r, params)
}

// configPath reads the category and key of the path, upper case.
func configPath(r *http.Request) (category, key string, err error) {
	if category, err = configName("category", r.PathValue("category")); err != nil {
		return "", "", err
	}
	key, err = configName("key", r.PathValue("key"))
	return category, key, err
}

// findConfig is one parameter; NotFound when it is neither documented nor
// created.
func (a *api) findConfig(ctx context.Context, category, key string) (configParam, error) {
	params, err := a.configParams(ctx)
	if err != nil {
		return configParam{}, err
	}
	i := slices.IndexFunc(params, func(p configParam) bool { return p.Category == category && p.Key == key })
	if i < 0 {
		return configParam{}, resource.Errorf(resource.NotFound, "Key %s not found in category %s", key, category)
	}
	return params[i], nil
}

func (a *api) getConfigKey(w http.ResponseWriter, r *http.Request) error {
	category, key, err := configPath(r)
	if err != nil {
		return err
	}
	p, err := a.findConfig(r.Context(), category, key)
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, p)
}

// readConfigValue reads a created key's value: in JSON a bare string (the
// seed's body is "string") or an escconfigparameter object, in XML an
// escconfigparameter. A category, key or type in the body must agree
// with the path.
func (a *api) readConfigValue(w http.ResponseWriter, r *http.Request, category, key string) (string, error) {
	data, err := a.kit.ReadRaw(w, r)
	if err != nil {
		return "", err
	}
	f, err := requestFormat(r)
	if err != nil {
		return "", err
	}
	var in configParam
	if trimmed := bytes.TrimSpace(data); f == formatJSON && len(trimmed) > 0 && trimmed[0] == '"' {
		if err := dialect.Strict(trimmed, &in.Value, "value"); err != nil {
			return "", err
		}
	} else if err := decode(data, f, &in, "configuration parameter"); err != nil {
		return "", err
	}
	for field, given := range map[string][2]string{"category": {in.Category, category}, "key": {in.Key, key}, "type": {in.Type, configString}} {
		if given[0] != "" && !strings.EqualFold(given[0], given[1]) {
			return "", resource.InvalidField(field, "%s %q differs from %s (the path's, or the type of a created key)", field, headerSafe(given[0]), given[1])
		}
	}
	return checkConfigText(in.Value)
}

func (a *api) createConfigKey(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators change the configuration")
	}
	category, key, err := configPath(r)
	if err != nil {
		return err
	}
	if err := a.checkOperating(r.Context()); err != nil {
		return err
	}
	value, err := a.readConfigValue(w, r, category, key)
	if err != nil {
		return err
	}
	entry := configEntry(category, key)
	_, err = a.changeSetting(r.Context(), settingConfig, nil, func(s *resource.Setting) error {
		_, documented := configDefOf(category, key)
		if _, created := s.Values[entry]; created || documented {
			return resource.Errorf(resource.Conflict, "Conflicting Request: %s exists (change it with PUT)", entry)
		}
		if n := len(s.Values); n >= maxConfigKeys+len(configDefs) {
			return resource.Errorf(resource.Invalid, "there are %d configuration keys already; at most %d may be created", n, maxConfigKeys)
		}
		s.Values[entry] = value
		return nil
	})
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, configParam{Category: category, Key: key, Type: configString, Value: value})
}

func (a *api) setConfigValue(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators change the configuration")
	}
	category, key, err := configPath(r)
	if err != nil {
		return err
	}
	if err := a.checkOperating(r.Context()); err != nil {
		return err
	}
	entry, raw := configEntry(category, key), r.PathValue("value")
	def, documented := configDefOf(category, key)
	var value string
	_, err = a.changeSetting(r.Context(), settingConfig, nil, func(s *resource.Setting) error {
		var err error
		switch _, created := s.Values[entry]; {
		case documented:
			value, err = def.check(raw)
		case created:
			value, err = checkConfigText(raw)
		default:
			err = resource.Errorf(resource.NotFound, "Key %s not found in category %s", key, category)
		}
		if err != nil {
			return err
		}
		s.Values[entry] = value
		return nil
	})
	if err != nil {
		return err
	}
	typ := configString
	if documented {
		typ = def.typ
	}
	if entry == configEntry("LOG", "LEVEL") && a.opts.LogLevel != nil {
		a.opts.LogLevel.Set(slogLevel(value))
	}
	a.kit.Log().Info("ESC configuration changed", "parameter", entry, "value", value, "by", dialect.Caller(r).UserName)
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, configParam{Category: category, Key: key, Type: typ, Value: value})
}

// configValue is a parameter's value as it takes effect: the stored one,
// or a documented parameter's default. A documented parameter's stored
// value is checked again (the store can be written past this API, at
// /v1.0/admin/settings): an invalid one is an Invalid error naming it.
// NotFound for a parameter that is neither documented nor created.
func (a *api) configValue(ctx context.Context, category, key string) (string, error) {
	category, key = strings.ToUpper(category), strings.ToUpper(key)
	p, err := a.findConfig(ctx, category, key)
	if err != nil {
		return "", err
	}
	if def, ok := configDefOf(category, key); ok {
		v, err := def.check(p.Value)
		if err != nil {
			return "", fmt.Errorf("the stored configuration is invalid: %w", err)
		}
		return v, nil
	}
	return p.Value, nil
}

// recoveryRetriesMax is DEFAULT/VM_RECOVERY_RETRIES_MAX: how many times a
// deployment's VM may be recovered before it is given up on.
func (a *api) recoveryRetriesMax(ctx context.Context) (int, error) {
	v, err := a.configValue(ctx, "DEFAULT", "VM_RECOVERY_RETRIES_MAX")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(v) // configValue checked it
}

// affinityPolicies are the server group policies (resource.ServerGroup)
// that a deployment's affinity and anti-affinity rules become, by
// AFFINITY/FILTER and ANTI-AFFINITY/FILTER. orca places servers only
// through server groups, so every filter maps onto a group policy:
//
//	ServerGroupAffinity  → "affinity" / "anti-affinity": ESC asks Nova for a
//	                       server group, whose hard policy fails a boot
//	                       that would break it; so does orca's.
//	SameHostFilter       → "soft-affinity"
//	DifferentHostFilter  → "soft-anti-affinity": ESC passes these as
//	                       scheduler hints (same_host, different_host),
//	                       which Nova honours only where the filters are
//	                       enabled (they are not in its default filter
//	                       list) and forgets after the boot. A soft policy
//	                       keeps that best-effort meaning, placing together
//	                       (or apart) when it can and never failing a
//	                       deployment for it, where a hard one would turn
//	                       a hint into a refusal.
func (a *api) affinityPolicies(ctx context.Context) (affinity, antiAffinity string, err error) {
	aff, err := a.configValue(ctx, "AFFINITY", "FILTER")
	if err != nil {
		return "", "", err
	}
	anti, err := a.configValue(ctx, "ANTI-AFFINITY", "FILTER")
	if err != nil {
		return "", "", err
	}
	affinity, antiAffinity = "soft-affinity", "soft-anti-affinity"
	if aff == "ServerGroupAffinity" {
		affinity = "affinity"
	}
	if anti == "ServerGroupAffinity" {
		antiAffinity = "anti-affinity"
	}
	return affinity, antiAffinity, nil
}

// slogLevel is the log level a LOG/LEVEL value stands for: slog has no
// level below Debug, so TRACE is Debug too.
func slogLevel(v string) slog.Level {
	switch v {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// Restore applies the stored configuration that acts outside requests
// (LOG/LEVEL, on opts.LogLevel) as b's store holds it, or its default:
// call it at start-up, before serving. Errors: the store's, or Invalid
// for a stored value this API would not have accepted.
func Restore(ctx context.Context, b dialect.Backend, opts *Options) error {
	if opts == nil || opts.LogLevel == nil {
		return nil
	}
	a := &api{b: b}
	v, err := a.configValue(ctx, "LOG", "LEVEL")
	if err != nil {
		return err
	}
	opts.LogLevel.Set(slogLevel(v))
	return nil
}
