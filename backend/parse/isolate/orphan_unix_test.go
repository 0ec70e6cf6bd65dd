//go:build unix

package isolate

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gone reports whether pid has exited (or is a zombie nobody reaped yet).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	// The state follows the command name in parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// TestChildExitsWhenParentIsKilled starts a child whose parser hangs, kills
// its parent with SIGKILL, and checks the child ends too.
func TestChildExitsWhenParentIsKilled(t *testing.T) {
	t.Setenv(envMisbehave, "hang")
	hang := "f.pdf"
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The shell plays the parent: it starts the child, says its pid, waits.
	parent := exec.Command("sh", "-c", `"$0" `+ChildSubcommand+` "$1" >/dev/null 2>&1 & echo $!; wait`, self, hang)
	parent.Env = append(os.Environ(), EnvChild+"=1")
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read child pid: %v", err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("child pid %q: %v", line, err)
	}
	t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })
	time.Sleep(500 * time.Millisecond) // let the child get stuck in the hang
	if gone(child) {
		t.Fatal("the child ended before its parent was killed")
	}
	_ = parent.Process.Kill()
	_ = parent.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for !gone(child) {
		if time.Now().After(deadline) {
			t.Fatalf("child %d still running 20 s after its parent was killed", child)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
