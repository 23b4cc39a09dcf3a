package statediff

import "strconv"

// pair links element a of A's list with element b of B's; -1 marks the
// side that lacks it.
type pair struct{ a, b int }

// match pairs two lists by key, keeping A's order and appending B's
// unmatched elements in B's order. A key that repeats is matched by
// occurrence: the second "vm0" of A with the second "vm0" of B.
func match(na, nb int, keyA, keyB func(int) string) []pair {
	seen := map[string]int{}
	occ := func(k string) string {
		n := seen[k]
		seen[k] = n + 1
		if n == 0 {
			return k
		}
		return k + "\x00" + strconv.Itoa(n)
	}
	idxB := make(map[string]int, nb)
	for j := range nb {
		idxB[occ(keyB(j))] = j
	}
	clear(seen)
	out := make([]pair, 0, max(na, nb))
	used := make([]bool, nb)
	for i := range na {
		j, ok := idxB[occ(keyA(i))]
		if !ok {
			out = append(out, pair{i, -1})
			continue
		}
		used[j] = true
		out = append(out, pair{i, j})
	}
	for j := range nb {
		if !used[j] {
			out = append(out, pair{-1, j})
		}
	}
	return out
}
