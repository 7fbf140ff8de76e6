package main

// What the supervisor runs: the command line, environment and health check of
// each component, in start order.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

type componentSpec struct {
	// name is also the child's argv[0], which picks the component when the
	// program is this multi-call binary.
	name        string
	program     string
	arguments   []string
	environment []string
	port        int
	healthURL   string
	health      func(context.Context) error
	// before runs (once the previous components are healthy) before this
	// component starts; beforeMessage says what it does.
	before        func(context.Context, *supervisor) error
	beforeMessage string
}

const (
	// nodeLeaseSeconds: KWOK renews each node's Lease every quarter of this.
	// 120 s means 1,000 nodes cost ~33 lease writes a second, which two cores
	// can carry next to the tests; the default (40 s) triples that.
	nodeLeaseSeconds = 120
	// nodeMonitorGracePeriod must exceed the renew interval (30 s) with
	// margin, or the node lifecycle controller marks nodes NotReady.
	nodeMonitorGracePeriod = "100s"
)

// baseEnvironment is what every component (and through KWOK, every shell that
// `kubectl exec` opens) inherits: nothing of the caller's environment, so a
// developer's KUBECONFIG or proxy settings cannot leak into the cluster.
func baseEnvironment(home string) []string {
	return []string{
		"PATH=" + standardPath,
		"LANG=C.UTF-8",
		"HOME=" + home,
	}
}

// standardPath is Debian's PATH for root.
const standardPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// kwokEnvironment: KWOK's own environment is the base of every `kubectl exec`
// process (the Exec object's variables are added on top).
func kwokEnvironment(paths Paths) []string {
	return []string{
		"PATH=" + shimDirectory(paths) + ":" + standardPath,
		"LANG=C.UTF-8",
		"HOME=" + paths.Nodes(),
		// Keeps KWOK away from ~/.kwok (it would load a developer's
		// ~/.kwok/kwok.yaml first).
		"KWOK_WORKDIR=" + paths.Kwok(),
	}
}

func shimDirectory(paths Paths) string { return filepath.Join(paths.Kwok(), "shims") }

// shellShimNames are the shells `kubectl exec -it POD -- SHELL` may name.
var shellShimNames = []string{"sh", "bash", "dash", "zsh"}

