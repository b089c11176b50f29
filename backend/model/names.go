package model

// CompareNames orders names as people read them: runs of digits by their number, so web-9
// comes before web-10 and esx-a01-2 before esx-a01-10; everything else byte by byte. Equal
// numbers written differently (web-07, web-7) fall back to the plain comparison, so the order
// is total and stable. It returns -1, 0 or +1 like strings.Compare.
func CompareNames(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if isDigit(ca) && isDigit(cb) {
			// Compare the two numbers: without leading zeros, the longer is the larger, and
			// of two as long, the first differing digit decides.
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			na, nb := trimZeros(a[si:i]), trimZeros(b[sj:j])
			if len(na) != len(nb) {
				return sign(len(na) - len(nb))
			}
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			continue
		}
		if ca != cb {
			return sign(int(ca) - int(cb))
		}
		i++
		j++
	}
	switch {
	case len(a)-i != len(b)-j:
		return sign((len(a) - i) - (len(b) - j))
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
