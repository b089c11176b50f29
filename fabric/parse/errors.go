package parse

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrUnrecognized is wrapped by every error that says the text is not the output the
// parser expected (empty, truncated, or another command's).
var ErrUnrecognized = errors.New("output not recognized")

// DeviceError is the switch refusing the command: its "% ..." line, for example
// "% Invalid command at '^' marker." (NX-OS) or "% Invalid input detected at '^'
// marker." (IOS). The command never ran, so there is nothing to parse.
type DeviceError struct {
	Message string `json:"message"` // the device's line, trimmed
}

func (e *DeviceError) Error() string {
	return "the switch rejected the command: " + e.Message
}

// UnsupportedError says a platform or command is not one this package parses, and
// lists the ones it does so an operator can pick the right one.
type UnsupportedError struct {
	Platform  string   `json:"platform"`
	Command   string   `json:"command,omitempty"` // empty when the platform is the problem
	Supported []string `json:"supported"`
}

func (e *UnsupportedError) Error() string {
	if e.Command == "" {
		return fmt.Sprintf("platform %q is not supported; use one of: %s",
			e.Platform, strings.Join(e.Supported, ", "))
	}
	return fmt.Sprintf("command %q is not supported on %s; supported: %s",
		e.Command, e.Platform, strings.Join(e.Supported, "; "))
}

// deviceErrorRe matches the "% ..." lines NX-OS and IOS print instead of output when a
// command is wrong, ambiguous or not allowed. Ordinary output never starts a line so.
var deviceErrorRe = regexp.MustCompile(`(?i)^%\s*(invalid|incomplete|ambiguous|unknown|unrecognized|bad|permission|authorization|command authorization|not supported|error)`)

// markerErrorRe matches the caret errors NX-OS prints without a "%" for some
// arguments: "Invalid interface format at '^' marker.", "Invalid range at '^' marker."
var markerErrorRe = regexp.MustCompile(`(?i)^(invalid|incomplete|ambiguous)\b.* at '\^' marker\.?$`)

// checkDeviceError returns a *DeviceError for the first device error line in text.
func checkDeviceError(text string) error {
	for _, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "%") && deviceErrorRe.MatchString(t) || markerErrorRe.MatchString(t) {
			return &DeviceError{Message: t}
		}
	}
	return nil
}

func unrecognized(command, why string) error {
	return fmt.Errorf("%s: %w: %s", command, ErrUnrecognized, why)
}
