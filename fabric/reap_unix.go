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