// writeShellShims writes, for every shell found on this machine, a script of
// the same name that KWOK finds first on its PATH.
//
// Why: KWOK v0.8.0 gives an exec with a TTY a pseudo-terminal as stdin, stdout
// and stderr, but does not make it the process's controlling terminal (no
// setsid/TIOCSCTTY; pkg/kwok/server/debugging_exec_other.go). The shell then
// has no job control, and Ctrl-C or Ctrl-Z reach no one. The shim starts the
// shell in a new session that owns the terminal (util-linux setsid --ctty),
// which is what a container runtime does. Without a terminal it just runs
// the shell. Other programs run as KWOK starts them.
func writeShellShims(paths Paths) error {
	directory := shimDirectory(paths)
	if err := os.MkdirAll(directory, 0o755); err != nil {
		return err
	}
	setsid, err := exec.LookPath("setsid")
	if err != nil {
		// Exec still works, only without job control; say so once.
		fmt.Fprintln(os.Stderr, "up: warning: setsid (util-linux) not found: shells opened with kubectl exec -it will have no job control")
		return nil
	}
	for _, name := range shellShimNames {
		real, err := lookPathIn(name, standardPath)
		if err != nil {
			continue
		}
		script := fmt.Sprintf(`#!/bin/sh
# Written by kubedesk-cluster up: gives %[1]s the terminal as its controlling
# terminal when there is one (see writeShellShims in test/cluster/specs.go).
if [ -t 0 ]; then
  exec %[2]s --ctty --wait %[1]s "$@"
fi
exec %[1]s "$@"
`, real, setsid)
		if err := os.WriteFile(filepath.Join(directory, name), []byte(script), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// lookPathIn finds name in a PATH-style list of directories.
func lookPathIn(name, path string) (string, error) {
	for _, directory := range filepath.SplitList(path) {
		candidate := filepath.Join(directory, name)
		if info, err := os.Stat(candidate); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("%s not found in %s", name, path)
}

func componentSpecs(settings Settings, binary string) []componentSpec {
	paths := settings.Paths()
	ports := settings.Ports()
	pki := func(name string) string { return filepath.Join(paths.PKI(), name) }
	url := func(scheme string, port int, path string) string {
		return fmt.Sprintf("%s://%s:%d%s", scheme, loopbackHost, port, path)
	}
	environment := baseEnvironment(paths.Root())
	kwokBinary := filepath.Join(settings.BinaryDirectory, "kwok")

	return []componentSpec{
		{
			name:    "etcd",
			program: binary,
			arguments: []string{
				"--data-dir", paths.Etcd(),
				"--client-port", strconv.Itoa(ports.EtcdClient),
				"--peer-port", strconv.Itoa(ports.EtcdPeer),
			},
			environment: environment,
			port:        ports.EtcdClient,
			healthURL:   url("http", ports.EtcdClient, "/health"),
			health:      httpHealth(url("http", ports.EtcdClient, "/health"), nil, `"health":"true"`),
		},
		{
			name:    "kube-apiserver",
			program: binary,
			arguments: []string{
				"--etcd-servers=" + url("http", ports.EtcdClient, ""),
				"--bind-address=" + loopbackHost,
				"--secure-port=" + strconv.Itoa(ports.APIServer),
				// The API server would publish its address in the `kubernetes`
				// Endpoints; loopback addresses are invalid there, so the
				// reconciler is off.
				"--advertise-address=" + loopbackHost,
				"--endpoint-reconciler-type=none",
				"--tls-cert-file=" + pki("apiserver.crt"),
				"--tls-private-key-file=" + pki("apiserver.key"),
				"--client-ca-file=" + pki("ca.crt"),
				"--authorization-mode=Node,RBAC",
				"--enable-admission-plugins=NodeRestriction",
				"--allow-privileged=true",
				"--service-cluster-ip-range=" + serviceCIDR,
				"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
				"--service-account-key-file=" + pki("service-account.pub"),
				"--service-account-signing-key-file=" + pki("service-account.key"),
				// exec, logs and port-forward go to the node's InternalIP at the
				// kubelet port; see forwardKubeletAddresses.
				"--kubelet-preferred-address-types=InternalIP",
				"--kubelet-certificate-authority=" + pki("ca.crt"),
				"--kubelet-client-certificate=" + pki("apiserver-kubelet-client.crt"),
				"--kubelet-client-key=" + pki("apiserver-kubelet-client.key"),
				"--cert-dir=" + pki("serving"),
				"--profiling=false",
			},
			environment: environment,
			port:        ports.APIServer,
			healthURL:   url("https", ports.APIServer, "/readyz"),
			health:      apiServerHealth(paths, url("https", ports.APIServer, "/readyz")),
		},
		{
			name:    "kube-scheduler",
			program: binary,
			arguments: []string{
				"--kubeconfig=" + paths.ComponentKubeconfig("kube-scheduler"),
				"--authentication-kubeconfig=" + paths.ComponentKubeconfig("kube-scheduler"),
				"--authorization-kubeconfig=" + paths.ComponentKubeconfig("kube-scheduler"),
				"--bind-address=" + loopbackHost,
				"--secure-port=" + strconv.Itoa(ports.Scheduler),
				"--tls-cert-file=" + pki("components.crt"),
				"--tls-private-key-file=" + pki("components.key"),
				"--leader-elect=false",
			},
			environment: environment,
			port:        ports.Scheduler,
			healthURL:   url("https", ports.Scheduler, "/healthz"),
			health:      httpHealth(url("https", ports.Scheduler, "/healthz"), caPool(paths), "ok"),
			before:      bootstrapCluster,
			// Namespaces, KWOK's CRDs and the nodes exist before anything
			// schedules or simulates, so nothing races their creation.
			beforeMessage: fmt.Sprintf("creating namespaces, KWOK resources and %d nodes", settings.Nodes),
		},
		{
			name:    "kube-controller-manager",
			program: binary,
			arguments: []string{
				"--kubeconfig=" + paths.ComponentKubeconfig("kube-controller-manager"),
				"--authentication-kubeconfig=" + paths.ComponentKubeconfig("kube-controller-manager"),
				"--authorization-kubeconfig=" + paths.ComponentKubeconfig("kube-controller-manager"),
				"--bind-address=" + loopbackHost,
				"--secure-port=" + strconv.Itoa(ports.ControllerManager),
				"--tls-cert-file=" + pki("components.crt"),
				"--tls-private-key-file=" + pki("components.key"),
				"--leader-elect=false",
				// Each controller acts as its own ServiceAccount, so RBAC is
				// exercised the way a real cluster does it.
				"--use-service-account-credentials=true",
				"--service-account-private-key-file=" + pki("service-account.key"),
				"--root-ca-file=" + pki("ca.crt"),
				"--cluster-signing-cert-file=" + pki("ca.crt"),
				"--cluster-signing-key-file=" + pki("ca.key"),
				// Nodes get their loopback podCIDR from `up`, not from IPAM.
				"--allocate-node-cidrs=false",
				"--controllers=*,-nodeipam",
				"--node-monitor-grace-period=" + nodeMonitorGracePeriod,
				// DaemonSets over 1,000 nodes need more than the default 20 QPS.
				"--kube-api-qps=100",
				"--kube-api-burst=200",
			},
			environment: environment,
			port:        ports.ControllerManager,
			healthURL:   url("https", ports.ControllerManager, "/healthz"),
			health:      httpHealth(url("https", ports.ControllerManager, "/healthz"), caPool(paths), "ok"),
		},
		{
			name:    "kwok",
			program: kwokBinary,
			arguments: []string{
				"--kubeconfig=" + paths.ComponentKubeconfig("kwok"),
				"--config=" + filepath.Join(paths.Kwok(), "kwok.yaml"),
			},
			// KWOK_WORKDIR keeps KWOK away from ~/.kwok (it would load a
			// developer's ~/.kwok/kwok.yaml first).
			// Its PATH starts with the terminal shims (see writeShellShims).
			environment: kwokEnvironment(paths),
			port:        ports.Kubelet,
			healthURL:   url("https", ports.Kubelet, "/healthz"),
			health:      httpHealth(url("https", ports.Kubelet, "/healthz"), caPool(paths), "ok"),
			before: func(ctx context.Context, instance *supervisor) error {
				stop, err := forwardKubeletAddresses(instance.settings)
				instance.stopForwarding = stop
				return err
			},
			beforeMessage: "listening on the nodes' loopback addresses for the kubelet port",
		},
		{
			name:        "podrunner",
			program:     binary,
			arguments:   []string{"--dir", paths.Root()},
			environment: environment,
			port:        ports.PodRunner,
			healthURL:   url("http", ports.PodRunner, "/healthz"),
			health:      httpHealth(url("http", ports.PodRunner, "/healthz"), nil, "ok"),
		},
	}
}

func caPool(paths Paths) *x509.CertPool {
	pool := x509.NewCertPool()
	data, err := os.ReadFile(filepath.Join(paths.PKI(), "ca.crt"))
	if err == nil {
		pool.AppendCertsFromPEM(data)
	}
	return pool
}

// httpHealth GETs url (verifying TLS against roots when given) and expects a
// 200 whose body contains want.
func httpHealth(url string, roots *x509.CertPool, want string) func(context.Context) error {
	client := &http.Client{Timeout: 5 * time.Second}
	if roots != nil {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	}
	return func(ctx context.Context) error {
		return getHealth(ctx, client, url, want)
	}
}

// apiServerHealth asks /readyz as the admin (it needs a client certificate).
func apiServerHealth(paths Paths, url string) func(context.Context) error {
	return func(ctx context.Context) error {
		certificate, err := tls.LoadX509KeyPair(filepath.Join(paths.PKI(), "admin.crt"), filepath.Join(paths.PKI(), "admin.key"))
		if err != nil {
			return err
		}
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs:      caPool(paths),
			Certificates: []tls.Certificate{certificate},
		}}}
		defer client.CloseIdleConnections()
		return getHealth(ctx, client, url, "ok")
	}
}

func getHealth(ctx context.Context, client *http.Client, url, want string) error {
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	response, err := client.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(response.Body, 4096))
	if response.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		return fmt.Errorf("%s answered %d: %s", url, response.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}
