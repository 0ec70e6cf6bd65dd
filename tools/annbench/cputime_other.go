//go:build !linux

package main

func threadCPU() float64  { return 0 }
func processCPU() float64 { return 0 }
func lockThread()         {}
func unlockThread()       {}
