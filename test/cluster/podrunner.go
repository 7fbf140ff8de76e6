package main

// The local pod runner: TEST INFRASTRUCTURE for Kubedesk's local cluster, not
// part of the product. KWOK simulates the Raspberry Pis' kubelets but runs no
// containers; this controller makes the simulated nodes useful for Kubedesk's
// tests and demo:
//
//   - For every pod on a simulated node it creates KWOK Exec and Logs objects
//     (owned by the pod, so the garbage collector removes them), which make
//     `kubectl exec` run a real local process in the node's directory
//     (DIR/nodes/<node>) with the node's identity in its environment, and
//     `kubectl logs` read the pod's log file.
//   - For app pods (label app.kubernetes.io/managed-by=kubedesk) it runs the
//     first container's command and args as a local process once KWOK has
//     given the pod its loopback IP: environment resolved as the kubelet does,
//     in the node's directory, in its own process group. It stops the group
//     (SIGTERM, then SIGKILL) when the pod goes away, and when the process ends
//     by itself it records the end in the pod's status (Succeeded or Failed,
//     with the exit code), as a kubelet would.
//
// There are no images, no isolation and no resource limits: an app process is
// an ordinary process of this machine. It must bind the pod's IP itself (for
// example with an argument `--bind=$(POD_IP)` and POD_IP from the downward
// API); nothing stops it from binding elsewhere.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
	podresource "k8s.io/kubernetes/pkg/api/v1/resource"
	podshelper "k8s.io/kubernetes/pkg/apis/core/pods"
	"k8s.io/kubernetes/pkg/fieldpath"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

const (
	managedByLabel = "app.kubernetes.io/managed-by"
	managedByValue = "kubedesk"
	// appStopGraceLimit caps a pod's terminationGracePeriodSeconds: tests
	// should not wait 30 s for a process that ignores SIGTERM.
	appStopGraceLimit = 10 * time.Second
	podRunnerWorkers  = 4
)

var (
	execResource = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "execs"}
	logsResource = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "logs"}
)

type podRunner struct {
	settings Settings
	paths    Paths
	clients  kubernetes.Interface
	dynamic  dynamic.Interface
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	queue    workqueue.TypedRateLimitingInterface[string]
	launcher *launcher

	lock sync.Mutex
	// processes by pod key (namespace/name); an entry stays after its process
	// ended, so the pod's process is never started twice.
	processes map[string]*appProcess
	// prepared: the UID of the pod at each key whose Exec and Logs objects
	// exist.
	prepared map[string]types.UID
}

type appProcess struct {
	uid      types.UID
	command  *exec.Cmd
	started  time.Time
	done     chan struct{}
	stopping atomic.Bool
}

