package resource_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orca-nfv/orca/resource"
)

func TestSettingValidate(t *testing.T) {
	many := map[string]string{}
	for i := range resource.MaxSettingEntries {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	tests := map[string]struct {
		spec      *resource.Setting
		wantField string // "" means valid
		wantMsg   string
	}{
		"empty":              {spec: &resource.Setting{}},
		"values":             {spec: &resource.Setting{Values: map[string]string{"LOG/LEVEL": "DEBUG", "esc:x": ""}}},
		"longest value":      {spec: &resource.Setting{Values: map[string]string{"k": strings.Repeat("v", resource.MaxSettingValueLen)}}},
		"as many as allowed": {spec: &resource.Setting{Values: many}},
		"one too many": {spec: &resource.Setting{Values: many, Secrets: map[string]string{"s": "x"}},
			wantField: "values", wantMsg: "at most 1024"},
		"long value": {spec: &resource.Setting{Values: map[string]string{"k": strings.Repeat("v", resource.MaxSettingValueLen+1)}},
			wantField: "values.k", wantMsg: "longer than 4096"},
		"control character": {spec: &resource.Setting{Values: map[string]string{"k": "a\x00b"}}, wantField: "values.k", wantMsg: "control character"},
		"empty key":         {spec: &resource.Setting{Values: map[string]string{"": "v"}}, wantField: "values", wantMsg: "keys have 1 to 255"},
		"long key":          {spec: &resource.Setting{Values: map[string]string{strings.Repeat("k", 256): "v"}}, wantField: "values"},
		"key with a break":  {spec: &resource.Setting{Values: map[string]string{"a\nb\x01": "v"}}, wantField: "values key"},
		"long secret": {spec: &resource.Setting{Secrets: map[string]string{"admin": strings.Repeat("s", resource.MaxSettingValueLen+1)}},
			wantField: "secrets.admin", wantMsg: "longer than"},
		"bad credential": {spec: &resource.Setting{CredentialID: "a b"}, wantField: "credential_id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.spec.Validate()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, resource.ErrInvalid) {
				t.Fatalf("Validate() = %v, want Invalid", err)
			}
			if got := resource.FieldOf(err); got != tc.wantField || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("Validate() = %q (field %q), want field %q and %q", err, got, tc.wantField, tc.wantMsg)
			}
		})
	}
}

// TestSettingSecretsStayQuiet: a secret's value is never quoted in an
// error, and the field is never rendered.
func TestSettingSecretsStayQuiet(t *testing.T) {
	err := (&resource.Setting{Secrets: map[string]string{"admin": "hunter2" + strings.Repeat("x", resource.MaxSettingValueLen)}}).Validate()
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Validate() = %v", err)
	}
	reg := resource.NewBuiltinRegistry()
	f, ok := reg.Field(resource.KindSetting, "secrets")
	if !ok || !f.Secret {
		t.Errorf("secrets field %+v, %v: want secret", f, ok)
	}
	// A file server's credential is a reference the store keeps whole.
	deps := (&resource.Setting{CredentialID: "esc:fileserver:fs1"}).Dependencies()
	if diff := cmp.Diff([]resource.Ref{{Kind: resource.KindCredential, ID: "esc:fileserver:fs1"}}, deps); diff != "" {
		t.Errorf("Dependencies (-want +got):\n%s", diff)
	}
}
