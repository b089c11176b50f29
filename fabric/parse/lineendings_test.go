package parse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every capture parses the same whatever a terminal or a file transfer did to its line
// ends: CRLF, a doubled CR (telnet logs), blanks and tabs left at line ends, or a
// uniform indent added in front of every line.
func TestCapturesLineEndings(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "*", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	variants := map[string]func(string) string{
		"crlf":     func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
		"crcrlf":   func(s string) string { return strings.ReplaceAll(s, "\n", "\r\r\n") },
		"trailing": func(s string) string { return strings.ReplaceAll(s, "\n", " \t \n") },
		"indent": func(s string) string {
			lines := strings.Split(s, "\n")
			for i, l := range lines {
				if strings.TrimSpace(l) != "" {
					lines[i] = "  " + l
				}
			}
			return strings.Join(lines, "\n")
		},
	}
	for _, f := range files {
		platform, dir := filepath.Base(filepath.Dir(filepath.Dir(f))), filepath.Base(filepath.Dir(f))
		command := strings.ReplaceAll(dir, "_", " ")
		if command == "ping" {
			command = "ping 10.0.0.1"
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Parse(platform, command, string(b))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		wantJSON, _ := json.Marshal(want)
		for name, change := range variants {
			got, err := Parse(platform, command, change(string(b)))
			if err != nil {
				t.Errorf("%s (%s): %v", f, name, err)
				continue
			}
			if gotJSON, _ := json.Marshal(got); string(gotJSON) != string(wantJSON) {
				t.Errorf("%s (%s): parses differently:\n got %s\nwant %s", f, name, gotJSON, wantJSON)
			}
		}
	}
}
