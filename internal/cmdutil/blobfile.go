package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/source"
)

// BlobFinding is a problem of the blob a FILE argument holds (not an FDT,
// cut short, damaged): a finding about the input, exit 4, one line.
type BlobFinding struct{ Msg string }

// Error is the finding, one line.
func (e BlobFinding) Error() string { return e.Msg }

// ReadFDTFile reads FILE ("-" is standard input) through the bounded
// reader: the header first, then at most totalsize bytes. A file that
// holds no FDT blob is a BlobFinding; a blob cut short is returned as far
// as it goes, for the parser to say where the cut is; an unreadable file
// is a tool error.
func ReadFDTFile(path string) ([]byte, error) {
	data, err := source.ReadBlob(path)
	var cut *source.TruncatedError
	if err == nil || errors.As(err, &cut) && len(data) > 0 {
		return data, nil
	}
	return nil, BlobReadError(err)
}

// BlobReadError turns an error of the bounded blob reader that is about
// the file's content (not an FDT, cut short before any byte, a header it
// refuses, too large) into a BlobFinding; any other error (the file
// cannot be opened or read) is returned as is.
func BlobReadError(err error) error {
	var cut *source.TruncatedError
	if errors.Is(err, source.ErrNotFDT) || errors.Is(err, source.ErrTooLarge) || errors.As(err, &cut) ||
		strings.Contains(err.Error(), "bad FDT header") {
		return BlobFinding{err.Error()}
	}
	return err
}

// ReadAnyFile reads FILE whatever it holds, at most source.MaxBlobSize
// bytes; a larger file is a BlobFinding.
func ReadAnyFile(path string) ([]byte, error) {
	data, err := source.ReadAny(path, 0)
	if errors.Is(err, source.ErrTooLarge) {
		return nil, BlobFinding{err.Error()}
	}
	return data, err
}

// ParseFDTFile reads and strictly parses FILE; a parse failure is a
// BlobFinding naming the file once.
func ParseFDTFile(path string) (*fdt.Tree, error) {
	data, err := ReadFDTFile(path)
	if err != nil {
		return nil, err
	}
	t, err := fdt.Parse(data)
	if err != nil {
		return nil, BlobFinding{fmt.Sprintf("%s: %v", DisplayName(path), err)}
	}
	return t, nil
}

// DisplayName is how messages name a FILE argument.
func DisplayName(path string) string {
	if path == "-" {
		return source.StdinName
	}
	return path
}

// ReportBlobFinding prints a BlobFinding as one line on w and turns it
// into exit status 4; any other error is returned as is.
func ReportBlobFinding(w io.Writer, err error) error {
	var bf BlobFinding
	if !errors.As(err, &bf) {
		return err
	}
	fmt.Fprintf(w, "luoinspect: %s\n", bf.Msg)
	return ExitCodeError{ExitFindings}
}
