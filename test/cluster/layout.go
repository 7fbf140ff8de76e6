package main

// Where a cluster keeps its files, which ports it uses and which loopback
// addresses its nodes and pods get. Everything is derived from the settings
// `up` stores in DIR/cluster.json, so `down`, `status`, the supervisor and the
// pod runner all agree without passing many flags around.

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// Settings are what `up` was asked for.
type Settings struct {
	Directory string `json:"directory"`
	// BinaryDirectory holds kubedesk-cluster, kwok and KWOK's stage and CRD
	// files (the build folder of build.sh).
	BinaryDirectory string `json:"binaryDirectory"`
	Nodes           int    `json:"nodes"`
	// PortBase is the first of the cluster's ports; see Ports.
	PortBase int `json:"portBase"`
	// AddressBlock is the second octet where this cluster's loopback addresses
	// start; see NodeAddress and PodCIDR.
	AddressBlock int `json:"addressBlock"`
	// Owner, when set, is a process whose end stops the cluster (a test run):
	// the cluster then cannot outlive it, even when it is killed with SIGKILL.
	Owner *processIdentity `json:"owner,omitempty"`
}

// processIdentity names one process for its whole life: the start time tells
// a reused pid apart.
type processIdentity struct {
	PID       int    `json:"pid"`
	StartTime string `json:"startTime"`
}

const (
	defaultPortBase     = 16443
	defaultAddressBlock = 1
	// portCount is how many ports starting at PortBase one cluster uses.
	portCount = 7
	// nodesPerOctet: the last two octets of node and pod addresses count
	// nodes, 256 to a step of the second octet.
	nodesPerOctet = 256
	// serviceCIDR holds the Services' virtual ClusterIPs. Nothing here
	// implements Services (no kube-proxy), but a process that dials a ClusterIP
	// by mistake must stay on the loopback interface, never leave the machine.
	serviceCIDR = "127.254.0.0/16"
	// loopbackHost is where every control-plane component listens.
	loopbackHost = "127.0.0.1"
)

// Ports of one cluster, all on 127.0.0.1.
type Ports struct {
	APIServer         int `json:"apiServer"`
	EtcdClient        int `json:"etcdClient"`
	EtcdPeer          int `json:"etcdPeer"`
	Scheduler         int `json:"scheduler"`
	ControllerManager int `json:"controllerManager"`
	// Kubelet is the port of every simulated node's kubelet endpoint, served
	// by KWOK (exec, logs, port-forward).
	Kubelet   int `json:"kubelet"`
	PodRunner int `json:"podRunner"`
}

func (settings Settings) Ports() Ports {
	base := settings.PortBase
	return Ports{
		APIServer:         base,
		EtcdClient:        base + 1,
		EtcdPeer:          base + 2,
		Scheduler:         base + 3,
		ControllerManager: base + 4,
		Kubelet:           base + 5,
		PodRunner:         base + 6,
	}
}

// Validate names the first setting that cannot work.
func (settings Settings) Validate() error {
	if settings.Directory == "" {
		return fmt.Errorf("--dir must not be empty")
	}
	if settings.Nodes < 1 {
		return fmt.Errorf("--nodes must be at least 1, got %d", settings.Nodes)
	}
	if settings.PortBase < 1024 || settings.PortBase+portCount > 65535 {
		return fmt.Errorf("--port-base must be between 1024 and %d, got %d", 65535-portCount, settings.PortBase)
	}
	if settings.AddressBlock < 1 {
		return fmt.Errorf("--address-block must be at least 1, got %d", settings.AddressBlock)
	}
	// The last pod octet must stay below the service range (127.254/16).
	if last := settings.lastPodOctet(); last >= 254 {
		return fmt.Errorf("--nodes %d with --address-block %d needs the second address octet up to %d; it must stay below 254 (use fewer nodes or a lower block)",
			settings.Nodes, settings.AddressBlock, last)
	}
	return nil
}

func (settings Settings) lastPodOctet() int {
	return settings.AddressBlock + 1 + settings.Nodes/nodesPerOctet
}

// NodeName of the index-th simulated Pi, counting from 1.
func NodeName(index int) string { return "pi-" + strconv.Itoa(index) }

// NodeAddress is the InternalIP of node `index`: 127.B.(index/256).(index%256)
// with B the address block, so pi-3 of the default cluster is 127.1.0.3.
func (settings Settings) NodeAddress(index int) net.IP {
	return net.IPv4(127, byte(settings.AddressBlock), byte(index/nodesPerOctet), byte(index%nodesPerOctet))
}

// PodCIDR of node `index`: 127.(B+1+index/256).(index%256).0/24, so pods on pi-3
// of the default cluster get 127.2.3.1, 127.2.3.2, ... KWOK hands pod IPs out
// of the node's spec.podCIDR (pkg/kwok/controllers/pod_controller.go), so
// every pod gets an address that a local process can really bind.
func (settings Settings) PodCIDR(index int) string {
	return fmt.Sprintf("127.%d.%d.0/24", settings.AddressBlock+1+index/nodesPerOctet, index%nodesPerOctet)
}

// Paths inside the cluster directory.
type Paths struct{ root string }

func (settings Settings) Paths() Paths { return Paths{root: settings.Directory} }

func (paths Paths) Root() string            { return paths.root }
func (paths Paths) Settings() string        { return filepath.Join(paths.root, "cluster.json") }
func (paths Paths) State() string           { return filepath.Join(paths.root, "state.json") }
func (paths Paths) Kubeconfig() string      { return filepath.Join(paths.root, "kubeconfig") }
func (paths Paths) PKI() string             { return filepath.Join(paths.root, "pki") }
func (paths Paths) Logs() string            { return filepath.Join(paths.root, "logs") }
func (paths Paths) Log(name string) string  { return filepath.Join(paths.root, "logs", name+".log") }
func (paths Paths) Etcd() string            { return filepath.Join(paths.root, "etcd") }
func (paths Paths) Kwok() string            { return filepath.Join(paths.root, "kwok") }
func (paths Paths) Nodes() string           { return filepath.Join(paths.root, "nodes") }
func (paths Paths) Node(name string) string { return filepath.Join(paths.root, "nodes", name) }
func (paths Paths) PodLogs() string         { return filepath.Join(paths.root, "pod-logs") }
func (paths Paths) ComponentKubeconfig(name string) string {
	return filepath.Join(paths.root, "pki", name+".kubeconfig")
}

// defaultDirectory is ~/.cache/kubedesk/run/default (KUBEDESK_CACHE_DIR moves
// ~/.cache/kubedesk, as in build.sh).
func defaultDirectory() string {
	return filepath.Join(cacheRoot(), "run", "default")
}

func cacheRoot() string {
	if root := os.Getenv("KUBEDESK_CACHE_DIR"); root != "" {
		return root
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "kubedesk")
}

func loadSettings(directory string) (Settings, error) {
	path := Paths{root: directory}.Settings()
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("no cluster in %s (reading %s: %w)", directory, path, err)
	}
	var settings Settings
	if err := json.Unmarshal(data, &settings); err != nil {
		return Settings{}, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	return settings, nil
}

// writeJSONFile writes through a temporary file and a rename, so a reader
// never sees half a file.
func writeJSONFile(path string, value any) error {
	data, err := json.MarshalIndent(value, "", "  ")
	if err != nil {
		return err
	}
	temporary := path + ".tmp"
	if err := os.WriteFile(temporary, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(temporary, path)
}