func runPodRunner(arguments []string) int {
	flags := flag.NewFlagSet("podrunner", flag.ContinueOnError)
	directory := flags.String("dir", defaultDirectory(), "cluster directory")
	if err := flags.Parse(arguments); err != nil {
		return 2
	}
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("podrunner: ")
	settings, err := loadSettings(*directory)
	if err != nil {
		log.Print(err)
		return 1
	}
	paths := settings.Paths()
	config, err := clientConfig(paths.ComponentKubeconfig("podrunner"))
	if err != nil {
		log.Print(err)
		return 1
	}
	clients, err := kubernetes.NewForConfig(config)
	if err != nil {
		log.Print(err)
		return 1
	}
	dynamicClient, err := dynamic.NewForConfig(config)
	if err != nil {
		log.Print(err)
		return 1
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory := informers.NewSharedInformerFactory(clients, 0)
	podInformer := factory.Core().V1().Pods()
	nodeInformer := factory.Core().V1().Nodes()
	runner := &podRunner{
		settings:  settings,
		paths:     paths,
		clients:   clients,
		dynamic:   dynamicClient,
		pods:      podInformer.Lister(),
		nodes:     nodeInformer.Lister(),
		queue:     workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		launcher:  newLauncher(),
		processes: map[string]*appProcess{},
		prepared:  map[string]types.UID{},
	}
	enqueue := func(object any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(object); err == nil {
			runner.queue.Add(key)
		}
	}
	_, _ = podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, object any) { enqueue(object) },
		DeleteFunc: enqueue,
	})
	factory.Start(ctx.Done())

	// The supervisor waits for /healthz before it reports the cluster
	// running, so the runner never misses a pod created right after `up`.
	var synced atomic.Bool
	server := &http.Server{
		Addr:              net.JoinHostPort(loopbackHost, strconv.Itoa(settings.Ports().PodRunner)),
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(response http.ResponseWriter, request *http.Request) {
			if !synced.Load() {
				http.Error(response, "caches not synced", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(response, "ok")
		}),
	}
	go func() {
		if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Printf("health server: %v", err)
			os.Exit(1)
		}
	}()

	for kind, informer := range map[string]cache.SharedIndexInformer{"pods": podInformer.Informer(), "nodes": nodeInformer.Informer()} {
		if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
			log.Printf("the %s cache did not sync", kind)
			return 1
		}
	}
	for worker := 0; worker < podRunnerWorkers; worker++ {
		go runner.work(ctx)
	}
	synced.Store(true)
	log.Printf("running (kubeconfig %s)", paths.ComponentKubeconfig("podrunner"))

	signals := make(chan os.Signal, 1)
	signalNotify(signals)
	received := <-signals
	log.Printf("received %v: stopping every app process", received)
	runner.queue.ShutDown()
	cancel()
	_ = server.Close()
	runner.stopAll()
	return 0
}

func (runner *podRunner) work(ctx context.Context) {
	for {
		key, shutdown := runner.queue.Get()
		if shutdown {
			return
		}
		if err := runner.reconcile(ctx, key); err != nil {
			log.Printf("%s: %v (will retry)", key, err)
			runner.queue.AddRateLimited(key)
		} else {
			runner.queue.Forget(key)
		}
		runner.queue.Done(key)
	}
}

func (runner *podRunner) reconcile(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := runner.pods.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		runner.stopProcess(key, "")
		runner.lock.Lock()
		delete(runner.prepared, key)
		runner.lock.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	if pod.DeletionTimestamp != nil {
		runner.stopProcess(key, pod.UID)
		return nil
	}
	runner.lock.Lock()
	existing := runner.processes[key]
	runner.lock.Unlock()
	if existing != nil && existing.uid != pod.UID {
		// A new pod with the same name: the old one's process must go.
		runner.stopProcess(key, "")
	}
	if pod.Spec.NodeName == "" {
		return nil
	}
	node, err := runner.nodes.Get(pod.Spec.NodeName)
	if err != nil || node.Annotations[kwokNodeAnnotation] != kwokNodeValue {
		return nil // not a simulated node (or not known yet: the pod will update)
	}
	if err := runner.prepareExecAndLogs(ctx, pod); err != nil {
		return err
	}
	if pod.Labels[managedByLabel] != managedByValue {
		return nil
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return nil
	}
	if pod.Status.PodIP == "" {
		return nil // KWOK has not made it Running yet; its update requeues it
	}
	runner.lock.Lock()
	_, started := runner.processes[key]
	runner.lock.Unlock()
	if started {
		return nil
	}
	return runner.startProcess(ctx, key, pod, node)
}

// containerLogPath is where a container's output goes; KWOK's Logs object
// points `kubectl logs` at it.
func (runner *podRunner) containerLogPath(pod *corev1.Pod, container string) string {
	return filepath.Join(runner.paths.PodLogs(), fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID), container+".log")
}

