// Command scanpdf wraps page images as an image-only PDF, as a scanner
// makes them (no text layer), with Folio's own writer
// (backend/parse/pdf/imagepdf). The browser tests use it to make a scanned
// page at test time from a page pdftoppm rendered:
//
//	go run ./tests/ui/scanpdf -dpi 200 -o scan.pdf page.png [more.png…]
package main

import (
	"flag"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"

	"folio/backend/parse/pdf/imagepdf"
)

func main() {
	dpi := flag.Float64("dpi", 200, "resolution the images were rendered at")
	out := flag.String("o", "", "the PDF to write")
	quality := flag.Int("jpeg", 85, "JPEG quality of the stored pages (0: lossless gray)")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 || *dpi <= 0 {
		fmt.Fprintln(os.Stderr, "usage: scanpdf [-dpi 200] [-jpeg 85] -o out.pdf page.png…")
		os.Exit(2)
	}
	var pages []imagepdf.Page
	for _, path := range flag.Args() {
		img, err := decode(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "scanpdf: %s: %v\n", path, err)
			os.Exit(1)
		}
		pages = append(pages, imagepdf.Page{Image: img, DPI: *dpi, JPEGQuality: *quality})
	}
	if err := imagepdf.WriteFile(*out, pages...); err != nil {
		fmt.Fprintf(os.Stderr, "scanpdf: %s: %v\n", *out, err)
		os.Exit(1)
	}
}

func decode(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}
