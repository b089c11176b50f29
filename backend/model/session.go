package model

import (
	"fmt"
	"strings"
	"time"
)

// Session is one operator connected to the engine's console from elsewhere: a `vmcross
// serve` SSH session. State.Sessions lists them, so each console can say who else is
// watching.
type Session struct {
	// ID is unique among the engine's sessions for its life (the sequence number of the
	// session's start event).
	ID uint64 `json:"id"`
	// User is the operator's name: the one the key is given in authorized_keys or the
	// config, else the SSH login name.
	User string `json:"user"`
	// From is where the operator is, as Operator.From says it ("ssh SHA256:…": the key's
	// fingerprint).
	From string `json:"from"`
	// Addr is the client's network address ("192.0.2.7:50122").
	Addr  string    `json:"addr,omitempty"`
	Role  Role      `json:"role"`
	Since time.Time `json:"since"`
}

// Operator is the session's operator.
func (s Session) Operator() Operator { return Operator{Name: s.User, From: s.From, Role: s.Role} }

// The commands that record a session's start and end in the event stream and the audit
// log. Nobody runs them: the engine records them when an SSH session joins and leaves
// (Engine.Join), as one command.done event each, so the audit log holds a line for each
// (action "command", result "ok") naming the operator, the key's fingerprint and the
// client's address (Object).
const (
	CmdSessionStart Command = "session-start"
	CmdSessionEnd   Command = "session-end"
	// CmdLogin is a login the SSH server refused (Engine.LoginRefused): a command.refused
	// event, audited as refused, naming the login name the client gave, the keys it offered
	// and its address.
	CmdLogin Command = "login"
)

// CheckOperatorName checks an operator's name as written in configuration (a `vmcross
// serve` user, an authorized_keys line's user=): what the audit log records, so letters,
// digits and . _ @ + - only, at most 64 of them.
func CheckOperatorName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("missing")
	case len(name) > 64:
		return fmt.Errorf("%q is longer than 64 characters", name[:64]+"…")
	}
	for _, r := range name {
		if !operatorNameRune(r) {
			return fmt.Errorf("%q has %q in it: use letters, digits and . _ @ + - only", name, r)
		}
	}
	return nil
}

func operatorNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._@+-", r)
}
