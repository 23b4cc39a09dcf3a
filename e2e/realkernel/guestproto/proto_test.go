package guestproto

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

func TestRecords(t *testing.T) {
	var b bytes.Buffer
	e := Event{Kind: EventMade, Phase: PhaseBefore, Sessions: []Session{{Name: "vm", Files: []File{{Token: "0x20000000000001", Size: 4096}}}}}
	if err := WriteEvent(&b, e); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(&b, "before.snap", []byte("\x00\nFILE x 3\n")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(&b, "bad name", nil); err == nil {
		t.Error("a name with a space was written")
	}
	whole := b.Bytes()
	r := NewReader(bytes.NewReader(whole))
	name, data, err := r.Next()
	var got Event
	if err != nil || name != EventRecord || json.Unmarshal(data, &got) != nil || got.Sessions[0].Files[0].Token != "0x20000000000001" {
		t.Fatalf("event record: %q %q %v", name, data, err)
	}
	if name, data, err = r.Next(); err != nil || name != "before.snap" || string(data) != "\x00\nFILE x 3\n" {
		t.Fatalf("file record: %q %q %v", name, data, err)
	}
	if _, _, err = r.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	for _, cut := range []int{1, len(whole) - 3} {
		r := NewReader(bytes.NewReader(whole[:cut]))
		var err error
		for err == nil {
			_, _, err = r.Next()
		}
		if err == io.EOF {
			t.Errorf("cut at %d reads as a clean end", cut)
		}
	}
	if l := ConsoleLine(e); l != Prefix+"before made 1 sessions" {
		t.Errorf("console line %q", l)
	}
}
