package main

// `up`, `down` and `status`: the commands a person (or the test setup) runs.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// upResult is what `up --json` prints on stdout when the cluster is ready.
type upResult struct {
	Directory    string  `json:"directory"`
	Kubeconfig   string  `json:"kubeconfig"`
	Server       string  `json:"server"`
	Nodes        int     `json:"nodes"`
	PortBase     int     `json:"portBase"`
	AddressBlock int     `json:"addressBlock"`
	Kubectl      string  `json:"kubectl"`
	Seconds      float64 `json:"seconds"`
	AlreadyUp    bool    `json:"alreadyUp"`
}

func runUp(arguments []string) int {
	flags := flag.NewFlagSet("up", flag.ContinueOnError)
	directory := flags.String("dir", defaultDirectory(), "cluster directory (state, logs, PKI, node homes)")
	nodes := flags.Int("nodes", 4, "number of simulated Raspberry Pis (pi-1 ... pi-N)")
	portBase := flags.Int("port-base", defaultPortBase, fmt.Sprintf("first of %d ports on 127.0.0.1; the API server listens on it", portCount))
	addressBlock := flags.Int("address-block", defaultAddressBlock, "second octet where the cluster's loopback node and pod addresses start (see docs/local-cluster.md)")
	timeout := flags.Duration("timeout", 10*time.Minute, "give up (and stop everything) when not ready by then")
	jsonOutput := flags.Bool("json", false, "print the result as one JSON object on stdout")
	stopWith := flags.Int("stop-with-pid", 0, "stop the cluster when the process with this pid ends (e.g. a test run)")
	if err := flags.Parse(arguments); err != nil {
		return 2
	}
	var owner *processIdentity
	if *stopWith != 0 {
		identity, err := identify(*stopWith)
		if err != nil {
			return fail("up", fmt.Errorf("--stop-with-pid: %w", err))
		}
		owner = identity
	}
	absolute, err := filepath.Abs(*directory)
	if err != nil {
		return fail("up", err)
	}
	binary, err := os.Executable()
	if err != nil {
		return fail("up", fmt.Errorf("cannot find own executable: %w", err))
	}
	binary, _ = filepath.EvalSymlinks(binary)
	settings := Settings{
		Directory:       absolute,
		BinaryDirectory: filepath.Dir(binary),
		Nodes:           *nodes,
		PortBase:        *portBase,
		AddressBlock:    *addressBlock,
		Owner:           owner,
	}
	if err := settings.Validate(); err != nil {
		return fail("up", err)
	}
	started := time.Now()
	progress := func(format string, values ...any) {
		fmt.Fprintf(os.Stderr, "up: [%5.1fs] %s\n", time.Since(started).Seconds(), fmt.Sprintf(format, values...))
	}

	// A cluster already running here: fine when it is the one asked for.
	if state, err := loadState(settings.Paths()); err == nil && supervisorAlive(state) {
		previous, _ := loadSettings(absolute)
		if previous.Nodes == settings.Nodes && previous.PortBase == settings.PortBase && previous.AddressBlock == settings.AddressBlock {
			progress("a cluster is already running in %s (supervisor pid %d)", absolute, state.SupervisorPID)
			return printUpResult(settings, binary, time.Since(started), true, *jsonOutput)
		}
		return fail("up", fmt.Errorf("a different cluster is running in %s (supervisor pid %d, %d nodes, port base %d); run `kubedesk-cluster down --dir %s` first",
			absolute, state.SupervisorPID, previous.Nodes, previous.PortBase, absolute))
	}

	if err := checkPortsFree(settings); err != nil {
		return fail("up", err)
	}
	progress("preparing %s (%d nodes, API server on https://%s:%d)", absolute, settings.Nodes, loopbackHost, settings.Ports().APIServer)
	if err := prepareDirectory(settings); err != nil {
		return fail("up", err)
	}

	supervisorPID, err := startSupervisor(settings, binary)
	if err != nil {
		return fail("up", err)
	}
	progress("supervisor started (pid %d); logs in %s", supervisorPID, settings.Paths().Logs())

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := waitUntilReady(ctx, settings, supervisorPID, progress); err != nil {
		fmt.Fprintf(os.Stderr, "up: error: %v\n", err)
		fmt.Fprintln(os.Stderr, "up: stopping what was started")
		_ = stopCluster(settings.Paths(), func(format string, values ...any) {
			fmt.Fprintf(os.Stderr, "up: "+format+"\n", values...)
		})
		return 1
	}
	progress("cluster ready")
	return printUpResult(settings, binary, time.Since(started), false, *jsonOutput)
}

