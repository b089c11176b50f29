package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"

	"github.com/vmcross/vmcross/backend/model"
)

// Read reads the whole audit log at path, oldest record first. Lines that are not a record
// (a write cut short by a crash, usually the last line) are skipped and counted in skipped;
// blank lines are ignored. A missing file's error matches fs.ErrNotExist.
func Read(path string) (recs []model.AuditRecord, skipped int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err // *PathError: it names the file
	}
	defer f.Close()
	return Decode(f) // the file's read errors name it too
}

// Decode reads audit records, one JSON line each, from r, as Read does.
func Decode(r io.Reader) (recs []model.AuditRecord, skipped int, err error) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n') // no line-length limit, unlike a Scanner
		if len(bytes.TrimSpace(line)) > 0 {
			var rec model.AuditRecord
			if json.Unmarshal(line, &rec) == nil {
				recs = append(recs, rec)
			} else {
				skipped++
			}
		}
		if err == io.EOF {
			return recs, skipped, nil
		}
		if err != nil {
			return recs, skipped, err
		}
	}
}
