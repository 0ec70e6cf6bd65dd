// Command annbench measures backend/index's HNSW graph on the ANN benchmark
// kit's data (../shared/bench/ann): build time, memory per vector, and
// recall@10 with per-query latency for several efSearch values, plus the
// exact scan's latency on the same data.
//
//	go run ./tools/annbench -data DIR -n 100000 -json
//
// DIR holds clustered.base.f32 (rows of 384 float32, little-endian),
// clustered.query.f32 and clustered.gt<N>.i32 (exact top-100 ids per
// query), as written by the kit's cmd/gendata.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"folio/backend/index"
	"folio/tools/internal/annkit"
)

type run struct {
	Ef       int     `json:"ef"`
	Recall10 float64 `json:"recall@10"`
	P50us    float64 `json:"p50_us"`
	P99us    float64 `json:"p99_us"`
	MeanUs   float64 `json:"mean_us"`
	CPUp50us float64 `json:"cpu_p50_us"`
	CPUp99us float64 `json:"cpu_p99_us"`
}

type report struct {
	N             int     `json:"n"`
	M             int     `json:"m"`
	EfC           int     `json:"efc"`
	Workers       int     `json:"workers"`
	BuildSeconds  float64 `json:"build_seconds"`
	BuildCPUSecs  float64 `json:"build_cpu_seconds"`
	BytesPerVec   float64 `json:"bytes_per_vector"`
	Runs          []run   `json:"runs"`
	ExactP50us    float64 `json:"exact_p50_us"`
	ExactP99us    float64 `json:"exact_p99_us"`
	ExactCPUp50us float64 `json:"exact_cpu_p50_us"`
	ExactRecall10 float64 `json:"exact_recall@10"`
	ParWorkers    int     `json:"parallel_workers,omitempty"`
	ParBuildSecs  float64 `json:"parallel_build_seconds,omitempty"`
	ParRecall10   float64 `json:"parallel_recall@10,omitempty"`
	Queries       int     `json:"queries"`
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("annbench: ")
	data := flag.String("data", ".cache/ann/data", "folder with the kit's clustered.* files")
	n := flag.Int("n", 10000, "number of base vectors (a gt<N> file must exist)")
	efs := flag.String("ef", "10,20,40,80,160", "efSearch values, comma-separated")
	m := flag.Int("m", 16, "M")
	efc := flag.Int("efc", 100, "efConstruction")
	workers := flag.Int("workers", 1, "goroutines adding vectors in the measured build")
	par := flag.Int("parallel", 0, "if > 0, also time a second build with this many goroutines")
	nq := flag.Int("queries", 1000, "queries to run")
	exactQ := flag.Int("exact-queries", 200, "queries for the exact-scan latency")
	asJSON := flag.Bool("json", false, "print one JSON object")
	flag.Parse()

	base, err := annkit.ReadF32(filepath.Join(*data, "clustered.base.f32"), *n)
	if err != nil {
		log.Fatal(err)
	}
	qs, err := annkit.ReadF32(filepath.Join(*data, "clustered.query.f32"), *nq)
	if err != nil {
		log.Fatal(err)
	}
	gt, err := annkit.ReadI32(filepath.Join(*data, fmt.Sprintf("clustered.gt%d.i32", *n)), *nq*100)
	if err != nil {
		log.Fatal(err)
	}
	cfg := index.GraphConfig{Dim: annkit.Dim, M: *m, EfConstruction: *efc}

	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	c0 := processCPU()
	g, secs := build(cfg, base, *n, *workers)
	cpuSecs := processCPU() - c0
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	after := ms.HeapAlloc

	rep := report{N: *n, M: *m, EfC: *efc, Workers: *workers, BuildSeconds: secs, BuildCPUSecs: cpuSecs, Queries: *nq,
		BytesPerVec: (float64(after) - float64(before)) / float64(*n)}
	for _, f := range strings.Split(*efs, ",") {
		ef, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			log.Fatalf("bad -ef value %q", f)
		}
		rep.Runs = append(rep.Runs, measure(qs, gt, func(q []float32) []index.Result { return g.SearchEf(q, 10, ef, nil) }, ef, *nq))
	}
	ex := measure(qs, gt, func(q []float32) []index.Result { return g.Exact(q, 10, nil) }, 0, min(*exactQ, *nq))
	rep.ExactP50us, rep.ExactP99us, rep.ExactRecall10, rep.ExactCPUp50us = ex.P50us, ex.P99us, ex.Recall10, ex.CPUp50us
	if *par > 0 {
		g = nil
		runtime.GC()
		g2, s2 := build(cfg, base, *n, *par)
		rep.ParWorkers, rep.ParBuildSecs = *par, s2
		rep.ParRecall10 = measure(qs, gt, func(q []float32) []index.Result { return g2.SearchEf(q, 10, 40, nil) }, 40, *nq).Recall10
	}
	if *asJSON {
		b, _ := json.Marshal(rep)
		fmt.Println(string(b))
		return
	}
	fmt.Printf("n=%d M=%d efc=%d workers=%d build %.2fs (%.2fs CPU), %.0f bytes/vector\n", rep.N, rep.M, rep.EfC, rep.Workers, rep.BuildSeconds, rep.BuildCPUSecs, rep.BytesPerVec)
	for _, r := range rep.Runs {
		fmt.Printf("  ef=%-4d recall@10 %.4f  p50 %.1f µs (CPU %.1f)  p99 %.1f µs\n", r.Ef, r.Recall10, r.P50us, r.CPUp50us, r.P99us)
	}
	fmt.Printf("  exact    recall@10 %.4f  p50 %.1f µs (CPU %.1f)  p99 %.1f µs\n", rep.ExactRecall10, rep.ExactP50us, rep.ExactCPUp50us, rep.ExactP99us)
	if rep.ParWorkers > 0 {
		fmt.Printf("  parallel build (%d workers) %.2fs, recall@10 at ef=40 %.4f\n", rep.ParWorkers, rep.ParBuildSecs, rep.ParRecall10)
	}
}

