package learn

// The Mersenne Twister MT19937 (Matsumoto and Nishimura 1998) with numpy's
// legacy RandomState seeding and shuffle, so that Split with a random state
// reproduces scikit-learn's train_test_split(random_state=...) exactly: the
// same rows land in the test split as in the origin evaluator.

const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
)

type mt19937 struct {
	state [mtN]uint32
	index int
}

// newMT19937 seeds the generator as numpy's RandomState(seed) does for an
// integer seed (init_genrand).
func newMT19937(seed uint32) *mt19937 {
	m := &mt19937{}
	m.state[0] = seed
	for i := 1; i < mtN; i++ {
		prev := m.state[i-1]
		m.state[i] = 1812433253*(prev^(prev>>30)) + uint32(i) //nolint:gosec // i < 624
	}
	m.index = mtN
	return m
}

func (m *mt19937) next() uint32 {
	if m.index >= mtN {
		for k := range mtN {
			y := (m.state[k] & mtUpperMask) | (m.state[(k+1)%mtN] & mtLowerMask)
			v := m.state[(k+mtM)%mtN] ^ (y >> 1)
			if y&1 == 1 {
				v ^= mtMatrixA
			}
			m.state[k] = v
		}
		m.index = 0
	}
	y := m.state[m.index]
	m.index++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// interval draws uniformly from 0..max by masked rejection, as numpy's
// legacy random_interval does for max below 2^32.
func (m *mt19937) interval(max uint32) uint32 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		if v := m.next() & mask; v <= max {
			return v
		}
	}
}

// permutation is numpy's RandomState.permutation(n): a Fisher-Yates shuffle
// of 0..n-1 from the last element down.
func (m *mt19937) permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i >= 1; i-- {
		j := int(m.interval(uint32(i))) //nolint:gosec // row counts fit 32 bits
		p[i], p[j] = p[j], p[i]
	}
	return p
}
