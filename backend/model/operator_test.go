package model

import (
	"errors"
	"testing"
)

func TestAuthorize(t *testing.T) {
	viewer := Operator{Name: "ana", From: "local terminal", Role: RoleViewer}
	op := Operator{Name: "bo", From: "ssh SHA256:abc", Role: RoleOperator}
	nobody := Operator{Name: "eve"}
	cases := []struct {
		who  Operator
		cmd  Command
		want bool
	}{
		{viewer, CmdPollFabric, true},
		{viewer, CmdReconnectSite, false},
		{op, CmdReconnectSite, true},
		{Operator{Role: RoleAdmin}, CmdReconnectSite, true},
		{nobody, CmdPollFabric, false}, // no role, no commands
		{op, Command("format-datastore"), false},
	}
	for _, c := range cases {
		err := Authorize(c.who, c.cmd)
		if (err == nil) != c.want {
			t.Errorf("Authorize(%s, %s) = %v, want allowed=%v", c.who.Role, c.cmd, err, c.want)
		}
		if err != nil && !errors.Is(err, ErrNotAllowed) {
			t.Errorf("Authorize(%s, %s): %v does not wrap ErrNotAllowed", c.who.Role, c.cmd, err)
		}
	}
	if !CmdReconnectSite.Dangerous() || CmdPollFabric.Dangerous() {
		t.Error("reconnect-site must be dangerous and poll-fabric not")
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("ParseRole accepted an unknown role")
	}
}
