package model

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"
)

// Role is what an operator may do.
type Role string

// Roles, weakest first. A viewer sees everything and may ask for harmless things (poll the
// switches now, a VM's details); an operator may also run dangerous commands (reconnect a
// site, and soon move VMs); an admin may also manage other operators' work.
const (
	RoleViewer   Role = "viewer"
	RoleOperator Role = "operator"
	RoleAdmin    Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleOperator:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// AtLeast reports whether r grants everything want grants. An unknown role grants nothing
// and is granted by nothing.
func (r Role) AtLeast(want Role) bool {
	return r.rank() > 0 && want.rank() > 0 && r.rank() >= want.rank()
}

// ParseRole reads a role as written in configuration.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if r.rank() == 0 {
		return "", fmt.Errorf("unknown role %q (use viewer, operator or admin)", s)
	}
	return r, nil
}

// Operator is who asks the engine for something. It travels with every command, into the
// event stream and the audit log.
type Operator struct {
	Name string `json:"name"`
	// From says where the operator is: "local terminal", or "ssh SHA256:..." (the key's
	// fingerprint) for a `vmcross serve` session.
	From string `json:"from"`
	Role Role   `json:"role"`
}

func (o Operator) String() string {
	if o.From == "" {
		return o.Name
	}
	return o.Name + " (" + o.From + ")"
}

// LocalOperator is the user of this process's terminal, by login name, as an operator: the
// console and the headless commands run as them. from says how ("local terminal", "cli").
func LocalOperator(from string) Operator {
	name := os.Getenv("USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		name = "local"
	}
	return Operator{Name: name, From: from, Role: RoleOperator}
}

// System is the engine itself, for events nobody asked for (a site reconnecting on its own).
var System = Operator{Name: "vmcross", From: "engine", Role: RoleAdmin}

// Command names what an operator asks the engine to do. Commands are data: the console's
// keymap, the engine's role check and the event stream all read this table.
type Command string

// The commands the engine takes.
const (
	// CmdPollFabric polls every switch now instead of at the next interval.
	CmdPollFabric Command = "poll-fabric"
	// CmdReconnectSite drops a site's vCenter session and logs in again at once. It is
	// dangerous: every operator sharing the engine loses that site's live view for a moment.
	CmdReconnectSite Command = "reconnect-site"
	// CmdMigrate moves VMs to the other site (dangerous: the operator types the target's id).
	CmdMigrate Command = "migrate"
	// CmdCancelMove cancels a move (dangerous: confirmed first).
	CmdCancelMove Command = "cancel-move"
)

// commandRoles is the role each command needs; the engine refuses the rest.
var commandRoles = map[Command]Role{
	CmdPollFabric:    RoleViewer,
	CmdReconnectSite: RoleOperator,
	CmdMigrate:       RoleOperator,
	CmdCancelMove:    RoleOperator,
}

// Dangerous reports whether c changes something other operators see or rely on: such a
// command needs more than a viewer, and the console marks its key.
func (c Command) Dangerous() bool { return c.NeedsRole().AtLeast(RoleOperator) }

// NeedsRole is the weakest role allowed to run c. An unknown command needs a role nobody has.
func (c Command) NeedsRole() Role {
	if r, ok := commandRoles[c]; ok {
		return r
	}
	return Role("nobody")
}

// ErrNotAllowed is returned, wrapped in a *RefusedError, when an operator's role does not
// allow a command.
var ErrNotAllowed = errors.New("not allowed")

// RefusedError says why the engine refused a command.
type RefusedError struct {
	Command  Command
	Operator Operator
	Reason   string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s: %s may not %s: %s", e.Operator.Name, e.Operator.Role, e.Command, e.Reason)
}

func (e *RefusedError) Unwrap() error { return ErrNotAllowed }

// Authorize returns nil when who may run c, else a *RefusedError.
func Authorize(who Operator, c Command) error {
	need := c.NeedsRole()
	if who.Role.AtLeast(need) {
		return nil
	}
	if need.rank() == 0 {
		return &RefusedError{Command: c, Operator: who, Reason: "unknown command"}
	}
	return &RefusedError{Command: c, Operator: who, Reason: "needs the " + string(need) + " role"}
}

// EventKind says what happened.
type EventKind string

// Event kinds. Commands produce one EventCommand when taken, then exactly one of done,
// failed or refused.
const (
	EventCommand        EventKind = "command"         // an operator asked for Command
	EventCommandDone    EventKind = "command.done"    // it finished
	EventCommandFailed  EventKind = "command.failed"  // it failed: Err says why
	EventCommandRefused EventKind = "command.refused" // the operator's role does not allow it
	EventSiteConnected  EventKind = "site.connected"  // a site's inventory is live
	EventSiteDown       EventKind = "site.disconnected"
	EventGap            EventKind = "gap" // the reader fell too far behind: events were dropped

	EventSiteSilent     EventKind = "site.silent"      // a connected site's vCenter stopped answering
	EventSiteAnswering  EventKind = "site.answering"   // a silent site answers again
	EventSwitchUp       EventKind = "switch.answering" // a switch answers (again)
	EventSwitchDown     EventKind = "switch.silent"    // a switch could not be polled
	EventFindingRaised  EventKind = "finding.raised"   // a fabric finding appeared: Object, Message
	EventFindingCleared EventKind = "finding.cleared"  // it went away

	// A move's life: queued, started (its task runs), then exactly one of done, failed or
	// cancelled. Move carries the move as it stood.
	EventMoveQueued    EventKind = "move.queued"
	EventMoveStarted   EventKind = "move.started"
	EventMoveDone      EventKind = "move.done"
	EventMoveFailed    EventKind = "move.failed"
	EventMoveCancelled EventKind = "move.cancelled"
)

// Event is one thing that happened, in order. The engine's event stream is lossless: a
// reader sees every event after the one it last saw, each once, in Seq order.
type Event struct {
	Seq      uint64    `json:"seq"`
	Time     time.Time `json:"time"`
	Kind     EventKind `json:"kind"`
	Command  Command   `json:"command,omitempty"`
	Operator Operator  `json:"operator"`
	Site     SiteID    `json:"site,omitempty"`
	// Object is what the event is about, in the operator's words ("site-b", "vm-42").
	Object string `json:"object,omitempty"`
	// Code is a finding's stable code (finding events only).
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Err     string `json:"error,omitempty"`
	// Move is the move as it stood (move events only).
	Move *Move `json:"move,omitempty"`
}
