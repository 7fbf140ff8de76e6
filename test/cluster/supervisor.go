package main

// The supervisor: a detached process (its own session) that `up` starts. It
// runs etcd, kube-apiserver, kube-scheduler, kube-controller-manager, KWOK and
// the pod runner in that order, each waiting for the previous one to be
// healthy, bootstraps the cluster's objects, forwards the simulated kubelets'
// addresses to KWOK, and records what runs in DIR/state.json. It stops
// everything on SIGTERM (what `down` sends) and, because an incomplete cluster
// only produces confusing test failures, also when any component dies.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// State is what the supervisor publishes in DIR/state.json.
type State struct {
	SupervisorPID int    `json:"supervisorPid"`
	Phase         string `json:"phase"` // starting, running, stopping, stopped, failed
	Message       string `json:"message"`
	StartedAt     string `json:"startedAt"`
	UpdatedAt     string `json:"updatedAt"`
	// Components in start order.
	Components []ComponentState `json:"components"`
	// Restarts counts API server restarts done on request (restart.go);
	// RestartsDone is the sequence number of the last one.
	Restarts     int   `json:"restarts"`
	RestartsDone int64 `json:"restartsDone"`
}

type ComponentState struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
	Port int    `json:"port"`
	URL  string `json:"url"`
	Log  string `json:"log"`
}

const (
	phaseStarting = "starting"
	phaseRunning  = "running"
	phaseStopping = "stopping"
	phaseStopped  = "stopped"
	phaseFailed   = "failed"

	// componentHealthTimeout bounds how long one component may take to become
	// healthy. The API server needs the longest: about 10-20 s on 2 cores.
	componentHealthTimeout = 3 * time.Minute
	// stopGrace is how long a component gets between SIGTERM and SIGKILL.
	stopGrace = 10 * time.Second
	// ownerPollInterval: how soon a cluster notices that its owner is gone.
	ownerPollInterval = time.Second
)

type supervisor struct {
	settings Settings
	paths    Paths
	binary   string
	launcher *launcher
	// lock guards state and running, which startAll changes while run reads.
	lock    sync.Mutex
	state   State
	running []*runningComponent
	// exits receives the name of any component that ends.
	exits chan componentExit
	// stopForwarding closes the kubelet address listeners.
	stopForwarding func()
}

type runningComponent struct {
	spec    componentSpec
	command *exec.Cmd
	done    chan struct{}
	err     error
	// expectedExit marks a component stopped on purpose (an API server restart).
	expectedExit atomic.Bool
}

type componentExit struct {
	name string
	err  error
	// expected: stopped on purpose, not a failure.
	expected bool
}

func runSupervise(arguments []string) int {
	flags := flag.NewFlagSet("supervise", flag.ContinueOnError)
	directory := flags.String("dir", "", "cluster directory (written by up)")
	if err := flags.Parse(arguments); err != nil {
		return 2
	}
	settings, err := loadSettings(*directory)
	if err != nil {
		fmt.Fprintf(os.Stderr, "supervise: %v\n", err)
		return 1
	}
	binary, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "supervise: cannot find own executable: %v\n", err)
		return 1
	}
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("supervisor: ")

	instance := &supervisor{
		settings: settings,
		paths:    settings.Paths(),
		binary:   binary,
		launcher: newLauncher(),
		exits:    make(chan componentExit, 16),
		state: State{
			SupervisorPID: os.Getpid(),
			Phase:         phaseStarting,
			StartedAt:     time.Now().UTC().Format(time.RFC3339Nano),
		},
	}
	return instance.run()
}

func (instance *supervisor) publish(phase, message string) {
	instance.lock.Lock()
	defer instance.lock.Unlock()
	instance.state.Phase = phase
	instance.state.Message = message
	instance.state.UpdatedAt = time.Now().UTC().Format(time.RFC3339Nano)
	log.Printf("%s: %s", phase, message)
	if err := writeJSONFile(instance.paths.State(), instance.state); err != nil {
		log.Printf("cannot write %s: %v", instance.paths.State(), err)
	}
}

func (instance *supervisor) run() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	restarts := make(chan os.Signal, 1)
	signal.Notify(restarts, syscall.SIGUSR1)
	restartDone := make(chan error, 1)

	startErr := make(chan error, 1)
	go func() { startErr <- instance.startAll(ctx) }()

	ownerGone := make(chan struct{})
	if owner := instance.settings.Owner; owner != nil {
		go func() {
			for owner.running() {
				time.Sleep(ownerPollInterval)
			}
			close(ownerGone)
		}()
	}

	for {
		select {
		case err := <-startErr:
			if err != nil {
				instance.publish(phaseFailed, err.Error())
				instance.stopAll()
				instance.publish(phaseFailed, err.Error()+" (everything stopped)")
				return 1
			}
			instance.publish(phaseRunning, "all components healthy")
			startErr = nil
		case <-restarts:
			if startErr != nil {
				log.Printf("restart asked before the cluster was up: ignored")
				continue
			}
			go func() { restartDone <- instance.restartAPIServer(ctx) }()
		case err := <-restartDone:
			if err != nil {
				message := "restarting the API server failed: " + err.Error()
				cancel()
				instance.publish(phaseFailed, message)
				instance.stopAll()
				instance.publish(phaseFailed, message+" (everything stopped)")
				return 1
			}
		case exit := <-instance.exits:
			if exit.expected {
				continue
			}
			message := fmt.Sprintf("%s stopped unexpectedly (%s); see %s", exit.name, describeExit(exit.err), instance.paths.Log(exit.name))
			cancel()
			if startErr != nil {
				<-startErr // startAll must not add components while they stop
			}
			instance.publish(phaseFailed, message)
			instance.stopAll()
			instance.publish(phaseFailed, message+" (everything stopped)")
			return 1
		case <-ownerGone:
			cancel()
			if startErr != nil {
				<-startErr
			}
			instance.publish(phaseStopping, fmt.Sprintf("the owner process %d ended", instance.settings.Owner.PID))
			instance.stopAll()
			instance.publish(phaseStopped, "all components stopped")
			return 0
		case received := <-signals:
			cancel()
			if startErr != nil {
				<-startErr
			}
			instance.publish(phaseStopping, fmt.Sprintf("received %v", received))
			instance.stopAll()
			instance.publish(phaseStopped, "all components stopped")
			return 0
		}
	}
}

