//go:build unix

package fabric

import "syscall"

// reapSSH waits, in the background, for the ssh process pid that a closed system
// transport killed, so that it does not linger as a zombie. Only that one child is
// waited for: nobody else waits for it.
func reapSSH(pid int) {
	if pid <= 0 {
		return
	}
	go func() {
		var ws syscall.WaitStatus
		for {
			_, err := syscall.Wait4(pid, &ws, 0, nil)
			if err != syscall.EINTR {
				return
			}
		}
	}()
}

// killSSH kills the ssh process pid of an open system transport, to cut a poll short. The
// session reaps it when it closes the driver.
func killSSH(pid int) {
	if pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
