package main

// The simulated Raspberry Pis and the objects every cluster starts with.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	yamlutil "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Namespaces Kubedesk expects (DESIGN.md, "Names in the cluster").
var kubedeskNamespaces = []string{"kubedesk-system", "kubedesk-apps"}

// Node labels and annotations. See docs/local-cluster.md.
const (
	labelModel        = "kubedesk.io/model"
	labelInstanceType = "node.kubernetes.io/instance-type"
	// kwokNodeAnnotation marks the nodes KWOK simulates (its
	// --manage-nodes-with-annotation-selector).
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
	kwokNodeValue      = "fake"
)

// A board is one kind of Raspberry Pi with its real capacity: the memory the
// kernel reports for each board (a "1 GB" Pi 3B+ shows 906 MiB, a "4 GB" Pi 4B
// 3,795 MiB) and a 32 GB SD card.
type board struct {
	model         string // kubedesk.io/model: the device-tree model, as a label value
	cpu           string
	memory        string
	storage       string
	kernelVersion string
}

var (
	pi3BPlus = board{model: "raspberry-pi-3-model-b-plus", cpu: "4", memory: "927892Ki", storage: "29801344Ki", kernelVersion: "6.6.51+rpt-rpi-v8"}
	pi4B     = board{model: "raspberry-pi-4-model-b", cpu: "4", memory: "3886240Ki", storage: "29801344Ki", kernelVersion: "6.6.51+rpt-rpi-v8"}
)

// boardOf: pi-1 is the owner's old Pi 3B+, every other node a Pi 4B.
func boardOf(index int) board {
	if index == 1 {
		return pi3BPlus
	}
	return pi4B
}

// serverNode is the k3s server (control plane). Not the 1 GiB Pi 3B+, which
// an owner would not pick for it.
const serverNode = 2

func simulatedNode(settings Settings, index int) *corev1.Node {
	name := NodeName(index)
	board := boardOf(index)
	labels := map[string]string{
		"kubernetes.io/arch":               "arm64",
		"kubernetes.io/os":                 "linux",
		"kubernetes.io/hostname":           name,
		"beta.kubernetes.io/arch":          "arm64",
		"beta.kubernetes.io/os":            "linux",
		labelInstanceType:                  "k3s", // what k3s sets on every node
		"beta.kubernetes.io/instance-type": "k3s",
		labelModel:                         board.model,
	}
	if index == serverNode || settings.Nodes == 1 {
		labels["node-role.kubernetes.io/control-plane"] = "true"
		labels["node-role.kubernetes.io/master"] = "true"
	}
	identity := sha256.Sum256([]byte(settings.Directory + "/" + name))
	machineID := hex.EncodeToString(identity[:16])
	pods := resource.MustParse("110")
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(board.cpu),
		corev1.ResourceMemory:           resource.MustParse(board.memory),
		corev1.ResourceEphemeralStorage: resource.MustParse(board.storage),
		corev1.ResourcePods:             pods,
	}
	// k3s reserves nothing by default; the kubelet keeps 5% of the disk.
	allocatable := capacity.DeepCopy()
	storage := allocatable[corev1.ResourceEphemeralStorage]
	allocatable[corev1.ResourceEphemeralStorage] = *resource.NewQuantity(storage.Value()*95/100, resource.BinarySI)

	podCIDR := settings.PodCIDR(index)
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: labels,
			Annotations: map[string]string{
				kwokNodeAnnotation:             kwokNodeValue,
				"node.alpha.kubernetes.io/ttl": "0",
				"kubedesk.io/simulated":        "true",
				"kubedesk.io/node-directory":   settings.Paths().Node(name),
			},
		},
		Spec: corev1.NodeSpec{
			PodCIDR:  podCIDR,
			PodCIDRs: []string{podCIDR},
		},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: allocatable,
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: settings.NodeAddress(index).String()},
				{Type: corev1.NodeHostName, Address: name},
			},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{
				KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(settings.Ports().Kubelet)},
			},
			NodeInfo: corev1.NodeSystemInfo{
				MachineID:               machineID,
				SystemUUID:              machineID,
				BootID:                  hex.EncodeToString(identity[16:]),
				KernelVersion:           board.kernelVersion,
				OSImage:                 "Debian GNU/Linux 12 (bookworm)",
				ContainerRuntimeVersion: "containerd://2.1.4-k3s1",
				KubeletVersion:          kubernetesVersion,
				OperatingSystem:         "linux",
				Architecture:            "arm64",
			},
		},
	}
}

// bootstrapCluster creates the namespaces, KWOK's Exec and Logs CRDs and the
// nodes. It runs once the API server is healthy, before the other components.
func bootstrapCluster(ctx context.Context, instance *supervisor) error {
	config, err := clientConfig(instance.paths.Kubeconfig())
	if err != nil {
		return err
	}
	clients, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	for _, namespace := range kubedeskNamespaces {
		_, err := clients.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", namespace, err)
		}
	}
	if err := installKwokCRDs(ctx, config, instance.settings.BinaryDirectory); err != nil {
		return err
	}
	return createNodes(ctx, clients, instance.settings)
}

// clientConfig loads a kubeconfig with rate limits that suit a local
// cluster: creating 1,000 nodes at client-go's default 5 QPS takes minutes.
func clientConfig(path string) (*rest.Config, error) {
	config, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig %s: %w", path, err)
	}
	config.QPS = 200
	config.Burst = 400
	return config, nil
}

