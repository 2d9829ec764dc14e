package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// 100 on every Linux the benchmark runs on.
const clockTick = 10 * time.Millisecond

// CPUTime is the user plus system CPU time the process pid has used, from
// /proc/<pid>/stat (all its threads).
func CPUTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cpu time of %d: %w", pid, err)
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("cpu time of %d: unreadable stat", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	// utime and stime are fields 14 and 15 of stat; fields[0] is field 3.
	if len(fields) < 13 {
		return 0, fmt.Errorf("cpu time of %d: short stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("cpu time of %d: %w", pid, err)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// proc is one of the benchmark's OS processes.
type proc struct {
	name string
	pid  int
	// stop ends it; nil for processes the benchmark does not own (itself).
	stop func() error
	log  string // its output, for errors
}

// startProc runs bin with args and env (the whole environment), its output
// to a log file in dir.
func startProc(dir, name, bin string, args, env []string) (*proc, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The process goes with the benchmark if the benchmark is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); logFile.Close() }()
	p := &proc{name: name, pid: cmd.Process.Pid, log: logPath}
	p.stop = func() error {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
			return nil
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("%s did not stop in 15 s; killed", name)
		}
	}
	return p, nil
}

// tail is the end of the process's log, for an error message.
func (p *proc) tail() string {
	if p.log == "" {
		return ""
	}
	data, err := os.ReadFile(p.log)
	if err != nil {
		return ""
	}
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}

// freePort returns a loopback port free right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitListening waits until addr accepts connections or p exits.
func waitListening(ctx context.Context, p *proc, addr string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if syscall.Kill(p.pid, 0) != nil {
			return fmt.Errorf("%s exited before listening on %s:\n%s", p.name, addr, p.tail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening on %s after a minute:\n%s", p.name, addr, p.tail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Commands are the binaries of the benchmark's processes.
type Commands struct {
	Worker, API, FakeOdoo, Sandbox, BenchProc string
}

// Build builds the product's commands and benchproc into dir, from the
// module at root: each process of the benchmark is the binary a user runs.
func Build(ctx context.Context, goCmd, root, dir string) (Commands, error) {
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", dir+string(filepath.Separator),
		"./cmd/worker", "./cmd/api", "./cmd/fake-odoo", "./cmd/afterpay-sandbox", "./internal/bench/benchproc")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return Commands{}, fmt.Errorf("build the benchmark's commands: %w\n%s", err, out)
	}
	return Commands{
		Worker: filepath.Join(dir, "worker"), API: filepath.Join(dir, "api"), FakeOdoo: filepath.Join(dir, "fake-odoo"),
		Sandbox: filepath.Join(dir, "afterpay-sandbox"), BenchProc: filepath.Join(dir, "benchproc"),
	}, nil
}
