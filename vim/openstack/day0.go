package openstack

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"

	"github.com/orca-nfv/orca/resource"
)

// Day-0 data reaches a machine on its config drive, which VNFs read
// without a metadata service: user data as Nova's user_data, and each
// config file as a personality file, which Nova writes onto the config
// drive at its path (openstack/content/, listed in meta_data.json, where
// cloud-init and VNFs such as ASAv and CSR1000v look for day-0 files).
// Personality files went away in compute 2.57, so a server with config
// files is created at 2.56, the last version that takes them; nothing
// else orca sends at create differs between 2.56 and 2.64. The other way,
// folding files into user_data as a cloud-init write_files document, would
// reach cloud-init guests only and take the VNF's own user data's place.
// Nova's default quotas (5 files of 10 KiB, paths of 255 bytes) are the
// bounds resource.Server validates.

// personalityMicroversion is the last compute version with personality.
const personalityMicroversion = "2.56"

// userData is what CreateOpts.UserData must hold for the machine to get
// text: gophercloud sends bytes that already decode as base64 as they are,
// so text that happens to be valid base64 ("abcd") would arrive decoded.
// Encoding it here always makes it arrive as given.
func userData(text string) []byte {
	if text == "" {
		return nil
	}
	return []byte(base64.StdEncoding.EncodeToString([]byte(text)))
}

func personality(files []resource.ConfigFile) servers.Personality {
	var out servers.Personality
	for _, f := range files {
		out = append(out, &servers.File{Path: f.Path, Contents: []byte(f.Contents)})
	}
	return out
}

// digest is the metadata value recording day-0 data Nova does not show:
// "" for none, else its SHA-256, which is all drift detection needs.
func digest(data []byte) string {
	if len(data) == 0 {
		return ""
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func configFilesDigest(files []resource.ConfigFile) string {
	if len(files) == 0 {
		return ""
	}
	raw, _ := json.Marshal(files) // strings only: cannot fail
	return digest(raw)
}

// fixedIPsValue records a machine's requested fixed IPs in one metadata
// value, in NIC order ("" for none asked), or their digest when that does
// not fit Nova's 255 bytes.
func fixedIPsValue(ips []string) string {
	if len(ips) == 0 {
		return ""
	}
	v := strings.Join(ips, ",")
	if len(v) > 255 {
		return digest([]byte(v))
	}
	return v
}
