package parse

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// capture reads a real-device fixture: testdata/<platform>/<command>/<name>.txt.
func capture(t testing.TB, platform, command, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", platform, command, name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// run calls a parser and fails the test on an error.
func run[T any](t *testing.T, parse func(string) (T, error), text string) T {
	t.Helper()
	v, err := parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func seq(lo, hi int) []int {
	var out []int
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

func cat(parts ...[]int) []int {
	var out []int
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