// execEnvironment is what a `kubectl exec` shell gets on top of KWOK's own
// (minimal) environment: the node's identity. Exec on a simulated node
// stands for a shell on that Pi, as the node agent's node shell would be.
func (runner *podRunner) execEnvironment(pod *corev1.Pod) []any {
	node := pod.Spec.NodeName
	directory := runner.paths.Node(node)
	variables := [][2]string{
		{"KUBEDESK_NODE", node},
		{"KUBEDESK_NODE_DIRECTORY", directory},
		{"KUBEDESK_POD", pod.Namespace + "/" + pod.Name},
		{"HOSTNAME", node},
		{"HOME", directory},
		{"TERM", "xterm-256color"},
		// Without the shims' directory, so a nested shell does not take the
		// terminal from the first one (see writeShellShims).
		{"PATH", standardPath},
	}
	result := make([]any, 0, len(variables))
	for _, variable := range variables {
		result = append(result, map[string]any{"name": variable[0], "value": variable[1]})
	}
	return result
}

// prepareExecAndLogs creates (or corrects) the pod's KWOK Exec and Logs
// objects. They are named like the pod, which is how KWOK finds them.
func (runner *podRunner) prepareExecAndLogs(ctx context.Context, pod *corev1.Pod) error {
	key := pod.Namespace + "/" + pod.Name
	runner.lock.Lock()
	done := runner.prepared[key] == pod.UID
	runner.lock.Unlock()
	if done {
		return nil
	}
	owner := []any{map[string]any{
		"apiVersion": "v1", "kind": "Pod", "name": pod.Name, "uid": string(pod.UID),
	}}
	metadata := map[string]any{"name": pod.Name, "namespace": pod.Namespace, "ownerReferences": owner}

	execObject := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Exec", "metadata": metadata,
		"spec": map[string]any{"execs": []any{map[string]any{"local": map[string]any{
			"workDir": runner.paths.Node(pod.Spec.NodeName),
			"envs":    runner.execEnvironment(pod),
		}}}},
	}}
	var logs []any
	for _, container := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		path := runner.containerLogPath(pod, container.Name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		// An empty file makes `kubectl logs` answer "" rather than fail for
		// pods whose containers run nothing here.
		file, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		file.Close()
		logs = append(logs, map[string]any{"containers": []any{container.Name}, "logsFile": path, "follow": true})
	}
	logsObject := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Logs", "metadata": metadata,
		"spec": map[string]any{"logs": logs},
	}}
	for resource, object := range map[schema.GroupVersionResource]*unstructured.Unstructured{execResource: execObject, logsResource: logsObject} {
		if err := createOrReplace(ctx, runner.dynamic.Resource(resource).Namespace(pod.Namespace), object.DeepCopy()); err != nil {
			return fmt.Errorf("creating the KWOK %s object: %w", object.GetKind(), err)
		}
	}
	runner.lock.Lock()
	runner.prepared[key] = pod.UID
	runner.lock.Unlock()
	return nil
}

// createOrReplace creates object, or replaces one left by an earlier pod of
// the same name that the garbage collector has not removed yet.
func createOrReplace(ctx context.Context, client dynamic.ResourceInterface, object *unstructured.Unstructured) error {
	_, err := client.Create(ctx, object, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current, err := client.Get(ctx, object.GetName(), metav1.GetOptions{})
		if err != nil {
			return err
		}
		object.SetResourceVersion(current.GetResourceVersion())
		_, err = client.Update(ctx, object, metav1.UpdateOptions{})
		return err
	})
}