func printUpResult(settings Settings, binary string, elapsed time.Duration, alreadyUp, asJSON bool) int {
	result := upResult{
		Directory:    settings.Directory,
		Kubeconfig:   settings.Paths().Kubeconfig(),
		Server:       fmt.Sprintf("https://%s:%d", loopbackHost, settings.Ports().APIServer),
		Nodes:        settings.Nodes,
		PortBase:     settings.PortBase,
		AddressBlock: settings.AddressBlock,
		Kubectl:      filepath.Join(filepath.Dir(binary), "kubectl"),
		Seconds:      elapsed.Seconds(),
		AlreadyUp:    alreadyUp,
	}
	if asJSON {
		data, _ := json.Marshal(result)
		fmt.Println(string(data))
		return 0
	}
	fmt.Printf("kubeconfig: %s\n", result.Kubeconfig)
	fmt.Printf("server:     %s\n", result.Server)
	fmt.Printf("kubectl:    %s\n", result.Kubectl)
	fmt.Printf("\n  export KUBECONFIG=%s\n", result.Kubeconfig)
	return 0
}

func fail(command string, err error) int {
	fmt.Fprintf(os.Stderr, "%s: error: %v\n", command, err)
	return 1
}

// checkPortsFree names the first of the cluster's ports something else holds.
func checkPortsFree(settings Settings) error {
	for offset := 0; offset < portCount; offset++ {
		port := settings.PortBase + offset
		listener, err := net.Listen("tcp", net.JoinHostPort(loopbackHost, strconv.Itoa(port)))
		if err != nil {
			return fmt.Errorf("port %d on %s is in use (the cluster needs %d-%d); pick other ports with --port-base", port, loopbackHost, settings.PortBase, settings.PortBase+portCount-1)
		}
		listener.Close()
	}
	return nil
}

// prepareDirectory starts the cluster from scratch: a fresh etcd, PKI, logs
// and KWOK configuration. The node directories (DIR/nodes/pi-N, the nodes'
// "disks") are kept.
func prepareDirectory(settings Settings) error {
	paths := settings.Paths()
	if err := os.MkdirAll(paths.Root(), 0o755); err != nil {
		return err
	}
	for _, stale := range []string{paths.Etcd(), paths.PKI(), paths.Logs(), paths.Kwok(), paths.PodLogs(), paths.State(), paths.Kubeconfig()} {
		if err := os.RemoveAll(stale); err != nil {
			return fmt.Errorf("removing %s: %w", stale, err)
		}
	}
	if err := ensureDirectories(paths); err != nil {
		return err
	}
	if err := writeJSONFile(paths.Settings(), settings); err != nil {
		return err
	}
	if err := generatePKI(settings); err != nil {
		return fmt.Errorf("generating the PKI: %w", err)
	}
	if err := writeShellShims(paths); err != nil {
		return fmt.Errorf("writing the terminal shims: %w", err)
	}
	return writeKwokConfiguration(settings)
}

