// Package parse turns the text of Cisco switch show commands into typed values.
//
// Every parser is a pure function of the command's output: no I/O, no session, no
// globals. The fabric monitor feeds them what scrapligo returns; `vmcross fabric parse`
// prints their results as JSON. Two platform families are covered, named as scrapligo
// names them: "cisco_nxos" (Nexus 7000/5000/9000 DCI edges) and "cisco_iosxe" (Catalyst
// 6500 IOS and IOS-XE distribution switches, whose output is the same family).
//
// The parsers are tested on captures of real devices (testdata/, see SOURCES.md) and
// fuzzed: no input may make them panic. They are tolerant by design: column widths,
// section headers and wrapping differ across releases, so they key on the words a
// human reads rather than on fixed offsets, and they ignore lines they do not know
// (an echoed command, a prompt, a legend). What a terminal log adds to the output (CRLF
// or lone CR line ends, trailing blanks, a pager's --More-- with the backspaces that
// erase it, ANSI codes, an indent shared by every line) is undone first.
//
// Output that carries a device error ("% Invalid command at '^' marker.") yields a
// *DeviceError; output that is not the expected command's yields an error wrapping
// ErrUnrecognized.
package parse