// build adds base[:n] with the given number of goroutines and returns the
// graph and the wall time.
func build(cfg index.GraphConfig, base []float32, n, workers int) (*index.Graph, float64) {
	g := index.NewGraph(cfg)
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := g.Add(uint64(i), base[i*annkit.Dim:(i+1)*annkit.Dim]); err != nil {
					log.Fatal(err)
				}
			}
		}()
	}
	wg.Wait()
	return g, time.Since(t0).Seconds()
}

// measure runs the first nq queries through search, one at a time, and
// returns recall@10 against the ground truth and the wall-time latencies.
func measure(qs []float32, gt []int32, search func([]float32) []index.Result, ef, nq int) run {
	lockThread()
	defer unlockThread()
	for i := range min(50, nq) {
		search(qs[i*annkit.Dim : (i+1)*annkit.Dim])
	}
	lat := make([]float64, 0, nq)
	cpu := make([]float64, 0, nq)
	hit := 0
	for i := range nq {
		q := qs[i*annkit.Dim : (i+1)*annkit.Dim]
		c := threadCPU()
		t := time.Now()
		res := search(q)
		lat = append(lat, float64(time.Since(t).Nanoseconds())/1e3)
		cpu = append(cpu, (threadCPU()-c)*1e6)
		truth := gt[i*100 : i*100+10]
		for _, r := range res {
			if slices.Contains(truth, int32(r.ID)) {
				hit++
			}
		}
	}
	slices.Sort(lat)
	slices.Sort(cpu)
	var sum float64
	for _, x := range lat {
		sum += x
	}
	pct := func(a []float64, p float64) float64 { return round1(a[min(len(a)-1, int(float64(len(a))*p))]) }
	return run{Ef: ef, Recall10: float64(hit) / float64(nq*10), P50us: pct(lat, 0.5), P99us: pct(lat, 0.99),
		MeanUs: round1(sum / float64(len(lat))), CPUp50us: pct(cpu, 0.5), CPUp99us: pct(cpu, 0.99)}
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