// startProcess runs the pod's first container as a local process.
func (runner *podRunner) startProcess(ctx context.Context, key string, pod *corev1.Pod, node *corev1.Node) error {
	container := &pod.Spec.Containers[0]
	if len(container.Command) == 0 {
		// Without an image there is no entrypoint to fall back to.
		return runner.recordEnd(ctx, pod, nil, -1, "NoCommand",
			fmt.Sprintf("container %q has no command; the local pod runner runs command+args, it cannot run images", container.Name))
	}
	environment, err := runner.containerEnvironment(ctx, pod, container, node)
	if err != nil {
		// Like the kubelet's CreateContainerConfigError: retried until the
		// missing ConfigMap or Secret appears.
		log.Printf("%s: environment: %v", key, err)
		return err
	}
	mapping := expansion.MappingFuncFor(environmentMap(environment))
	var argv []string
	for _, word := range append(append([]string{}, container.Command...), container.Args...) {
		argv = append(argv, expansion.Expand(word, mapping))
	}

	logPath := runner.containerLogPath(pod, container.Name)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	logWriter := &containerLogWriter{file: logFile}
	stdout, err := logWriter.stream("stdout")
	if err != nil {
		logFile.Close()
		return err
	}
	stderr, err := logWriter.stream("stderr")
	if err != nil {
		stdout.Close()
		logFile.Close()
		return err
	}
	directory := runner.paths.Node(pod.Spec.NodeName)
	if err := os.MkdirAll(directory, 0o755); err != nil {
		return err
	}

	command := exec.Command(argv[0], argv[1:]...)
	command.Dir = directory
	command.Env = environment
	command.Stdout = stdout
	command.Stderr = stderr
	// Its own process group, so stopping the pod stops everything the app
	// started; the parent-death signal stops it if the runner dies.
	command.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = runner.launcher.start(command, syscall.SIGTERM)
	// The child has its own copies of the pipes' write ends; once it and
	// everything it started have closed them, the log writer finishes.
	stdout.Close()
	stderr.Close()
	go logWriter.closeWhenDone()
	if err != nil {
		return runner.recordEnd(ctx, pod, nil, 127, "StartError", fmt.Sprintf("cannot start %q: %v", argv[0], err))
	}
	process := &appProcess{uid: pod.UID, command: command, started: time.Now(), done: make(chan struct{})}
	runner.lock.Lock()
	runner.processes[key] = process
	runner.lock.Unlock()
	log.Printf("%s: started pid %d on %s (pod IP %s): %s", key, command.Process.Pid, pod.Spec.NodeName, pod.Status.PodIP, strings.Join(argv, " "))

	go func() {
		err := command.Wait()
		close(process.done)
		exitCode := command.ProcessState.ExitCode()
		if status, ok := command.ProcessState.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			exitCode = 128 + int(status.Signal()) // as container runtimes report it
		}
		log.Printf("%s: pid %d ended (%s)", key, command.Process.Pid, describeExit(err))
		// Reap whatever the app left in its group.
		_ = syscall.Kill(-command.Process.Pid, syscall.SIGKILL)
		if process.stopping.Load() {
			return // stopped because the pod went away: nothing to record
		}
		reason := "Completed"
		if exitCode != 0 {
			reason = "Error"
		}
		recordContext, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := runner.recordEnd(recordContext, pod, process, exitCode, reason, ""); err != nil {
			log.Printf("%s: recording the end in the pod status: %v", key, err)
		}
	}()
	return nil
}

// recordEnd writes the end of the pod's process into its status: phase
// Succeeded (exit 0) or Failed, and a terminated state for the container.
// KWOK's stages leave terminal phases alone (pod-ready only acts on Pending
// pods, pod-complete only on Running ones).
func (runner *podRunner) recordEnd(ctx context.Context, original *corev1.Pod, process *appProcess, exitCode int, reason, message string) error {
	if process == nil {
		// Never started: remember that, so it is not tried again.
		runner.lock.Lock()
		done := make(chan struct{})
		close(done)
		runner.processes[original.Namespace+"/"+original.Name] = &appProcess{uid: original.UID, done: done}
		runner.lock.Unlock()
		log.Printf("%s/%s: %s", original.Namespace, original.Name, message)
	}
	started := metav1.Now()
	if process != nil {
		started = metav1.NewTime(process.started)
	}
	finished := metav1.Now()
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := runner.clients.CoreV1().Pods(original.Namespace).Get(ctx, original.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if pod.UID != original.UID || pod.DeletionTimestamp != nil {
			return nil
		}
		phase := corev1.PodSucceeded
		if exitCode != 0 {
			phase = corev1.PodFailed
		}
		pod.Status.Phase = phase
		pod.Status.Message = message
		for index := range pod.Status.Conditions {
			switch pod.Status.Conditions[index].Type {
			case corev1.PodReady, corev1.ContainersReady:
				pod.Status.Conditions[index].Status = corev1.ConditionFalse
				pod.Status.Conditions[index].Reason = "PodCompleted"
				pod.Status.Conditions[index].LastTransitionTime = finished
			}
		}
		name := pod.Spec.Containers[0].Name
		terminated := corev1.ContainerStatus{
			Name:  name,
			Image: pod.Spec.Containers[0].Image,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode:   int32(exitCode),
				Reason:     reason,
				Message:    message,
				StartedAt:  started,
				FinishedAt: finished,
			}},
		}
		found := false
		for index := range pod.Status.ContainerStatuses {
			if pod.Status.ContainerStatuses[index].Name == name {
				terminated.ImageID = pod.Status.ContainerStatuses[index].ImageID
				terminated.ContainerID = pod.Status.ContainerStatuses[index].ContainerID
				pod.Status.ContainerStatuses[index] = terminated
				found = true
			}
		}
		if !found {
			pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, terminated)
		}
		_, err = runner.clients.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		return err
	})
}