// writeKwokConfiguration writes DIR/kwok/kwok.yaml: KWOK's options and its own
// default stages (node: initialize + heartbeat with a Lease; pod: ready,
// complete for Jobs, delete), as kwokctl would set them up.
func writeKwokConfiguration(settings Settings) error {
	paths := settings.Paths()
	ports := settings.Ports()
	var builder strings.Builder
	fmt.Fprintf(&builder, `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  # Exec and Logs are API objects that the pod runner creates per pod.
  enableCRDs: [Exec, Logs]
  manageNodesWithAnnotationSelector: %s=%s
  # The simulated kubelets' endpoint: every node's daemonEndpoints port.
  serverAddress: %s:%d
  nodePort: %d
  tlsCertFile: %s
  tlsPrivateKeyFile: %s
  nodeLeaseDurationSeconds: %d
  # A configuration file gets no defaults, so every option KWOK needs is here.
  manageAllNodes: false
  enableDebuggingHandlers: true
  enableProfilingHandler: false
  enableContentionProfiling: false
  podPlayStageParallelism: 8
  nodePlayStageParallelism: 8
  nodeLeaseParallelism: 8
  podsOnNodeSyncParallelism: 2
  enablePodsOnNodeSyncListPager: true
  enablePodsOnNodeSyncStreamWatch: false
  # Only used for nodes without spec.podCIDR (not ours): keep it on loopback.
  cidr: 127.253.0.0/16
  nodeIP: %s
`, kwokNodeAnnotation, kwokNodeValue, loopbackHost, ports.Kubelet, ports.Kubelet,
		filepath.Join(paths.PKI(), "kubelet.crt"), filepath.Join(paths.PKI(), "kubelet.key"),
		nodeLeaseSeconds, loopbackHost)
	stages, err := filepath.Glob(filepath.Join(settings.BinaryDirectory, "kwok-stages", "*.yaml"))
	if err != nil || len(stages) == 0 {
		return fmt.Errorf("no KWOK stages in %s/kwok-stages (run test/cluster/build.sh)", settings.BinaryDirectory)
	}
	for _, stage := range stages {
		data, err := os.ReadFile(stage)
		if err != nil {
			return err
		}
		builder.WriteString("---\n")
		builder.Write(data)
	}
	return os.WriteFile(filepath.Join(paths.Kwok(), "kwok.yaml"), []byte(builder.String()), 0o644)
}

