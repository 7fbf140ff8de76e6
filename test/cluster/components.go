package main

// The Kubernetes components this binary can become. Each one is the real
// upstream command (the same cobra command the official binaries run), so the
// cluster behaves like a real one: real admission, real RBAC, real scheduling.

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // CronJob time zones, as in the upstream kube-apiserver main.

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format, as upstream.
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as upstream.
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric, as upstream.
	kubectlcommand "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"

	_ "k8s.io/client-go/plugin/pkg/client/auth" // kubectl's auth plugins, as upstream.
)

func runAPIServer() int { return cli.Run(apiserver.NewAPIServerCommand()) }

func runScheduler() int { return cli.Run(scheduler.NewSchedulerCommand()) }

func runControllerManager() int {
	return cli.Run(controllermanager.NewControllerManagerCommand())
}

// runKubectl mirrors k8s.io/kubernetes/cmd/kubectl/kubectl.go.
func runKubectl() int {
	// Verbosity must be known before the command is built (it reads .kuberc).
	logs.GlogSetter(kubectlcommand.GetLogVerbosity(os.Args)) //nolint:errcheck
	command := kubectlcommand.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		kubectlutil.CheckErr(err) // prints and exits non-zero
	}
	return 0
}

// runEtcd runs a single-member etcd through go.etcd.io/etcd/server/v3/embed,
// at the version the Kubernetes module graph selects (Debian's etcd 3.4 is too
// old for Kubernetes 1.36). Only the flags this cluster needs exist.
func runEtcd(arguments []string) int {
	flags := flag.NewFlagSet("etcd", flag.ContinueOnError)
	dataDirectory := flags.String("data-dir", "", "directory for etcd's data (required)")
	clientPort := flags.Int("client-port", 2379, "port for clients on 127.0.0.1")
	peerPort := flags.Int("peer-port", 2380, "port for peers on 127.0.0.1 (this member only)")
	if err := flags.Parse(arguments); err != nil {
		return 2
	}
	if *dataDirectory == "" {
		fmt.Fprintln(os.Stderr, "etcd: --data-dir is required")
		return 2
	}

	config := embed.NewConfig()
	config.Name = "kubedesk"
	config.Dir = *dataDirectory
	clientURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", *clientPort)}
	peerURL := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", *peerPort)}
	config.ListenClientUrls = []url.URL{clientURL}
	config.AdvertiseClientUrls = []url.URL{clientURL}
	config.ListenPeerUrls = []url.URL{peerURL}
	config.AdvertisePeerUrls = []url.URL{peerURL}
	config.InitialCluster = config.InitialClusterFromName(config.Name)
	config.LogOutputs = []string{"stderr"}
	// Throwaway test data: skipping fsync makes start-up and the 1,000-node
	// benchmark several times faster on slow disks, and losing it on a crash
	// costs nothing because `up` starts from a fresh directory.
	config.UnsafeNoFsync = true
	// Keep the store small over long test runs.
	config.AutoCompactionMode = "periodic"
	config.AutoCompactionRetention = "5m"

	server, err := embed.StartEtcd(config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcd: could not start: %v\n", err)
		return 1
	}
	defer server.Close()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-server.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "etcd: ready on %s\n", clientURL.String())
	case sig := <-signals:
		fmt.Fprintf(os.Stderr, "etcd: stopping on %v before ready\n", sig)
		return 0
	}
	select {
	case err := <-server.Err():
		fmt.Fprintf(os.Stderr, "etcd: %v\n", err)
		return 1
	case sig := <-signals:
		fmt.Fprintf(os.Stderr, "etcd: stopping on %v\n", sig)
		return 0
	}
}