// stopProcess stops the process group of the pod at key (when its UID is uid,
// or whatever runs there when uid is empty) and forgets it.
func (runner *podRunner) stopProcess(key string, uid types.UID) {
	runner.lock.Lock()
	process := runner.processes[key]
	if process == nil || (uid != "" && process.uid != uid) {
		runner.lock.Unlock()
		return
	}
	delete(runner.processes, key)
	runner.lock.Unlock()
	if process.command == nil {
		return
	}
	select {
	case <-process.done:
		return
	default:
	}
	process.stopping.Store(true)
	grace := appStopGraceLimit
	if pod, err := runner.pods.Pods(strings.SplitN(key, "/", 2)[0]).Get(strings.SplitN(key, "/", 2)[1]); err == nil && pod.Spec.TerminationGracePeriodSeconds != nil {
		if seconds := time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second; seconds < grace {
			grace = seconds
		}
	}
	log.Printf("%s: pod gone; stopping process group %d", key, process.command.Process.Pid)
	go terminateGroup(process.command.Process.Pid, grace, func() bool {
		select {
		case <-process.done:
			return true
		default:
			return false
		}
	})
}

func (runner *podRunner) stopAll() {
	runner.lock.Lock()
	var keys []string
	for key := range runner.processes {
		keys = append(keys, key)
	}
	runner.lock.Unlock()
	var group sync.WaitGroup
	for _, key := range keys {
		runner.lock.Lock()
		process := runner.processes[key]
		delete(runner.processes, key)
		runner.lock.Unlock()
		if process == nil || process.command == nil {
			continue
		}
		process.stopping.Store(true)
		group.Add(1)
		go func() {
			defer group.Done()
			terminateGroup(process.command.Process.Pid, 5*time.Second, func() bool {
				select {
				case <-process.done:
					return true
				default:
					return false
				}
			})
		}()
	}
	group.Wait()
}

