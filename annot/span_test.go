package annot

import (
	"reflect"
	"testing"
)

func TestSpans(t *testing.T) {
	spans := []Span{{2, 3}, {8, 2}}
	for _, tc := range []struct {
		off  int
		want bool
	}{{0, false}, {1, false}, {2, true}, {4, true}, {5, false}, {8, true}, {9, true}, {10, false}} {
		if got := In(spans, tc.off); got != tc.want {
			t.Errorf("In(%d) = %v, want %v", tc.off, got, tc.want)
		}
	}
	for _, tc := range []struct {
		from, to int
		clip     []Span
		count    int
	}{
		{0, 20, []Span{{2, 3}, {8, 2}}, 5},
		{3, 9, []Span{{3, 2}, {8, 1}}, 3},
		{5, 8, nil, 0},
		{9, 9, nil, 0},
		{0, 2, nil, 0},
	} {
		if got := Clip(spans, tc.from, tc.to); !reflect.DeepEqual(got, tc.clip) {
			t.Errorf("Clip(%d, %d) = %v, want %v", tc.from, tc.to, got, tc.clip)
		}
		if got := Count(spans, tc.from, tc.to); got != tc.count {
			t.Errorf("Count(%d, %d) = %d, want %d", tc.from, tc.to, got, tc.count)
		}
	}
}

func TestAdd(t *testing.T) {
	for _, tc := range []struct {
		name string
		adds [][2]int
		want []Span
	}{
		{"none", nil, nil},
		{"empty span", [][2]int{{4, 0}}, nil},
		{"joined", [][2]int{{0, 2}, {2, 3}}, []Span{{0, 5}}},
		{"apart", [][2]int{{0, 2}, {4, 1}}, []Span{{0, 2}, {4, 1}}},
	} {
		var got []Span
		for _, a := range tc.adds {
			got = Add(got, a[0], a[1])
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
