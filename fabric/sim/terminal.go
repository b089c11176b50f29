package sim

// terminal is the line discipline of an interactive session: it echoes each character as it
// is typed, edits the line (backspace, ctrl+u, ctrl+w), ignores cursor keys, and hands complete
// lines to the console, as the switches' own CLIs do.
type terminal struct {
	sess   *sshSession
	con    *console
	line   []byte
	skipLF bool // a "\n" right after "\r" is the same Enter
	esc    int  // 0: none, 1: after ESC, 2: inside a CSI sequence
}

func newTerminal(sess *sshSession, con *console) *terminal {
	return &terminal{sess: sess, con: con}
}

// nxosBanner is what NX-OS prints after a login.
const nxosBanner = `Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Copyright (c) 2002-2016, Cisco Systems, Inc. All rights reserved.
The copyrights to certain works contained in this software are
owned by other third parties and used and distributed under
license. Certain components of this software are licensed under
the GNU General Public License (GPL) version 2.0 or the GNU
Lesser General Public License (LGPL) Version 2.1. A copy of each
such license is available at
http://www.opensource.org/licenses/gpl-2.0.php and
http://www.opensource.org/licenses/lgpl-2.1.php
`

func (t *terminal) run() {
	banner := "\n"
	if t.con.dev.platform == NXOS {
		banner = nxosBanner
	}
	if t.write(banner+t.con.prompt()) != nil {
		return
	}
	buf := make([]byte, 4096)
	for {
		n, err := t.sess.s.Read(buf)
		for _, b := range buf[:n] {
			if !t.key(b) {
				t.sess.hangUp()
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (t *terminal) write(text string) error { return t.sess.write(text) }

// key handles one input byte; false ends the session.
func (t *terminal) key(b byte) bool {
	if t.con.f.isUnresponsive(t.con.dev) {
		t.line, t.esc = nil, 0
		return true
	}
	switch t.esc {
	case 1:
		t.esc = 0
		if b == '[' || b == 'O' {
			t.esc = 2
		}
		return true
	case 2:
		if b >= 0x40 && b <= 0x7e {
			t.esc = 0
		}
		return true
	}
	lf := t.skipLF
	t.skipLF = false
	switch {
	case b == 0x1b:
		t.esc = 1
	case b == '\r':
		t.skipLF = true
		return t.enter()
	case b == '\n':
		if lf {
			return true
		}
		return t.enter()
	case b == 0x7f || b == 0x08: // backspace
		if len(t.line) > 0 {
			t.line = t.line[:len(t.line)-1]
			return t.write("\b \b") == nil
		}
	case b == 0x15: // ctrl+u: erase the line
		return t.erase(len(t.line))
	case b == 0x17: // ctrl+w: erase the word before the cursor
		n := len(t.line)
		for n > 0 && t.line[n-1] == ' ' {
			n--
		}
		for n > 0 && t.line[n-1] != ' ' {
			n--
		}
		return t.erase(len(t.line) - n)
	case b == 0x03: // ctrl+c: abandon the line (IOS also leaves configuration mode)
		t.line = nil
		if t.con.dev.platform == IOSXE && t.con.mode != modeExec {
			t.con.mode = modeExec
		}
		return t.write("^C\n"+t.con.prompt()) == nil
	case b == 0x1a: // ctrl+z: end
		t.line = nil
		if t.con.mode != modeExec {
			t.con.mode = modeExec
			return t.write("^Z\n"+t.con.prompt()) == nil
		}
	case b >= 0x20 && b < 0x7f:
		t.line = append(t.line, b)
		return t.write(string(rune(b))) == nil
	}
	return true
}

func (t *terminal) erase(n int) bool {
	if n <= 0 {
		return true
	}
	t.line = t.line[:len(t.line)-n]
	seq := make([]byte, 0, 3*n)
	for range n {
		seq = append(seq, '\b', ' ', '\b')
	}
	return t.write(string(seq)) == nil
}

// enter runs the line typed so far; false ends the session.
func (t *terminal) enter() bool {
	line := string(t.line)
	t.line = nil
	if t.write("\n") != nil {
		return false
	}
	r := t.con.execute(line)
	if r.show && t.con.f.takeDropMidOutput(t.con.dev) {
		// Half the output, then the connection goes: what a monitor sees when a switch dies
		// or a session is cleared mid-command.
		_ = t.write(r.out[:len(r.out)/2])
		return false
	}
	if t.write(r.out) != nil {
		return false
	}
	for _, ch := range r.chunks {
		sleep(ch.delay)
		if t.write(ch.text) != nil {
			return false
		}
	}
	if r.hangUp {
		return false
	}
	return t.write(t.con.prompt()) == nil
}
