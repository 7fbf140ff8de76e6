package main

// Starting and stopping child processes so that none outlives its parent.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// launcher starts every child from one goroutine locked to its OS thread.
//
// Why: Linux sends the parent-death signal (SysProcAttr.Pdeathsig) when the
// *thread* that forked the child exits, not the process. Go may run a fork on
// any thread, and a thread that a locked goroutine leaves is destroyed, which
// would kill children at random. This thread is locked and never released, so
// it lives exactly as long as the process.
type launcher struct {
	requests chan launchRequest
}

type launchRequest struct {
	command *exec.Cmd
	result  chan error
}

func newLauncher() *launcher {
	launcher := &launcher{requests: make(chan launchRequest)}
	go func() {
		runtime.LockOSThread()
		// Never unlocked: see the type's comment.
		for request := range launcher.requests {
			request.result <- request.command.Start()
		}
	}()
	return launcher
}

// start starts command with a parent-death signal, so the child is told to
// stop when this process dies, however it dies.
func (launcher *launcher) start(command *exec.Cmd, deathSignal syscall.Signal) error {
	if command.SysProcAttr == nil {
		command.SysProcAttr = &syscall.SysProcAttr{}
	}
	command.SysProcAttr.Pdeathsig = deathSignal
	result := make(chan error, 1)
	launcher.requests <- launchRequest{command: command, result: result}
	return <-result
}

// processAlive reports whether pid runs (and is not a zombie).
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := statFields(string(stat))
	return len(fields) > 0 && fields[0] != "Z"
}

// statFields returns /proc/PID/stat's fields after the command name, which may
// itself hold spaces and parentheses: fields[0] is the state, fields[3] the
// session id.
func statFields(stat string) []string {
	end := strings.LastIndexByte(stat, ')')
	if end < 0 {
		return nil
	}
	return strings.Fields(stat[end+1:])
}

// processCommandLine is /proc/PID/cmdline with NULs as spaces ("" if gone).
func processCommandLine(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(data), "\x00", " "))
}

// sessionMembers lists the live processes whose session id is session. The
// supervisor starts a new session, so this finds everything a cluster started,
// grandchildren included (shells that `kubectl exec` opened through KWOK, app
// processes of the pod runner), unless one of them left it with setsid(2).
func sessionMembers(session int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var members []int
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + entry.Name() + "/stat")
		if err != nil {
			continue
		}
		fields := statFields(string(stat))
		if len(fields) < 4 || fields[0] == "Z" {
			continue
		}
		if sid, err := strconv.Atoi(fields[3]); err == nil && sid == session {
			members = append(members, pid)
		}
	}
	return members
}

// terminateGroup sends SIGTERM to a process group, waits up to grace for it
// to go, then sends SIGKILL. exited reports when the group leader is gone.
func terminateGroup(groupID int, grace time.Duration, exited func() bool) {
	_ = syscall.Kill(-groupID, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if exited() {
			// The leader is gone; make sure nothing it started stays.
			_ = syscall.Kill(-groupID, syscall.SIGKILL)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(-groupID, syscall.SIGKILL)
}

func describeExit(err error) string {
	var exitError *exec.ExitError
	if errors.As(err, &exitError) {
		if status, ok := exitError.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			return fmt.Sprintf("killed by signal %v", status.Signal())
		}
		return fmt.Sprintf("exit code %d", exitError.ExitCode())
	}
	if err == nil {
		return "exit code 0"
	}
	return err.Error()
}

// signalNotify subscribes to the signals that mean "stop": SIGTERM from the
// supervisor or `down`, SIGINT from a terminal, SIGHUP when one closes.
func signalNotify(signals chan os.Signal) {
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
}

// identify returns pid's identity, or an error when it does not run.
func identify(pid int) (*processIdentity, error) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil, fmt.Errorf("process %d does not run", pid)
	}
	fields := statFields(string(stat))
	// Field 22 of /proc/PID/stat, the start time, is fields[19] here.
	if len(fields) < 20 {
		return nil, fmt.Errorf("cannot read the start time of process %d", pid)
	}
	return &processIdentity{PID: pid, StartTime: fields[19]}, nil
}

// running reports whether the identified process still runs.
func (identity processIdentity) running() bool {
	current, err := identify(identity.PID)
	return err == nil && current.StartTime == identity.StartTime && processAlive(identity.PID)
}
