package inspect_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/luoinspect/luoinspect/inspect"
)

// Open a dump (here a snapshot, an ELF core with a note) and list the
// sessions it hands over, with each file's token and memfd size.
func Example() {
	s, err := inspect.Open("../testdata/samples/k2-lflb-m1.core", inspect.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	d := s.State.Detection
	fmt.Printf("%s + %s + %s\n", d.KHO.Tag, d.LUO.Tag, d.Memfd.Tag)
	for _, sess := range s.State.Sessions {
		fmt.Printf("session %q: %d file(s)\n", sess.Session.Name, len(sess.Files))
		for _, f := range sess.Files {
			if f.Memfd != nil {
				fmt.Printf("  token %#x: memfd of %d bytes in %d folios\n", f.File.Token, f.Memfd.Size, f.Memfd.NrFolios)
			}
		}
	}
	// Output:
	// K2 + L-FLB + M1
	// session "guest-a": 1 file(s)
	//   token 0x10: memfd of 16384 bytes in 4 folios
}

// Open an embedded sample and read the content digest of every memfd,
// as sha256sum would print it for the restored file.
func ExampleOpenSample() {
	s, err := inspect.OpenSample("k4-lfeat-m4", inspect.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	for fs := range s.State.Files() {
		d, err := s.State.ContentDigest(s.Memory, fs)
		if err != nil {
			fmt.Printf("token %#x: %v\n", fs.File.Token, err)
			continue
		}
		fmt.Printf("token %#x: %s\n", fs.File.Token, d)
	}
	// Output:
	// token 0x1: 81d11b847c522100786991533adcf239a41625e92152b91e09da213ff8973387
}

// Options that cannot apply are an *OptionError naming the option: a
// snapshot shows its root through debugfs, so there is no root to choose.
func ExampleOptionError() {
	_, err := inspect.Open("../testdata/samples/k2-lflb-m1.core", inspect.Options{Root: 0x1000, HasRoot: true})
	var optErr *inspect.OptionError
	if errors.As(err, &optErr) {
		fmt.Println("option", optErr.Option)
	}
	// Output:
	// option root
}
