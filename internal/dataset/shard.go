package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrCompressed means a compressed file cannot be split by byte range.
var ErrCompressed = errors.New("compressed data cannot be split by byte range")

// OpenFileShard opens byte-range shard index of count of a plain (not
// compressed) CSV or JSON Lines file: the header line (CSV) followed by the
// lines that start in
// [index*size/count, (index+1)*size/count). Boundaries move to line starts,
// so every line belongs to exactly one shard. Quoted fields must not contain
// newlines; use row sharding (ScanOptions.ShardCount) for such files.
func OpenFileShard(path string, index, count int64) (io.ReadCloser, error) {
	if count < 1 || index < 0 || index >= count {
		return nil, fmt.Errorf("shard %d of %d is out of range", index, count)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening data: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	size := st.Size()
	header, err := bufio.NewReaderSize(io.NewSectionReader(f, 0, size), DefaultMaxLineBytes).ReadSlice('\n')
	if err != nil && err != io.EOF {
		_ = f.Close()
		return nil, fmt.Errorf("reading the header line: %w", err)
	}
	if compressed(header) {
		_ = f.Close()
		return nil, ErrCompressed
	}
	header = bytes.Clone(header)
	if headerless(header) {
		header = nil
	}
	headerEnd := int64(len(header))
	start, err := lineStartAtOrAfter(f, max(headerEnd, index*size/count), headerEnd, size)
	if err == nil {
		var end int64
		end, err = lineStartAtOrAfter(f, max(headerEnd, (index+1)*size/count), headerEnd, size)
		if err == nil {
			r := io.MultiReader(bytes.NewReader(header), io.NewSectionReader(f, start, end-start))
			return readCloser{r, f}, nil
		}
	}
	_ = f.Close()
	return nil, err
}

// compressed reports gzip or zstd magic: such a file cannot be split by bytes.
func compressed(head []byte) bool {
	return len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b || bytes.HasPrefix(head, zstdMagic)
}

// headerless reports a JSON Lines file (its first line is an object), whose
// every line is a record: no header goes in front of a byte-range shard.
func headerless(firstLine []byte) bool {
	trimmed := bytes.TrimLeft(firstLine, " \t\r\xef\xbb\xbf")
	return len(trimmed) > 0 && trimmed[0] == '{'
}

// lineStartAtOrAfter finds the first offset >= off where a line starts.
func lineStartAtOrAfter(f io.ReaderAt, off, headerEnd, size int64) (int64, error) {
	if off <= headerEnd || off >= size {
		return min(max(off, headerEnd), size), nil
	}
	buf := make([]byte, 64<<10)
	pos := off - 1 // a line starts at off when the byte before it is '\n'
	for pos < size {
		n, err := f.ReadAt(buf, pos)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return pos + int64(i) + 1, nil
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		pos += int64(n)
	}
	return size, nil
}
