// Package cblas calls OpenBLAS's single-precision GEMM (cblas_sgemm) through
// cgo, for the encoder's matrix multiplies. It lives apart from package
// encoder because Go does not allow cgo and Go assembly in one package.
//
// Its functions exist only when built with cgo and without the purego tag
// (link with Debian's libopenblas-dev, found through pkg-config); otherwise
// the package is empty and the encoder uses its Go kernel.
package cblas
