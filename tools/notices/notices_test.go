package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// THIRD_PARTY_NOTICES.md is what the tool generates from go.mod's modules
// and the npm lockfile today: adding a dependency without regenerating it
// fails here.
func TestNoticesUpToDate(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, need := range []string{"frontend/node_modules/pdfjs-dist", ".cache/llama.cpp/0.3.36-v3/LICENSE"} {
		if _, err := os.Stat(filepath.Join(root, need)); err != nil {
			t.Skipf("%s missing (npm install / make llama): skipping", need)
		}
	}
	got, err := Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(root, "THIRD_PARTY_NOTICES.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("THIRD_PARTY_NOTICES.md is out of date: run `go run ./tools/notices`")
	}
}

func TestIdentify(t *testing.T) {
	apache, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{
		string(apache): "Apache-2.0",
		"Permission is hereby granted, free of charge, to any person":                      "MIT",
		"Redistribution and use in source and binary forms ... Neither the name of Google": "BSD-3-Clause",
		"Redistribution and use in source and binary forms, with or without":               "BSD-2-Clause",
		"All rights reserved.": "see text",
	} {
		if got := Identify(text); got != want {
			t.Errorf("Identify(%.40q) = %s, want %s", text, got, want)
		}
	}
}
