package esc

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"

	"github.com/orca-nfv/orca/httpapi/dialect"
	"github.com/orca-nfv/orca/resource"
)

// ESC runs in one of two operation modes. In MAINTENANCE it refuses every
// request that would change what it manages (the writes that begin a
// transaction, configuration and file-server writes) with 503, while GETs
// go on working; the server's own administration stays allowed: setting
// the mode back, system-state resets, password changes and TLS reloads.
// The mode is a setting, so it outlives a restart.

// Operation modes, as ESC names them.
const (
	opModeOperation   = "OPERATION"
	opModeMaintenance = "MAINTENANCE"
)

var opModes = []string{opModeOperation, opModeMaintenance}

// errMaintenance is the answer to a write in maintenance mode.
var errMaintenance = resource.Errorf(resource.Unavailable,
	"ESC is in maintenance mode: requests that change state are refused until the operation mode is set back to %s", opModeOperation)

// opModeBody is the operation mode on the wire (the seed's model:
// message and mode).
type opModeBody struct {
	XMLName xml.Name `xml:"urn:ietf:params:xml:ns:netconf:base:1.0 operationmode" json:"-"`
	Message string   `xml:"message" json:"message"`
	Mode    string   `xml:"mode" json:"mode"`
}

func (a *api) opModeArea() area {
	return area{routes: []route{
		{"GET", "/operationmode", a.getOpMode},
		{"POST", "/operationmode/{mode}", a.setOpMode},
	}}
}

// opMode is the stored mode, OPERATION when none is.
func (a *api) opMode(ctx context.Context) (string, error) {
	mode, err := a.settingValue(ctx, settingOpMode, "mode")
	if err != nil {
		return "", err
	}
	if mode == "" {
		return opModeOperation, nil
	}
	return mode, nil
}

// checkOperating refuses a change while ESC is in maintenance mode.
func (a *api) checkOperating(ctx context.Context) error {
	mode, err := a.opMode(ctx)
	if err != nil {
		return err
	}
	if mode == opModeMaintenance {
		return errMaintenance
	}
	return nil
}

func (a *api) getOpMode(w http.ResponseWriter, r *http.Request) error {
	mode, err := a.opMode(r.Context())
	if err != nil {
		return err
	}
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, opModeBody{Mode: mode, Message: "ESC is in " + mode + " mode"})
}

func (a *api) setOpMode(w http.ResponseWriter, r *http.Request) error {
	if !dialect.Caller(r).IsAdmin() {
		return resource.Errorf(resource.Forbidden, "only administrators set the operation mode")
	}
	mode := strings.ToUpper(r.PathValue("mode"))
	if !slices.Contains(opModes, mode) {
		return resource.InvalidField("escOpMode", "%q is not an operation mode (%s)", headerSafe(r.PathValue("mode")), strings.Join(opModes, ", "))
	}
	_, err := a.changeSetting(r.Context(), settingOpMode, nil, func(s *resource.Setting) error {
		s.Values["mode"] = mode
		return nil
	})
	if err != nil {
		return err
	}
	a.kit.Log().Info("ESC operation mode set", "mode", mode, "by", dialect.Caller(r).UserName)
	f, _ := responseFormat(r)
	return write(w, http.StatusOK, f, opModeBody{Mode: mode, Message: "Operation mode set to " + mode})
}
