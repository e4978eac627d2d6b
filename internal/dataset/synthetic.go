package dataset

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
)

// SyntheticCredit is the name of the built-in credit dataset.
const SyntheticCredit = "synthetic-credit"

// SyntheticColumns are the columns of the synthetic credit dataset: the
// applicant's features, whether the loan was repaid (the label; 1 is
// favourable), the model's score and its decision (approved = score >= 0.5).
var SyntheticColumns = []string{"sex", "age_group", "income", "credit_amount", "duration_months",
	"repaid", "score", "approved"}

// SyntheticFeatures are the applicant columns of the synthetic dataset, the
// features of train mode: its score and approved columns are a model's
// outputs, not features.
var SyntheticFeatures = []string{"sex", "age_group", "income", "credit_amount", "duration_months"}

// SyntheticOptions configure the generator.
type SyntheticOptions struct {
	Rows int64
	Seed uint64
	// Disparity is the gap in approval rate injected against women (the
	// unprivileged group), 0 for a fair model, up to 1.
	Disparity float64
}

// WriteSynthetic writes the synthetic credit dataset as CSV. The same
// options always produce the same bytes.
func WriteSynthetic(w io.Writer, o SyntheticOptions) error {
	if o.Rows < 0 {
		return fmt.Errorf("rows must not be negative, got %d", o.Rows)
	}
	if o.Disparity < 0 || o.Disparity > 1 || math.IsNaN(o.Disparity) {
		return fmt.Errorf("disparity must be within [0, 1], got %v", o.Disparity)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	rng := rand.New(rand.NewPCG(o.Seed, 0x6661697263726564)) //nolint:gosec // synthetic data, not secrets
	if _, err := bw.WriteString("sex,age_group,income,credit_amount,duration_months,repaid,score,approved\n"); err != nil {
		return err
	}
	// Men are approved at about 59%; removing approvals from women with
	// probability Disparity/0.59 makes their rate lower by about Disparity.
	const approvalRate = 0.59
	flip := math.Min(1, o.Disparity/approvalRate)
	line := make([]byte, 0, 96)
	for i := int64(0); i < o.Rows; i++ {
		female := rng.Float64() < 0.45
		var age string
		switch u := rng.Float64(); {
		case u < 0.2:
			age = "<25"
		case u < 0.85:
			age = "25-60"
		default:
			age = ">60"
		}
		income := math.Round(math.Exp(10.3+0.45*rng.NormFloat64())/100) * 100
		amount := math.Round(math.Exp(8.6+0.7*rng.NormFloat64())/50) * 50
		duration := 6 * (1 + rng.IntN(10))
		// Creditworthiness: income helps, large and long loans hurt.
		z := 1.1*(math.Log(income)-10.3)/0.45 - 0.8*(math.Log(amount)-8.6)/0.7 - 0.05*float64(duration-33)/6 +
			0.9 + 0.8*rng.NormFloat64()
		repaid := rng.Float64() < sigmoid(z)
		score := sigmoid(0.8*z - 0.35 + 0.6*rng.NormFloat64())
		if female && score >= 0.5 && rng.Float64() < flip {
			score *= 0.5 // the injected bias: an approval turned into a denial
		}
		sex := "male"
		if female {
			sex = "female"
		}
		line = line[:0]
		line = append(line, sex...)
		line = append(line, ',')
		line = append(line, age...)
		line = append(line, ',')
		line = strconv.AppendFloat(line, income, 'f', 0, 64)
		line = append(line, ',')
		line = strconv.AppendFloat(line, amount, 'f', 0, 64)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(duration), 10)
		line = append(line, ',', bit(repaid), ',')
		line = strconv.AppendFloat(line, score, 'f', 4, 64)
		line = append(line, ',', bit(score >= 0.5), '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func bit(b bool) byte {
	if b {
		return '1'
	}
	return '0'
}

// SyntheticReader streams the synthetic dataset through a pipe.
func SyntheticReader(o SyntheticOptions) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(WriteSynthetic(pw, o)) }()
	return pr
}
