// Command kubedesk-cluster is a multi-call binary for Kubedesk's local test
// cluster: the real Kubernetes control plane built from Go modules, plus the
// orchestration that runs it with KWOK-simulated Raspberry Pis.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

const usage = `usage: kubedesk-cluster COMMAND [ARGUMENTS]

Cluster commands:
  up          generate a PKI, start a local cluster and wait until it is Ready
  down        stop a cluster started by up
  status      show what runs (exit 1 when nothing runs)
  restart-apiserver [--dir DIR] [--down-for 10s]
              stop the API server, wait, start it again (reliability tests)

Components (also chosen by argv[0], e.g. through a symlink named kubectl):
  etcd, kube-apiserver, kube-scheduler, kube-controller-manager, kubectl

Internal:
  supervise   run and watch the components (started by up)
  podrunner   run app pods' processes on simulated nodes (started by supervise)
  version     print the versions this binary was built from`

func main() {
	os.Exit(dispatch())
}

func dispatch() int {
	// argv[0] picks the command when it names one (a symlink named kubectl,
	// or how the supervisor starts its children, so `ps` shows the component).
	command := filepath.Base(os.Args[0])
	arguments := os.Args[1:]
	if _, isComponent := componentCommands[command]; isComponent {
		return componentCommands[command]()
	}
	if !ownCommands[command] {
		if len(os.Args) < 2 {
			fmt.Fprintln(os.Stderr, usage)
			return 2
		}
		command = os.Args[1]
		arguments = os.Args[2:]
		if run, isComponent := componentCommands[command]; isComponent {
			// The upstream commands parse os.Args themselves: drop our argument so
			// they see `kube-apiserver --flag ...` exactly as their own binary would.
			os.Args = append([]string{command}, os.Args[2:]...)
			return run()
		}
	}
	switch command {
	case "etcd":
		return runEtcd(arguments)
	case "up":
		return runUp(arguments)
	case "down":
		return runDown(arguments)
	case "status":
		return runStatus(arguments)
	case "restart-apiserver":
		return runRestartAPIServer(arguments)
	case "supervise":
		return runSupervise(arguments)
	case "podrunner":
		return runPodRunner(arguments)
	case "version":
		fmt.Printf("kubernetes %s\nkwok %s\n", kubernetesVersion, kwokVersion)
		return 0
	case "help", "-h", "--help":
		fmt.Println(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "kubedesk-cluster: unknown command %q\n\n%s\n", command, usage)
	return 2
}

// componentCommands are the upstream commands that read os.Args themselves.
var componentCommands = map[string]func() int{
	"kube-apiserver":          runAPIServer,
	"kube-scheduler":          runScheduler,
	"kube-controller-manager": runControllerManager,
	"kubectl":                 runKubectl,
}

// ownCommands can also be chosen by argv[0].
var ownCommands = map[string]bool{"etcd": true, "supervise": true, "podrunner": true}

// Stamped by build.sh through -ldflags -X from versions.env.
var (
	kubernetesVersion = "unknown"
	kwokVersion       = "unknown"
)
