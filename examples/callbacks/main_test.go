package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReceiverPrintsOneLinePerCallback: each callback ESC sends (XML or
// JSON; a VM's, the service's, an event, another kind's) becomes one
// line; -body adds the body.
func TestReceiverPrintsOneLinePerCallback(t *testing.T) {
	tests := map[string]struct {
		code, message, body string
		withBody            bool
		want                string
	}{
		"a VM deployed, XML": {
			code: "200", message: "VM Deployed",
			body: `<?xml version="1.0" encoding="UTF-8"?><deployment xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><deployment_details>` +
				`<vm_name>web_fw_0</vm_name></deployment_details><deployment_name>web</deployment_name><deployment_stage>VM_DEPLOYED</deployment_stage></deployment>`,
			want: `200 VM_DEPLOYED web_fw_0 "VM Deployed" tx t-1` + "\n",
		},
		"the service, XML": {
			code: "200", message: "Service group deployment completed successfully!",
			body: `<deployment><deployment_name>web</deployment_name><deployment_stage>SERVICE_ALIVE</deployment_stage></deployment>`,
			want: `200 SERVICE_ALIVE "Service group deployment completed successfully!" tx t-1` + "\n",
		},
		"a VM alive, JSON": {
			code: "200", message: "VM_Alive event received, VM ID: [web_lb_0]",
			body: `{"deployment":{"deployment_details":{"vm_name":"web_lb_0","interfaces":[{"ip_address":"10.10.0.4"}]},"deployment_stage":"VM_ALIVE"}}`,
			want: `200 VM_ALIVE web_lb_0 "VM_Alive event received, VM ID: [web_lb_0]" tx t-1` + "\n",
		},
		"an event": {
			code: "500", message: "recovery failed",
			body: `<esc_event><event_type>VM_RECOVERY_COMPLETE</event_type><vm_source><vm_name>web_fw_1</vm_name></vm_source></esc_event>`,
			want: `500 VM_RECOVERY_COMPLETE web_fw_1 "recovery failed" tx t-1` + "\n",
		},
		"a tenant": {
			code: "200", message: "Tenant successfully created",
			body: `<tenant><event_type>CREATE_TENANT</event_type><name>acme</name></tenant>`,
			want: `200 CREATE_TENANT "Tenant successfully created" tx t-1` + "\n",
		},
		"not XML": {
			code: "200", message: "odd", body: `<<<`,
			want: `200 - "odd" tx t-1` + "\n",
		},
		"with the body": {
			code: "200", message: "Tenant successfully deleted", withBody: true,
			body: `<tenant><event_type>DELETE_TENANT</event_type></tenant>`,
			want: `200 DELETE_TENANT "Tenant successfully deleted" tx t-1` + "\n" + `<tenant><event_type>DELETE_TENANT</event_type></tenant>` + "\n\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			srv := httptest.NewServer(receiver(&out, tc.withBody))
			req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(tc.body))
			// As orca sends them: ESC's own spelling of the headers.
			req.Header["ESC_TRANSACTION_ID"] = []string{"t-1"}
			req.Header["ESC-Status-Code"] = []string{tc.code}
			req.Header["ESC-Status-Message"] = []string{tc.message}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			srv.Close() // the handler is done with out
			if resp.StatusCode != http.StatusOK {
				t.Errorf("answered %d", resp.StatusCode)
			}
			if diff := cmp.Diff(tc.want, out.String()); diff != "" {
				t.Errorf("printed (-want +got):\n%s", diff)
			}
		})
	}
}