// startAll starts the components in order, each after the previous is healthy.
func (instance *supervisor) startAll(ctx context.Context) error {
	for _, spec := range componentSpecs(instance.settings, instance.binary) {
		if spec.before != nil {
			instance.publish(phaseStarting, spec.beforeMessage)
			if err := spec.before(ctx, instance); err != nil {
				return fmt.Errorf("%s: %w", spec.beforeMessage, err)
			}
		}
		instance.publish(phaseStarting, "starting "+spec.name)
		if err := instance.start(spec); err != nil {
			return err
		}
		if err := waitHealthy(ctx, spec, instance.paths); err != nil {
			return err
		}
	}
	return nil
}

func (instance *supervisor) start(spec componentSpec) error {
	logFile, err := os.OpenFile(instance.paths.Log(spec.name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close() // the child keeps its own descriptor
	command := exec.Command(spec.program, spec.arguments...)
	command.Args[0] = spec.name // shows as the component in ps
	command.Dir = instance.paths.Root()
	command.Env = spec.environment
	command.Stdout = logFile
	command.Stderr = logFile
	// SIGTERM, not SIGKILL: if the supervisor is killed, etcd and the API
	// server still get to shut down cleanly.
	if err := instance.launcher.start(command, syscall.SIGTERM); err != nil {
		return fmt.Errorf("starting %s (%s): %w", spec.name, spec.program, err)
	}
	component := &runningComponent{spec: spec, command: command, done: make(chan struct{})}
	instance.lock.Lock()
	entry := ComponentState{
		Name: spec.name,
		PID:  command.Process.Pid,
		Port: spec.port,
		URL:  spec.healthURL,
		Log:  instance.paths.Log(spec.name),
	}
	replaced := false
	// A restarted component takes its old place: in start order, listed once.
	for index, old := range instance.running {
		if old.spec.name == spec.name {
			instance.running[index] = component
			instance.state.Components[index] = entry
			replaced = true
			break
		}
	}
	if !replaced {
		instance.running = append(instance.running, component)
		instance.state.Components = append(instance.state.Components, entry)
	}
	instance.lock.Unlock()
	instance.publish(phaseStarting, fmt.Sprintf("%s started (pid %d)", spec.name, command.Process.Pid))
	go func() {
		component.err = command.Wait()
		close(component.done)
		instance.exits <- componentExit{name: spec.name, err: component.err, expected: component.expectedExit.Load()}
	}()
	return nil
}

// stopAll stops the components in reverse start order, then anything left in
// the supervisor's session (shells opened through `kubectl exec`, app
// processes), so that `down` leaves nothing behind.
func (instance *supervisor) stopAll() {
	if instance.stopForwarding != nil {
		instance.stopForwarding()
	}
	for index := len(instance.running) - 1; index >= 0; index-- {
		component := instance.running[index]
		select {
		case <-component.done:
			continue
		default:
		}
		log.Printf("stopping %s (pid %d)", component.spec.name, component.command.Process.Pid)
		_ = component.command.Process.Signal(syscall.SIGTERM)
		select {
		case <-component.done:
		case <-time.After(stopGrace):
			log.Printf("%s did not stop within %v; killing it", component.spec.name, stopGrace)
			_ = component.command.Process.Kill()
			<-component.done
		}
	}
	killSession(os.Getpid(), os.Getpid())
}

// killSession ends every process of session except `keep`: SIGTERM, a short
// grace, then SIGKILL.
func killSession(session, keep int) {
	others := func() []int {
		var pids []int
		for _, pid := range sessionMembers(session) {
			if pid != keep {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	leftovers := others()
	if len(leftovers) == 0 {
		return
	}
	log.Printf("ending %d leftover process(es) of the cluster: %v", len(leftovers), leftovers)
	for _, pid := range leftovers {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && len(others()) > 0 {
		time.Sleep(50 * time.Millisecond)
	}
	for _, pid := range others() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// waitHealthy polls the component's health check until it passes, the
// component exits or componentHealthTimeout passes.
func waitHealthy(ctx context.Context, spec componentSpec, paths Paths) error {
	deadline := time.Now().Add(componentHealthTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", spec.name, ctx.Err())
		}
		checkContext, cancel := context.WithTimeout(ctx, 5*time.Second)
		lastErr = spec.health(checkContext)
		cancel()
		if lastErr == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s was not healthy after %v (last check: %v); see %s", spec.name, componentHealthTimeout, lastErr, paths.Log(spec.name))
}

// ensureDirectories creates the folders the components write to.
func ensureDirectories(paths Paths) error {
	for _, directory := range []string{paths.Logs(), paths.Etcd(), paths.Kwok(), paths.Nodes(), paths.PodLogs(), filepath.Join(paths.PKI(), "serving")} {
		if err := os.MkdirAll(directory, 0o755); err != nil {
			return err
		}
	}
	return nil
}

var errNotReady = errors.New("not ready yet")
