package main

// Restarting the API server on request, for reliability tests: clients must
// ride out an API server that goes away and comes back, as it does on a k3s
// upgrade or a Pi that reboots. `kubedesk-cluster restart-apiserver` writes
// the request to DIR/restart.json and signals the supervisor (SIGUSR1); the
// supervisor stops the API server, waits the asked time, starts it again
// and waits until it is healthy. Any other exit of a component still stops
// the whole cluster.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

const apiServerName = "kube-apiserver"

// restartRequest is what restart-apiserver asks of the supervisor.
type restartRequest struct {
	DownForMilliseconds int64 `json:"downForMilliseconds"`
	// Sequence lets the caller see its own request done in state.json.
	Sequence int64 `json:"sequence"`
}

func (paths Paths) RestartRequest() string { return filepath.Join(paths.root, "restart.json") }

// runRestartAPIServer is the `restart-apiserver` command: it returns once the
// API server is healthy again.
func runRestartAPIServer(arguments []string) int {
	flags := flag.NewFlagSet("restart-apiserver", flag.ContinueOnError)
	directory := flags.String("dir", defaultDirectory(), "cluster directory")
	downFor := flags.Duration("down-for", 0, "how long the API server stays stopped")
	timeout := flags.Duration("timeout", 3*time.Minute, "give up after this long")
	if err := flags.Parse(arguments); err != nil {
		return 2
	}
	absolute, err := filepath.Abs(*directory)
	if err != nil {
		return fail("restart-apiserver", err)
	}
	paths := Paths{root: absolute}
	state, err := loadState(paths)
	if err != nil {
		return fail("restart-apiserver", fmt.Errorf("no cluster in %s: %w", absolute, err))
	}
	if !supervisorAlive(state) {
		return fail("restart-apiserver", errors.New("the cluster's supervisor is not running"))
	}
	request := restartRequest{DownForMilliseconds: downFor.Milliseconds(), Sequence: time.Now().UnixNano()}
	if err := writeJSONFile(paths.RestartRequest(), request); err != nil {
		return fail("restart-apiserver", err)
	}
	if err := syscall.Kill(state.SupervisorPID, syscall.SIGUSR1); err != nil {
		return fail("restart-apiserver", err)
	}
	deadline := time.Now().Add(*timeout + *downFor)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		current, err := loadState(paths)
		if err == nil && current.RestartsDone >= request.Sequence {
			if current.Phase == phaseFailed {
				return fail("restart-apiserver", errors.New(current.Message))
			}
			fmt.Fprintf(os.Stderr, "restart-apiserver: the API server is back (restart %d)\n", current.Restarts)
			return 0
		}
	}
	return fail("restart-apiserver", fmt.Errorf("the API server was not back within %v", *timeout+*downFor))
}

// restartAPIServer runs in the supervisor on SIGUSR1.
func (instance *supervisor) restartAPIServer(ctx context.Context) error {
	data, err := os.ReadFile(instance.paths.RestartRequest())
	if err != nil {
		return fmt.Errorf("reading the restart request: %w", err)
	}
	var request restartRequest
	if err := json.Unmarshal(data, &request); err != nil {
		return fmt.Errorf("reading the restart request: %w", err)
	}
	instance.lock.Lock()
	var component *runningComponent
	for _, candidate := range instance.running {
		if candidate.spec.name == apiServerName {
			component = candidate
		}
	}
	instance.lock.Unlock()
	if component == nil {
		return errors.New("the API server is not running yet")
	}
	component.expectedExit.Store(true)
	instance.publish(phaseRunning, "stopping the API server for a restart")
	_ = component.command.Process.Signal(syscall.SIGTERM)
	select {
	case <-component.done:
	case <-time.After(stopGrace):
		_ = component.command.Process.Kill()
		<-component.done
	}
	time.Sleep(time.Duration(request.DownForMilliseconds) * time.Millisecond)
	if err := instance.start(component.spec); err != nil {
		return err
	}
	if err := waitHealthy(ctx, component.spec, instance.paths); err != nil {
		return err
	}
	instance.lock.Lock()
	instance.state.Restarts++
	instance.state.RestartsDone = request.Sequence
	instance.lock.Unlock()
	instance.publish(phaseRunning, fmt.Sprintf("the API server is back (restart %d)", instance.state.Restarts))
	return nil
}
