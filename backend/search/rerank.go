package search

import (
	"context"
	"fmt"
	"strings"

	"folio/backend/encoder"
)

// CrossEncoder reranks with a sequence-classification model that reads the
// query and a passage together (such as a MiniLM trained on MS MARCO).
type CrossEncoder struct {
	c *encoder.Classifier
}

// OpenCrossEncoder loads a cross-encoder folder. Its model must have one
// output, the relevance logit, or two, scored as the second's margin over
// the first ("not relevant", "relevant").
func OpenCrossEncoder(dir string) (*CrossEncoder, error) {
	c, err := encoder.OpenClassifier(dir)
	if err != nil {
		return nil, fmt.Errorf("open reranker %s: %w", dir, err)
	}
	if labels := c.Labels(); len(labels) > 2 {
		return nil, fmt.Errorf("open reranker %s: it has %d outputs (%s); a reranker has one relevance output",
			dir, len(labels), strings.Join(labels, ", "))
	}
	return &CrossEncoder{c: c}, nil
}

// Rerank scores each passage's relevance to query.
func (x *CrossEncoder) Rerank(ctx context.Context, query string, passages []string) ([]float64, error) {
	pairs := make([][2]string, len(passages))
	for i, p := range passages {
		pairs[i] = [2]string{query, p}
	}
	logits, err := x.c.Score(ctx, pairs)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(logits))
	for i, l := range logits {
		out[i] = float64(l[len(l)-1])
		if len(l) == 2 {
			out[i] -= float64(l[0])
		}
	}
	return out, nil
}