// installKwokCRDs installs the CRDs of the KWOK kinds enabled in kwok.yaml
// (Exec, Logs): the pod runner creates one of each per pod so that exec and
// logs know the pod's node. build.sh copies them from KWOK's module.
func installKwokCRDs(ctx context.Context, config *rest.Config, binaryDirectory string) error {
	client, err := apiextensionsclient.NewForConfig(config)
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(binaryDirectory, "kwok-crds", "*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no KWOK CRDs in %s/kwok-crds (is the build folder complete? run test/cluster/build.sh)", binaryDirectory)
	}
	var names []string
	for _, file := range files {
		data, err := os.Open(file)
		if err != nil {
			return err
		}
		var definition apiextensionsv1.CustomResourceDefinition
		err = yamlutil.NewYAMLOrJSONDecoder(data, 4096).Decode(&definition)
		data.Close()
		if err != nil {
			return fmt.Errorf("%s is not a CustomResourceDefinition: %w", file, err)
		}
		_, err = client.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, &definition, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating CRD %s: %w", definition.Name, err)
		}
		names = append(names, definition.Name)
	}
	// KWOK and the pod runner list these kinds as soon as they start.
	for _, name := range names {
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			definition, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			for _, condition := range definition.Status.Conditions {
				if condition.Type == apiextensionsv1.Established && condition.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("CRD %s was not established: %w", name, err)
		}
	}
	return nil
}

// createNodes creates pi-1 ... pi-N with their status (the API server keeps
// the status of a Node on create), and a directory per node.
func createNodes(ctx context.Context, clients kubernetes.Interface, settings Settings) error {
	const workers = 16
	indexes := make(chan int)
	errs := make(chan error, workers)
	var group sync.WaitGroup
	for worker := 0; worker < workers; worker++ {
		group.Add(1)
		go func() {
			defer group.Done()
			for index := range indexes {
				node := simulatedNode(settings, index)
				if err := prepareNodeDirectory(settings.Paths().Node(node.Name)); err != nil {
					errs <- err
					return
				}
				_, err := clients.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
				if err != nil && !apierrors.IsAlreadyExists(err) {
					errs <- fmt.Errorf("creating node %s: %w", node.Name, err)
					return
				}
			}
		}()
	}
	var firstErr error
feeding:
	for index := 1; index <= settings.Nodes; index++ {
		select {
		case indexes <- index:
		case firstErr = <-errs:
			break feeding
		case <-ctx.Done():
			firstErr = ctx.Err()
			break feeding
		}
	}
	close(indexes)
	group.Wait()
	if firstErr == nil {
		select {
		case firstErr = <-errs:
		default:
		}
	}
	return firstErr
}

// nodeBashrc makes interactive bash in a node's directory (its HOME) show the
// node: bash sets HOSTNAME and the prompt's \h from the machine's real name.
const nodeBashrc = `# Written by kubedesk-cluster: this directory is the simulated Pi's home.
if [ -n "$KUBEDESK_NODE" ]; then
  HOSTNAME=$KUBEDESK_NODE
  PS1='\u@'"$KUBEDESK_NODE"':\w\$ '
fi
`

// prepareNodeDirectory creates a node's directory, the "disk" that
// `kubectl exec` shells and app processes of that node work in. It survives
// `down` and `up`; a .bashrc the user changed is left alone.
func prepareNodeDirectory(directory string) error {
	if err := os.MkdirAll(directory, 0o755); err != nil {
		return err
	}
	bashrc := filepath.Join(directory, ".bashrc")
	if _, err := os.Stat(bashrc); os.IsNotExist(err) {
		return os.WriteFile(bashrc, []byte(nodeBashrc), 0o644)
	}
	return nil
}

// forwardKubeletAddresses listens on every node's InternalIP at the kubelet
// port and forwards each connection to KWOK's server on 127.0.0.1.
//
// Why: the API server reaches a node's kubelet (exec, logs, port-forward) at
// its InternalIP. Each simulated node has its own loopback address, so pods
// and the node agent can tell nodes apart, but KWOK serves every node from one
// address. Listening on 0.0.0.0 would cover them all but also expose KWOK's
// exec (a root shell) beyond the machine; these listeners stay on loopback.
func forwardKubeletAddresses(settings Settings) (stop func(), err error) {
	port := settings.Ports().Kubelet
	target := net.JoinHostPort(loopbackHost, strconv.Itoa(port))
	var listeners []net.Listener
	stop = func() {
		for _, listener := range listeners {
			_ = listener.Close()
		}
	}
	for index := 1; index <= settings.Nodes; index++ {
		address := net.JoinHostPort(settings.NodeAddress(index).String(), strconv.Itoa(port))
		listener, err := net.Listen("tcp", address)
		if err != nil {
			stop()
			return func() {}, fmt.Errorf("listening on %s for node %s: %w", address, NodeName(index), err)
		}
		listeners = append(listeners, listener)
		go acceptAndForward(listener, target)
	}
	return stop, nil
}

func acceptAndForward(listener net.Listener, target string) {
	for {
		connection, err := listener.Accept()
		if err != nil {
			return // closed by stop
		}
		go func() {
			defer connection.Close()
			upstream, err := net.DialTimeout("tcp", target, 5*time.Second)
			if err != nil {
				log.Printf("kubelet forward from %s: %v", connection.LocalAddr(), err)
				return
			}
			defer upstream.Close()
			done := make(chan struct{}, 2)
			go func() { _, _ = io.Copy(upstream, connection); closeWrite(upstream); done <- struct{}{} }()
			go func() { _, _ = io.Copy(connection, upstream); closeWrite(connection); done <- struct{}{} }()
			<-done
			<-done
		}()
	}
}

func closeWrite(connection net.Conn) {
	if tcp, ok := connection.(*net.TCPConn); ok {
		_ = tcp.CloseWrite()
	}
}

// sortedKeys is used for stable output.
func sortedKeys[V any](values map[string]V) []string {
	keys := make([]string, 0, len(values))
	for key := range values {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