// containerEnvironment resolves the container's environment the way the
// kubelet's makeEnvironmentVariables does (envFrom, then env in order with
// $(VAR) expansion over the variables before it; fieldRef, resourceFieldRef,
// configMapKeyRef, secretKeyRef), on top of a minimal base environment.
func (runner *podRunner) containerEnvironment(ctx context.Context, pod *corev1.Pod, container *corev1.Container, node *corev1.Node) ([]string, error) {
	nodeDirectory := runner.paths.Node(pod.Spec.NodeName)
	hostname := pod.Name
	if pod.Spec.Hostname != "" {
		hostname = pod.Spec.Hostname
	}
	if pod.Spec.HostNetwork {
		hostname = pod.Spec.NodeName
	}
	// What the container runtime and the kubelet's service links would add.
	// The `kubernetes` Service has no route here (no kube-proxy), so in-cluster
	// clients are pointed at the API server's loopback address directly.
	apiPort := strconv.Itoa(runner.settings.Ports().APIServer)
	serviceEnvironment := map[string]string{
		"PATH":                          standardPath,
		"LANG":                          "C.UTF-8",
		"HOME":                          nodeDirectory,
		"HOSTNAME":                      hostname,
		"KUBERNETES_SERVICE_HOST":       loopbackHost,
		"KUBERNETES_SERVICE_PORT":       apiPort,
		"KUBERNETES_SERVICE_PORT_HTTPS": apiPort,
		"KUBERNETES_PORT":               "tcp://" + loopbackHost + ":" + apiPort,
		"KUBEDESK_NODE":                 pod.Spec.NodeName,
		"KUBEDESK_NODE_DIRECTORY":       nodeDirectory,
		"KUBEDESK_POD_IP":               pod.Status.PodIP,
	}

	configMaps := map[string]*corev1.ConfigMap{}
	secrets := map[string]*corev1.Secret{}
	getConfigMap := func(name string) (*corev1.ConfigMap, error) {
		if configMap, ok := configMaps[name]; ok {
			return configMap, nil
		}
		configMap, err := runner.clients.CoreV1().ConfigMaps(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			configMaps[name] = configMap
		}
		return configMap, err
	}
	getSecret := func(name string) (*corev1.Secret, error) {
		if secret, ok := secrets[name]; ok {
			return secret, nil
		}
		secret, err := runner.clients.CoreV1().Secrets(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			secrets[name] = secret
		}
		return secret, err
	}
	optional := func(value *bool) bool { return value != nil && *value }

	variables := map[string]string{}
	for _, source := range container.EnvFrom {
		switch {
		case source.ConfigMapRef != nil:
			configMap, err := getConfigMap(source.ConfigMapRef.Name)
			if apierrors.IsNotFound(err) && optional(source.ConfigMapRef.Optional) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("envFrom ConfigMap %s/%s: %w", pod.Namespace, source.ConfigMapRef.Name, err)
			}
			for key, value := range configMap.Data {
				variables[source.Prefix+key] = value
			}
		case source.SecretRef != nil:
			secret, err := getSecret(source.SecretRef.Name)
			if apierrors.IsNotFound(err) && optional(source.SecretRef.Optional) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("envFrom Secret %s/%s: %w", pod.Namespace, source.SecretRef.Name, err)
			}
			for key, value := range secret.Data {
				variables[source.Prefix+key] = string(value)
			}
		}
	}

	mapping := expansion.MappingFuncFor(variables, serviceEnvironment)
	for _, variable := range container.Env {
		value := variable.Value
		switch {
		case value != "":
			value = expansion.Expand(value, mapping)
		case variable.ValueFrom == nil:
		case variable.ValueFrom.FieldRef != nil:
			resolved, err := podFieldValue(variable.ValueFrom.FieldRef, pod)
			if err != nil {
				return nil, fmt.Errorf("env %s: %w", variable.Name, err)
			}
			value = resolved
		case variable.ValueFrom.ResourceFieldRef != nil:
			resolved, err := podresource.ExtractResourceValueByContainerNameAndNodeAllocatable(variable.ValueFrom.ResourceFieldRef, pod, container.Name, node.Status.Allocatable)
			if err != nil {
				return nil, fmt.Errorf("env %s: %w", variable.Name, err)
			}
			value = resolved
		case variable.ValueFrom.ConfigMapKeyRef != nil:
			reference := variable.ValueFrom.ConfigMapKeyRef
			configMap, err := getConfigMap(reference.Name)
			if apierrors.IsNotFound(err) && optional(reference.Optional) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("env %s: ConfigMap %s/%s: %w", variable.Name, pod.Namespace, reference.Name, err)
			}
			found, ok := configMap.Data[reference.Key]
			if !ok {
				if optional(reference.Optional) {
					continue
				}
				return nil, fmt.Errorf("env %s: no key %q in ConfigMap %s/%s", variable.Name, reference.Key, pod.Namespace, reference.Name)
			}
			value = found
		case variable.ValueFrom.SecretKeyRef != nil:
			reference := variable.ValueFrom.SecretKeyRef
			secret, err := getSecret(reference.Name)
			if apierrors.IsNotFound(err) && optional(reference.Optional) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("env %s: Secret %s/%s: %w", variable.Name, pod.Namespace, reference.Name, err)
			}
			found, ok := secret.Data[reference.Key]
			if !ok {
				if optional(reference.Optional) {
					continue
				}
				return nil, fmt.Errorf("env %s: no key %q in Secret %s/%s", variable.Name, reference.Key, pod.Namespace, reference.Name)
			}
			value = string(found)
		default:
			return nil, fmt.Errorf("env %s: this kind of valueFrom is not supported by the local pod runner", variable.Name)
		}
		variables[variable.Name] = value
	}

	for name, value := range serviceEnvironment {
		if _, present := variables[name]; !present {
			variables[name] = value
		}
	}
	names := make([]string, 0, len(variables))
	for name := range variables {
		names = append(names, name)
	}
	sort.Strings(names)
	environment := make([]string, 0, len(names))
	for _, name := range names {
		environment = append(environment, name+"="+variables[name])
	}
	return environment, nil
}

