package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/luoinspect/luoinspect/fdt"
	"github.com/luoinspect/luoinspect/source"
)

// blobFinding is a problem of the blob a FILE argument holds (not an FDT,
// cut short, damaged): a finding about the input, exit 4, one line.
type blobFinding struct{ msg string }

func (e blobFinding) Error() string { return e.msg }

// readFDTFile reads FILE ("-" is standard input) through the bounded
// reader: the header first, then at most totalsize bytes. A file that
// holds no FDT blob is a blobFinding; a blob cut short is returned as far
// as it goes, for the parser to say where the cut is; an unreadable file
// is a tool error.
func readFDTFile(path string) ([]byte, error) {
	data, err := source.ReadBlob(path)
	var cut *source.TruncatedError
	if err == nil || errors.As(err, &cut) && len(data) > 0 {
		return data, nil
	}
	return nil, blobReadError(err)
}

// blobReadError turns an error of the bounded blob reader that is about
// the file's content (not an FDT, cut short before any byte, a header it
// refuses, too large) into a blobFinding; any other error (the file
// cannot be opened or read) is returned as is.
func blobReadError(err error) error {
	var cut *source.TruncatedError
	if errors.Is(err, source.ErrNotFDT) || errors.Is(err, source.ErrTooLarge) || errors.As(err, &cut) ||
		strings.Contains(err.Error(), "bad FDT header") {
		return blobFinding{err.Error()}
	}
	return err
}

// readAnyFile reads FILE whatever it holds, at most source.MaxBlobSize
// bytes; a larger file is a blobFinding.
func readAnyFile(path string) ([]byte, error) {
	data, err := source.ReadAny(path, 0)
	if errors.Is(err, source.ErrTooLarge) {
		return nil, blobFinding{err.Error()}
	}
	return data, err
}

// parseFDTFile reads and strictly parses FILE; a parse failure is a
// blobFinding naming the file once.
func parseFDTFile(path string) (*fdt.Tree, error) {
	data, err := readFDTFile(path)
	if err != nil {
		return nil, err
	}
	t, err := fdt.Parse(data)
	if err != nil {
		return nil, blobFinding{fmt.Sprintf("%s: %v", displayName(path), err)}
	}
	return t, nil
}

// displayName is how messages name a FILE argument.
func displayName(path string) string {
	if path == "-" {
		return source.StdinName
	}
	return path
}

// reportBlobFinding prints a blobFinding as one line on w and turns it
// into exit status 4; any other error is returned as is.
func reportBlobFinding(w io.Writer, err error) error {
	var bf blobFinding
	if !errors.As(err, &bf) {
		return err
	}
	fmt.Fprintf(w, "luoinspect: %s\n", bf.msg)
	return exitCodeError{exitFindings}
}