// startSupervisor starts `kubedesk-cluster supervise` in a new session, so it
// outlives `up` and no terminal signal reaches it.
func startSupervisor(settings Settings, binary string) (int, error) {
	logFile, err := os.OpenFile(settings.Paths().Log("supervisor"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logFile.Close()
	command := exec.Command(binary, "supervise", "--dir", settings.Directory)
	command.Dir = settings.Directory
	command.Env = baseEnvironment(settings.Directory)
	command.Stdout = logFile
	command.Stderr = logFile
	command.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := command.Start(); err != nil {
		return 0, fmt.Errorf("starting the supervisor: %w", err)
	}
	pid := command.Process.Pid
	// Reap it if it dies while `up` still runs; otherwise it is adopted by
	// init when `up` exits.
	go func() { _ = command.Wait() }()
	return pid, nil
}

// waitUntilReady follows the supervisor's state, then waits for every node to
// be Ready and every namespace to have its default ServiceAccount (pods cannot
// be created before it exists).
func waitUntilReady(ctx context.Context, settings Settings, supervisorPID int, progress func(string, ...any)) error {
	paths := settings.Paths()
	lastMessage := ""
	for {
		state, err := loadState(paths)
		if err == nil {
			if state.Message != lastMessage {
				progress("%s", state.Message)
				lastMessage = state.Message
			}
			if state.Phase == phaseFailed {
				return fmt.Errorf("the cluster failed to start: %s", state.Message)
			}
			if state.Phase == phaseRunning {
				break
			}
		}
		if !processAlive(supervisorPID) {
			return fmt.Errorf("the supervisor exited; see %s", paths.Log("supervisor"))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready in time (%s); see the logs in %s", lastMessage, paths.Logs())
		case <-time.After(100 * time.Millisecond):
		}
	}

	config, err := clientConfig(paths.Kubeconfig())
	if err != nil {
		return err
	}
	clients, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	lastReport := time.Time{}
	for {
		ready, err := countReadyNodes(ctx, clients)
		if err == nil && ready == settings.Nodes {
			progress("%d/%d nodes Ready", ready, settings.Nodes)
			break
		}
		if time.Since(lastReport) > 2*time.Second {
			progress("%d/%d nodes Ready", ready, settings.Nodes)
			lastReport = time.Now()
		}
		if !processAlive(supervisorPID) {
			return fmt.Errorf("the supervisor exited; see %s", paths.Log("supervisor"))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("only %d of %d nodes became Ready in time; see %s", ready, settings.Nodes, paths.Log("kwok"))
		case <-time.After(250 * time.Millisecond):
		}
	}
	for _, namespace := range append([]string{"default"}, kubedeskNamespaces...) {
		for {
			_, err := clients.CoreV1().ServiceAccounts(namespace).Get(ctx, "default", metav1.GetOptions{})
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("namespace %s got no default ServiceAccount in time; see %s", namespace, paths.Log("kube-controller-manager"))
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

func countReadyNodes(ctx context.Context, clients kubernetes.Interface) (int, error) {
	// resourceVersion=0 serves from the watch cache: cheap even for 1,000 nodes.
	list, err := clients.CoreV1().Nodes().List(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		return 0, err
	}
	ready := 0
	for _, node := range list.Items {
		for _, condition := range node.Status.Conditions {
			if condition.Type == corev1.NodeReady && condition.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	return ready, nil
}

func loadState(paths Paths) (State, error) {
	var state State
	data, err := os.ReadFile(paths.State())
	if err != nil {
		return state, err
	}
	err = json.Unmarshal(data, &state)
	return state, err
}

// supervisorAlive: the pid runs and is our supervisor (not a reused pid).
func supervisorAlive(state State) bool {
	return processAlive(state.SupervisorPID) && strings.Contains(processCommandLine(state.SupervisorPID), "supervise")
}

func runDown(arguments []string) int {
	flags := flag.NewFlagSet("down", flag.ContinueOnError)
	directory := flags.String("dir", defaultDirectory(), "cluster directory")
	if err := flags.Parse(arguments); err != nil {
		return 2
	}
	absolute, err := filepath.Abs(*directory)
	if err != nil {
		return fail("down", err)
	}
	report := func(format string, values ...any) {
		fmt.Fprintf(os.Stderr, "down: "+format+"\n", values...)
	}
	if err := stopCluster(Paths{root: absolute}, report); err != nil {
		return fail("down", err)
	}
	return 0
}

// stopCluster stops the supervisor (which stops its components), then ends
// anything left in its session, and checks that no port stays open.
func stopCluster(paths Paths, report func(string, ...any)) error {
	state, err := loadState(paths)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			report("no cluster in %s", paths.Root())
			return nil
		}
		return fmt.Errorf("reading %s: %w", paths.State(), err)
	}
	pid := state.SupervisorPID
	wasAlive := supervisorAlive(state)
	if wasAlive {
		report("stopping the supervisor (pid %d)", pid)
		_ = syscall.Kill(pid, syscall.SIGTERM)
		// The supervisor gives each component stopGrace; six components in
		// the worst case, plus the session sweep.
		deadline := time.Now().Add(6*stopGrace + 10*time.Second)
		for processAlive(pid) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if processAlive(pid) {
			report("the supervisor did not stop in time; killing it")
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	} else {
		report("the supervisor (pid %d) is not running", pid)
	}
	// Components die with the supervisor (parent-death signal); shells and
	// app processes they started are swept by session. When the supervisor
	// was already gone its pid may have been reused by an unrelated session,
	// so then only processes that name the cluster directory are ended.
	if pid > 0 && wasAlive {
		killSession(pid, -1)
	} else if pid > 0 {
		for _, member := range sessionMembers(pid) {
			if strings.Contains(processCommandLine(member), paths.Root()) {
				_ = syscall.Kill(member, syscall.SIGKILL)
			}
		}
	}
	for _, component := range state.Components {
		deadline := time.Now().Add(stopGrace)
		for processAlive(component.PID) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if processAlive(component.PID) && strings.Contains(processCommandLine(component.PID), component.Name) {
			report("%s (pid %d) still runs; killing it", component.Name, component.PID)
			_ = syscall.Kill(component.PID, syscall.SIGKILL)
		}
	}
	if settings, err := loadSettings(paths.Root()); err == nil {
		if busy := listeningPorts(settings); len(busy) > 0 {
			return fmt.Errorf("ports still listening after stop: %v", busy)
		}
	}
	report("stopped")
	return nil
}

// listeningPorts lists the cluster's ports that something still listens on,
// on 127.0.0.1 or on any node address.
func listeningPorts(settings Settings) []string {
	listening := listeningSockets()
	var busy []string
	for offset := 0; offset < portCount; offset++ {
		port := settings.PortBase + offset
		for _, address := range listening[port] {
			busy = append(busy, net.JoinHostPort(address, strconv.Itoa(port)))
		}
	}
	return busy
}

// listeningSockets reads /proc/net/tcp: port → local addresses in LISTEN.
func listeningSockets() map[int][]string {
	result := map[int][]string{}
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return result
	}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 4 || fields[3] != "0A" { // 0A = TCP_LISTEN
			continue
		}
		hostPort := strings.Split(fields[1], ":")
		if len(hostPort) != 2 {
			continue
		}
		port, err := strconv.ParseInt(hostPort[1], 16, 32)
		if err != nil {
			continue
		}
		raw, err := strconv.ParseUint(hostPort[0], 16, 32)
		if err != nil {
			continue
		}
		// /proc/net/tcp prints the address as a little-endian 32-bit number.
		address := net.IPv4(byte(raw), byte(raw>>8), byte(raw>>16), byte(raw>>24)).String()
		result[int(port)] = append(result[int(port)], address)
	}
	return result
}

func runStatus(arguments []string) int {
	flags := flag.NewFlagSet("status", flag.ContinueOnError)
	directory := flags.String("dir", defaultDirectory(), "cluster directory")
	jsonOutput := flags.Bool("json", false, "print one JSON object")
	if err := flags.Parse(arguments); err != nil {
		return 2
	}
	absolute, err := filepath.Abs(*directory)
	if err != nil {
		return fail("status", err)
	}
	report := clusterStatus(Paths{root: absolute})
	if *jsonOutput {
		data, _ := json.MarshalIndent(report, "", "  ")
		fmt.Println(string(data))
	} else {
		fmt.Printf("cluster in %s: %s\n", report.Directory, report.Summary)
		if report.Running {
			fmt.Printf("kubeconfig: %s\n", report.Kubeconfig)
			fmt.Printf("%-24s %8s %6s  %s\n", "COMPONENT", "PID", "PORT", "HEALTH")
			for _, component := range report.Components {
				fmt.Printf("%-24s %8d %6d  %s\n", component.Name, component.PID, component.Port, component.Health)
			}
		}
	}
	switch {
	case !report.Running:
		return 1
	case !report.Healthy:
		return 3
	}
	return 0
}

type statusReport struct {
	Directory  string            `json:"directory"`
	Running    bool              `json:"running"`
	Healthy    bool              `json:"healthy"`
	Phase      string            `json:"phase"`
	Summary    string            `json:"summary"`
	Kubeconfig string            `json:"kubeconfig,omitempty"`
	Nodes      int               `json:"nodes,omitempty"`
	PortBase   int               `json:"portBase,omitempty"`
	Components []componentStatus `json:"components,omitempty"`
}

type componentStatus struct {
	Name    string `json:"name"`
	PID     int    `json:"pid"`
	Port    int    `json:"port"`
	Running bool   `json:"running"`
	Healthy bool   `json:"healthy"`
	Health  string `json:"health"`
}

func clusterStatus(paths Paths) statusReport {
	report := statusReport{Directory: paths.Root()}
	state, err := loadState(paths)
	if err != nil {
		report.Summary = "not running (no state file)"
		return report
	}
	report.Phase = state.Phase
	if !supervisorAlive(state) {
		report.Summary = fmt.Sprintf("not running (last phase: %s: %s)", state.Phase, state.Message)
		return report
	}
	settings, err := loadSettings(paths.Root())
	if err != nil {
		report.Summary = err.Error()
		return report
	}
	report.Running = true
	report.Kubeconfig = paths.Kubeconfig()
	report.Nodes = settings.Nodes
	report.PortBase = settings.PortBase
	specs := map[string]componentSpec{}
	for _, spec := range componentSpecs(settings, "") {
		specs[spec.name] = spec
	}
	healthy := state.Phase == phaseRunning
	for _, component := range state.Components {
		entry := componentStatus{Name: component.Name, PID: component.PID, Port: component.Port, Running: processAlive(component.PID)}
		switch {
		case !entry.Running:
			entry.Health = "not running"
		default:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := specs[component.Name].health(ctx); err != nil {
				entry.Health = "unhealthy: " + err.Error()
			} else {
				entry.Healthy = true
				entry.Health = "healthy"
			}
			cancel()
		}
		healthy = healthy && entry.Healthy
		report.Components = append(report.Components, entry)
	}
	report.Healthy = healthy
	report.Summary = fmt.Sprintf("%s, supervisor pid %d, %d nodes, API server https://%s:%d", state.Phase, state.SupervisorPID, settings.Nodes, loopbackHost, settings.Ports().APIServer)
	if !healthy {
		report.Summary += " (not all components healthy)"
	}
	return report
}
