// Command joins writes a credit team's log as three CSV files joined by a
// UUID-like application ID, each side in an order of its own: the model's
// predictions (ID, decision, score), the outcomes (ID, repaid) and the
// demographics (ID, sex, age group), for the join benchmark of
// docs/benchmarks.md.
//
//	go run ./hack/bench/joins -rows 10000000 -out /tmp/joins
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	rows := flag.Int("rows", 10_000_000, "applications to write")
	out := flag.String("out", "/tmp/joins", "output folder")
	flag.Parse()
	if err := run(*rows, *out); err != nil {
		fmt.Fprintln(os.Stderr, "joins:", err)
		os.Exit(1)
	}
}

// id is a UUID-like ID: 36 characters, random-looking, unique per row.
func id(i int) string {
	h := uint64(i)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(h>>32), uint16(h>>16), uint16(h)&0xfff,
		0x8000|uint16(i>>48)&0x3fff, uint64(i)&0xffffffffffff)
}

func run(rows int, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name, header string, order []int, line func(w *bufio.Writer, i int)) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		fmt.Fprintln(w, header)
		for _, i := range order {
			line(w, i)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		return f.Close()
	}
	rng := rand.New(rand.NewPCG(7, 7))
	order := func() []int {
		o := rng.Perm(rows)
		return o
	}
	sexes, ages := []string{"female", "male"}, []string{"<25", "25-60", ">60"}
	if err := write("predictions.csv", "application_id,approved,score", order(), func(w *bufio.Writer, i int) {
		score := float64(i%1000) / 1000
		fmt.Fprintf(w, "%s,%d,%.3f\n", id(i), map[bool]int{true: 1, false: 0}[score > 0.4+0.1*float64(i%2)], score)
	}); err != nil {
		return err
	}
	if err := write("outcomes.csv", "application_id,repaid", order(), func(w *bufio.Writer, i int) {
		fmt.Fprintf(w, "%s,%d\n", id(i), (i/7)%2)
	}); err != nil {
		return err
	}
	return write("demographics.csv", "application_id,sex,age_group", order(), func(w *bufio.Writer, i int) {
		fmt.Fprintf(w, "%s,%s,%s\n", id(i), sexes[i%2], ages[i%3])
	})
}
