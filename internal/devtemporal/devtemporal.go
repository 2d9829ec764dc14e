// Package devtemporal runs the real Temporal dev server (the pinned CLI in
// ./bin) for `make dev`: SQLite on disk in WAL mode, the product's search
// attributes registered, the Web UI on its port.
package devtemporal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/odoo-afterpay/bridge/workflows"
)

// Options say where the server keeps its data and listens.
type Options struct {
	Binary   string // path to the temporal CLI
	DBFile   string // SQLite file; reused across runs
	LogFile  string // server output
	IP       string // listen address, default 127.0.0.1
	Port     int    // frontend gRPC, default 7233
	UIPort   int    // Web UI, default 8233
	HTTPPort int    // HTTP API, default Port+10
	// UICodecEndpoint is the codec server the Web UI decrypts payloads
	// with (--ui-codec-endpoint); empty: none.
	UICodecEndpoint string
	// Headless serves no Web UI (benchmarks).
	Headless bool
	// QueuePollRPS caps how often the server's history queues read new
	// tasks (see QueueArgs); 0 is FastQueuePollRPS, -1 the server's own
	// default of 20.
	QueuePollRPS int
}

// FastQueuePollRPS is how often a second the dev server's history queues
// may read new tasks, for make dev, the tests and the benchmark. At the
// server's default, 20 (a burst of 20, then one read every 50 ms), every
// step of a workflow (a workflow or activity task handed to a worker, a
// timer fired) waits for the next read once more than 20 tasks a second
// are written, which one payment alone does: local latencies then measure
// that grid rather than the product. The queues read only after tasks were
// written, so an idle server uses no more CPU.
const FastQueuePollRPS = 1000

// QueueArgs are the dev server's flags that raise its history queues'
// read rate (transfer: workflow and activity tasks; timer; visibility:
// search attributes) to rps a second. The keys are Temporal server 1.29's
// dynamic config (common/dynamicconfig/constants.go).
func QueueArgs(rps int) []string {
	var args []string
	for _, key := range []string{"history.transferProcessorMaxPollRPS", "history.timerProcessorMaxPollRPS", "history.visibilityProcessorMaxPollRPS"} {
		args = append(args, "--dynamic-config-value", fmt.Sprintf("%s=%d", key, rps))
	}
	return args
}

// Server is a running dev server.
type Server struct {
	cmd     *exec.Cmd
	done    chan error
	pidFile string
	Addr    string
}

// stopLeftover stops a dev server an earlier run started on the same
// database and did not stop (its runner was killed): otherwise it keeps the
// ports and the database, and the next run cannot start.
func stopLeftover(pidFile string) error {
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return os.Remove(pidFile)
	}
	// Only a process that is still that server: pids are reused.
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err == nil && strings.Contains(string(cmdline), "start-dev") && strings.Contains(string(cmdline), filepath.Base(strings.TrimSuffix(pidFile, ".pid"))) {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		for i := 0; i < 60 && syscall.Kill(pid, 0) == nil; i++ {
			time.Sleep(250 * time.Millisecond)
		}
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	return os.Remove(pidFile)
}

// Args builds the command line; exported so the README and tests agree.
func Args(o Options) []string {
	args := []string{"server", "start-dev",
		"--db-filename", o.DBFile,
		// Four times faster than SQLite's defaults on this kind of machine.
		"--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL",
		"--ip", o.IP, "--port", fmt.Sprint(o.Port),
		"--http-port", fmt.Sprint(o.HTTPPort), "--metrics-port", fmt.Sprint(o.HTTPPort + 1),
		"--log-level", "warn",
	}
	if o.Headless {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", fmt.Sprint(o.UIPort))
	}
	switch {
	case o.QueuePollRPS == 0:
		args = append(args, QueueArgs(FastQueuePollRPS)...)
	case o.QueuePollRPS > 0:
		args = append(args, QueueArgs(o.QueuePollRPS)...)
	}
	for _, key := range workflows.SearchAttributes() {
		args = append(args, "--search-attribute", key.GetName()+"=Keyword")
	}
	if o.UICodecEndpoint != "" {
		args = append(args, "--ui-codec-endpoint", o.UICodecEndpoint)
	}
	return args
}

// Start launches the server and waits until its frontend answers.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if o.Port == 0 {
		o.Port = 7233
	}
	if o.UIPort == 0 {
		o.UIPort = 8233
	}
	if o.HTTPPort == 0 {
		o.HTTPPort = o.Port + 10
	}
	if _, err := os.Stat(o.Binary); err != nil {
		return nil, fmt.Errorf("temporal CLI not found at %s (run `make bin/temporal`): %w", o.Binary, err)
	}
	if err := os.MkdirAll(filepath.Dir(o.DBFile), 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(o.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	pidFile := o.DBFile + ".pid"
	if err := stopLeftover(pidFile); err != nil {
		logFile.Close()
		return nil, err
	}
	cmd := exec.Command(o.Binary, Args(o)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: Ctrl-C in the terminal reaches the dev runner,
	// which then stops the server in order. If the runner dies without
	// stopping it (kill -9), the kernel stops the server too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start temporal dev server: %w", err)
	}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		logFile.Close()
		return nil, fmt.Errorf("record the dev server's pid: %w", err)
	}
	s := &Server{cmd: cmd, done: make(chan error, 1), Addr: fmt.Sprintf("%s:%d", o.IP, o.Port), pidFile: pidFile}
	go func() { s.done <- cmd.Wait(); logFile.Close() }()
	if err := s.waitReady(ctx, time.Minute); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w (see %s)", err, o.LogFile)
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := client.DialContext(ctx, client.Options{HostPort: s.Addr})
		if err == nil {
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
			c.Close()
			if err == nil {
				return nil
			}
		}
		select {
		case err := <-s.done:
			return fmt.Errorf("temporal dev server exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("temporal dev server did not become ready within a minute")
		}
	}
}

// Pid is the server's process id, for reading its CPU time.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop asks the server to shut down and waits, killing it after 15 s.
func (s *Server) Stop() error {
	defer os.Remove(s.pidFile)
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-s.done:
		return nil
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
		return errors.New("temporal dev server did not stop in 15 s; killed")
	}
}
