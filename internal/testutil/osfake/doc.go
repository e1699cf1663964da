// Package osfake is an in-process OpenStack cloud for tests: an
// httptest.Server that keeps state and speaks the parts of Keystone v3,
// Nova v2.1, Neutron v2.0, Glance v2, Heat v1 and Cinder v3 that the
// OpenStack driver (vim/openstack) uses through gophercloud. Its status
// codes, bodies and headers were checked against a real devstack-style
// cloud, Cinder's against its API reference and source; see "Fidelity"
// below for what was chosen instead.
//
// One server answers for every service under path prefixes, which the
// token's catalog publishes (region "RegionOne", interfaces public,
// internal and admin): /identity/v3 (also at the root), /compute/v2.1,
// /network (v2.0), /image (v2), /heat-api/v1/{project_id} and, as type
// volumev3, /volume/v3/{project_id} (Options.NoVolumeService leaves it out).
// GET on a service's root answers its version document, without a token.
//
// What it models:
//
//   - Keystone: password login (user by name and domain, or by ID; scope a
//     project by name and domain or by ID, or a domain, or none) and
//     application credentials; 201 with X-Subject-Token, the token body and
//     the catalog; 401 for wrong credentials or a project without roles;
//     GET /v3/auth/tokens (200, or 404 for an unknown or expired subject).
//     Tokens expire after Options.TokenTTL on the server's clock (Advance
//     moves it), or at once with ExpireTokens. Every other service answers
//     401 to a missing or expired token, with keystonemiddleware's body and
//     WWW-Authenticate, so gophercloud re-authenticates.
//   - Neutron: networks (ACTIVE at once; 409 NetworkInUse on delete while a
//     server is attached; subnets go with them), subnets (CIDR checks,
//     overlap within a network, gateway and pools as Neutron computes them;
//     gateway, DHCP, pools and DNS servers change in place, checked as a
//     whole; DNS servers keep their order, pools come back highest first
//     whatever order was sent, as a real Neutron keeps none),
//     security groups (made with Neutron's two egress rules; "default"
//     exists per project; 409 SecurityGroupInUse) and rules (validation of
//     direction, ethertype, protocol, ports, remote prefix against
//     ethertype, one remote only, and 409 SecurityGroupRuleExists for a
//     duplicate, description aside). Lists filter on any attribute, refuse
//     unknown ones (400) and honour "fields".
//   - Nova, microversions 2.1 to 2.93 read from OpenStack-API-Version or
//     X-OpenStack-Nova-API-Version (406 outside), answered in both headers:
//     flavors (create with description from 2.55, update of the
//     description, delete 202, unique names), servers (create checks
//     flavor, image active, networks with a subnet ("auto": the one
//     usable network; several: one port each, in order), security groups
//     by name or ID, a server-group hint (membership from the create until
//     the server is gone) and quota; BUILD then ACTIVE on Step;
//     addresses allocated from the subnets, shown per network name with
//     the port's MAC once built; list with the name regex;
//     metadata POST/PUT/GET and one item's GET/DELETE, writes refused (409)
//     while the server is busy; delete with task_state "deleting" then gone;
//     actions os-start, os-stop, reboot SOFT/HARD, createImage (image_id in
//     the body from 2.45, the Location header before), addSecurityGroup and
//     removeSecurityGroup, each with Nova's 409 when the state forbids it),
//     remote consoles, and server groups (policy from 2.64, policies
//     before; deleted with members, as Nova allows). What a server boots
//     with (nova_boot.go): a network's fixed_ip (400 when not an address
//     or held on that network; one no subnet of the network holds sends
//     the build to ERROR on Step), user_data (base64, at most 65535
//     characters), config_drive (shown as "True"), personality files
//     before 2.57 (Nova's 403 limits: 5 files, 255-character paths,
//     10240 bytes) and availability_zone ("nova" only, else 400;
//     "nova:host" forces one of the hosts compute1 and compute2, an
//     unknown one ends in ERROR "No valid host was found."; unforced,
//     servers go round robin), shown as OS-EXT-AZ:availability_zone and
//     OS-EXT-SRV-ATTR:host once built. GET os-interface lists a server's
//     ports (port_state DOWN while building, then ACTIVE; fixed IPs with
//     subnets; MAC). Boot(id) shows tests what a server was booted with
//     that its view does not: user data, files, config drive, zone, host.
//     Volumes (nova_volumes.go): block_device_mapping_v2 with the image as
//     the root disk and existing Cinder volumes attached (400 for a volume
//     the project cannot see, one not available or named twice, and two
//     boot devices; other mappings are refused), reserved in Cinder at the
//     create, in-use with a device once built, listed in the view's
//     os-extended-volumes:volumes_attached, and available again (or
//     deleted, with delete_on_termination) once the server is gone.
//   - Glance: images (create with properties, read-only attributes 403,
//     default visibility "shared"; list with filters on any property,
//     newest first, 25 a page with "next"; PATCH with
//     openstack-images-v2.1-json-patch, 415 otherwise; delete, 403 when
//     protected), data upload (PUT /file), the web-download import (queued,
//     importing, then active on Step) and Nova snapshots (queued, saving,
//     active). An image created without data stays queued, as a real one
//     does, and Nova refuses to boot it.
//   - Heat: stacks (create, CREATE_IN_PROGRESS then CREATE_COMPLETE on
//     Step; GET by name or ID redirects with 302 to .../stacks/{name}/{id};
//     show with parameters, outputs and tags; list; PUT and PATCH update,
//     UPDATE_IN_PROGRESS then UPDATE_COMPLETE; delete, DELETE_IN_PROGRESS
//     then DELETE_COMPLETE, after which the name is free and only the ID
//     finds it; unique names; unknown or missing parameters 400). Templates
//     are read by a small YAML reader (yaml.go; no YAML library): the
//     version, description, parameters with defaults and outputs. Outputs
//     resolve get_param, list_join and str_replace; any other function
//     gives null.
//   - Cinder, at its base microversion 3.0 (cinder.go): volumes (create
//     with name, size, description, metadata, volume_type by name or ID
//     and imageRef, which must be an active image no larger than the
//     volume and whose min_disk it meets; names and descriptions stored
//     stripped; creating then available on Step, through downloading from
//     an image; show; list and detail with exact name and status filters,
//     newest first, limit and marker with volumes_links; PUT of name,
//     description and metadata, which it replaces; delete only in
//     available or an error status, else 400, then deleting and gone on
//     Step), the os-extend action (only larger, only when available;
//     extending then available at the new size on Step) and
//     os-reset_status, volume types (Options.VolumeTypes), attachments
//     made by Nova's boots (shown in the view; an attached volume is
//     neither deleted nor extended), and Cinder's fault bodies
//     ({"itemNotFound": {"code", "message"}}).
//   - Quotas (Options.Quota): Nova instances, cores and RAM (403 with
//     Nova's message), Neutron networks and security groups (409 OverQuota,
//     as Neutron answers), Cinder volumes and gigabytes (413).
//   - Progress: Step advances every object with work pending by one state;
//     Options.AutoStep does it after every request, Options.StepEvery
//     after every N.
//   - Faults: Fail, Hang and LoseResponse (or Inject, in general) take the
//     next requests matching a Match (method, path prefix, category: read,
//     create, update, delete, auth) and answer the status with the service's
//     error body, block until the client gives up, or make the change and
//     drop the connection. Requests and Count report what was received;
//     Objects and CountNamed what exists; BreakServer puts a server in ERROR,
//     BreakStack fails a stack's action and BreakVolume a volume's.
//
// What it does not model: multi-tenancy beyond recording the token's
// project on objects (Nova and Heat show only that project's, Neutron and
// Glance lists show every project's, as to an admin); roles and policy
// (any role may do anything); Neutron ports (a server's are seen only
// through os-interface; booting on a port ID answers 400), routers,
// floating IPs,
// block-device mappings other than an image root disk and existing
// volumes, attaching or detaching volumes after boot (os-volume_attachments,
// Cinder's attachment API), snapshots, backups, transfers, groups, retype, microversions above 3.0
// (a requested one is not read), the metadata list filter and volume-type
// extra specs; scheduling (server-group policies are recorded, not
// enforced; builds succeed but for BreakServer, a forced unknown host or
// a fixed IP no subnet holds); image data
// (web-download does not fetch; sizes and checksums are invented); Heat
// resources (none are created), environments, files, template_url,
// nested stacks and events; pagination of Nova, Neutron and Heat lists;
// extensions lists, limits and quota-set APIs; rate limiting (inject 429
// or 503 instead); request IDs beyond Nova's headers.
//
// Fidelity: bodies, statuses and messages of the calls the driver makes
// were compared with a real cloud (Keystone 3.14, Nova up to 2.93, Neutron,
// Glance 2.15 and Heat with convergence). Choices made without a real
// answer to copy are marked "chosen" in the code's comments where they
// matter: the 404 message for an expired subject token, the 409 for
// updating a stack being deleted, Nova's console 409 for a server not
// ACTIVE. Nova's schema errors print the request's dict as Python does,
// keys in the order the request body gives them. No Cinder was at hand
// (the loopback cloud has none): its views follow the v3 API reference's
// samples and its messages Cinder's source, except those marked "chosen"
// (name length, metadata and reset-status refusals); so do Nova's answers
// to block-device mappings of volumes, worded from Nova's source.
package osfake
