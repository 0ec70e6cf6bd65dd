// Package bench holds what the benchmark tools share: reading the BEIR
// JSON Lines files and summarising latencies.
package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// ReadJSONL decodes every line of a JSON Lines file.
func ReadJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, len(out)+1, err)
		}
		out = append(out, v)
	}
	return out, sc.Err()
}
