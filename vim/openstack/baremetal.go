package openstack

// A bare-metal instance is a Nova server (Ironic sits behind Nova's
// bare-metal flavors), made by the machine code path of server.go. Its
// networks are a list, and its "extra" is the server's user metadata.
func baremetalKind() *kind {
	return machineKind(machineFields{networks: "networks", metadata: "extra"})
}