// podFieldValue mirrors the kubelet's podFieldSelectorRuntimeValue.
func podFieldValue(selector *corev1.ObjectFieldSelector, pod *corev1.Pod) (string, error) {
	path, _, err := podshelper.ConvertDownwardAPIFieldLabel(selector.APIVersion, selector.FieldPath, "")
	if err != nil {
		return "", err
	}
	switch path {
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP":
		return pod.Status.HostIP, nil
	case "status.hostIPs":
		var addresses []string
		for _, address := range pod.Status.HostIPs {
			addresses = append(addresses, address.IP)
		}
		return strings.Join(addresses, ","), nil
	case "status.podIP":
		return pod.Status.PodIP, nil
	case "status.podIPs":
		var addresses []string
		for _, address := range pod.Status.PodIPs {
			addresses = append(addresses, address.IP)
		}
		return strings.Join(addresses, ","), nil
	}
	return fieldpath.ExtractFieldPathAsString(pod, path)
}

func environmentMap(environment []string) map[string]string {
	result := make(map[string]string, len(environment))
	for _, entry := range environment {
		if name, value, ok := strings.Cut(entry, "="); ok {
			result[name] = value
		}
	}
	return result
}

// containerLogWriter writes a container's stdout and stderr into one file in
// the CRI log format ("<RFC 3339 time> <stream> <F|P> <text>"), the format
// kubelets keep and KWOK's Logs reader parses for `kubectl logs`.
type containerLogWriter struct {
	file    *os.File
	lock    sync.Mutex
	streams sync.WaitGroup
}

// criLineLimit splits very long lines into partial ("P") records, as
// container runtimes do (16 KiB).
const criLineLimit = 16 * 1024

// stream returns the write end of a pipe whose lines are logged as name.
func (writer *containerLogWriter) stream(name string) (*os.File, error) {
	reader, pipeWriter, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	writer.streams.Add(1)
	go func() {
		defer writer.streams.Done()
		defer reader.Close()
		buffered := bufio.NewReaderSize(reader, criLineLimit)
		for {
			line, err := buffered.ReadSlice('\n')
			if len(line) > 0 {
				tag := "P"
				if line[len(line)-1] == '\n' {
					tag = "F"
					line = line[:len(line)-1]
				}
				writer.write(name, tag, line)
			}
			if err != nil && err != bufio.ErrBufferFull {
				return
			}
		}
	}()
	return pipeWriter, nil
}

func (writer *containerLogWriter) write(stream, tag string, text []byte) {
	writer.lock.Lock()
	defer writer.lock.Unlock()
	record := make([]byte, 0, len(text)+64)
	record = time.Now().UTC().AppendFormat(record, time.RFC3339Nano)
	record = append(record, ' ')
	record = append(record, stream...)
	record = append(record, ' ')
	record = append(record, tag...)
	record = append(record, ' ')
	record = append(record, text...)
	record = append(record, '\n')
	_, _ = writer.file.Write(record)
}

func (writer *containerLogWriter) closeWhenDone() {
	writer.streams.Wait()
	writer.file.Close()
}
