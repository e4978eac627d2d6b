package dataset

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// poolAllocator recycles the buffers of arrow's record batches. A scan
// allocates the same few buffer sizes for every batch and frees them at the
// next one; with Go's allocator each batch is garbage, and the collector
// took a fifth of a core re-scanning the small live heap. Free lists by
// power-of-two size class keep the memory flat (bounded by count and
// bytes). arrow-go offers no pooling allocator, hence this one.
type poolAllocator struct {
	mu   sync.Mutex
	free [64][][]byte
	kept int // bytes in the free lists
	base memory.GoAllocator
}

// poolKeep and poolKeepBytes bound what the free lists hold.
const (
	poolKeep      = 32
	poolKeepBytes = 16 << 20
)

func classOf(size int) int {
	if size <= 64 {
		return 6
	}
	return bits.Len(uint(size - 1))
}

func (p *poolAllocator) Allocate(size int) []byte {
	c := classOf(size)
	p.mu.Lock()
	if n := len(p.free[c]); n > 0 {
		buf := p.free[c][n-1]
		p.free[c] = p.free[c][:n-1]
		p.kept -= cap(buf)
		p.mu.Unlock()
		clear(buf[:cap(buf)]) // arrow expects zeroed memory, as Go's allocator gives
		return buf[:size]
	}
	p.mu.Unlock()
	return p.base.Allocate(1 << c)[:size]
}

func (p *poolAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *poolAllocator) Free(b []byte) {
	c := cap(b)
	if c < 64 || c&(c-1) != 0 {
		return // not one of ours: the collector takes it
	}
	class := bits.Len(uint(c)) - 1
	p.mu.Lock()
	if len(p.free[class]) < poolKeep && p.kept+c <= poolKeepBytes {
		p.free[class] = append(p.free[class], b[:c])
		p.kept += c
	}
	p.mu.Unlock()
}
