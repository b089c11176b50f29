//go:build !unix

package fabric

// reapSSH does nothing where scrapligo's system transport (a pty) does not run.
func reapSSH(int) {}

// killSSH does nothing where scrapligo's system transport (a pty) does not run.
func killSSH(int) {}
