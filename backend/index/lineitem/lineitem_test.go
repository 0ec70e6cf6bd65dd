package lineitem

import (
	"strings"
	"testing"
)

func TestFindAndExpand(t *testing.T) {
	cases := []struct {
		text  string
		find  []string // canonical names found, in order
		words []string // words Expand must add
	}{
		{"What is the FY2021 capital expenditure amount (in USD billions)?", []string{"capital expenditure"}, []string{"capex", "spending", "purchases", "property", "plant", "equipment"}},
		{"total current assets divided by total current liabilities", []string{"total current assets", "total current liabilities"}, nil},
		{"Prepaid expenses and other current assets", []string{"total current assets"}, nil},
		{"FY2019 COGS / average inventory", []string{"cogs", "inventory"}, []string{"cost", "goods", "sold", "sales", "inventories"}},
		{"Net cash provided by (used in) operating activities", []string{"cash from operations"}, nil},
		{"Where do sea otters live?", nil, nil},
	}
	for _, tc := range cases {
		var got []string
		for _, m := range Find(tc.text) {
			got = append(got, m.Item.Name())
		}
		if strings.Join(got, "|") != strings.Join(tc.find, "|") {
			t.Errorf("Find(%q) = %q, want %q", tc.text, got, tc.find)
		}
		exp := " " + Expand(tc.text) + " "
		for _, w := range tc.words {
			if !strings.Contains(exp, " "+w+" ") {
				t.Errorf("Expand(%q) = %q, lacks %q", tc.text, exp, w)
			}
		}
		for _, w := range strings.Fields(Normalize(tc.text)) {
			if strings.Contains(exp, " "+w+" ") {
				t.Errorf("Expand(%q) repeats %q", tc.text, w)
			}
		}
	}
	if it := Lookup("Purchases of property, plant & equipment"); it == nil || it.Name() != "capital expenditure" || !it.Outflow {
		t.Errorf("Lookup: %+v", it)
	}
}
