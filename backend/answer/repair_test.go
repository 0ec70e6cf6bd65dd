package answer

import (
	"context"
	"slices"
	"testing"

	"folio/backend/core"
	"folio/backend/encoder"
	"folio/backend/internal/testenv"
)

func repairCitations() []core.Citation {
	texts := []string{
		"The Panthers finished the regular season with a 15-1 record. Quarterback Cam Newton was named the league's Most Valuable Player.",
		"The Broncos' defense allowed the fewest passing yards in the league. Von Miller was named the game's Most Valuable Player after recording 2.5 sacks.",
		"The game was played at Levi's Stadium in Santa Clara, California, on February 7, 2016.",
	}
	var cits []core.Citation
	for i, t := range texts {
		cits = append(cits, core.Citation{N: i + 1, Path: "/docs/nfl.txt", Text: t, Start: 1000 * i, End: 1000*i + len(t)})
	}
	return cits
}

// A sentence the checker finds unsupported by the passage it cites but
// supported by another one now cites that one, in the text the person sees
// and in its claim, which keeps the generator's marker in Recited;
// supported sentences, and one no passage supports, are left as written.
func TestRepairCitationsMovesToSupportingPassage(t *testing.T) {
	for _, withModel := range []bool{false, true} {
		var embed Embedder
		if withModel {
			enc, err := encoder.Open(testenv.Model(t))
			if err != nil {
				t.Fatal(err)
			}
			embed = enc
		}
		cits := repairCitations()
		text := "Von Miller was named the game's Most Valuable Player after recording 2.5 sacks [1]. " +
			"The game was played at Levi's Stadium in Santa Clara [3].\n" +
			"The Panthers won the game on a last-minute field goal [2]."
		claims, err := Verify(context.Background(), text, cits, embed)
		if err != nil {
			t.Fatal(err)
		}
		if len(claims) != 3 || claims[0].Supported || !claims[1].Supported || claims[2].Supported {
			t.Fatalf("embed %v: before repair, claims %+v: want unsupported, supported, unsupported", embed != nil, claims)
		}
		ans := core.Answer{Text: text, Citations: cits, Claims: claims, Mode: "generated"}
		n, err := RepairCitations(context.Background(), &ans, embed)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("embed %v: corrected %d sentences, want 1: %+v", embed != nil, n, ans.Claims)
		}
		c := ans.Claims[0]
		if !c.Supported || !slices.Equal(c.Cites, []int{2}) || !slices.Equal(c.Recited, []int{1}) || len(c.Evidence) != 1 || c.Evidence[0].N != 2 {
			t.Errorf("embed %v: corrected claim %+v: want supported, cites [2], recited [1], evidence in [2]", embed != nil, c)
		}
		want := "Von Miller was named the game's Most Valuable Player after recording 2.5 sacks [2]. The game was played at Levi's Stadium in Santa Clara [3].\n" +
			"The Panthers won the game on a last-minute field goal [2]."
		if ans.Text != want {
			t.Errorf("embed %v: text\n%q\nwant\n%q", embed != nil, ans.Text, want)
		}
		if ans.Claims[1].Recited != nil || ans.Claims[2].Recited != nil || ans.Claims[2].Supported {
			t.Errorf("embed %v: the other claims changed: %+v", embed != nil, ans.Claims[1:])
		}
		// What the text now says is what the claims say.
		again, err := Verify(context.Background(), ans.Text, cits, embed)
		if err != nil {
			t.Fatal(err)
		}
		for i := range again {
			if !slices.Equal(again[i].Cites, ans.Claims[i].Cites) || again[i].Supported != ans.Claims[i].Supported {
				t.Errorf("embed %v: re-checked claim %d %+v differs from the repaired %+v", embed != nil, i, again[i], ans.Claims[i])
			}
		}
	}
}

// A swapped name is not repaired onto a passage that names someone else:
// the repair applies the checker's own test.
func TestRepairCitationsKeepsCorruptedClaim(t *testing.T) {
	cits := repairCitations()
	text := "Cam Newton was named the game's Most Valuable Player after recording 2.5 sacks [3]."
	claims, err := Verify(context.Background(), text, cits, nil)
	if err != nil {
		t.Fatal(err)
	}
	ans := core.Answer{Text: text, Citations: cits, Claims: claims}
	if n, err := RepairCitations(context.Background(), &ans, nil); err != nil || n != 0 {
		t.Fatalf("corrected %d (%v), want 0: %+v", n, err, ans.Claims)
	}
	if ans.Text != text || ans.Claims[0].Supported || ans.Claims[0].Recited != nil {
		t.Errorf("the corrupted claim changed: %q %+v", ans.Text, ans.Claims[0])
	}
}

func TestWithMarkers(t *testing.T) {
	for in, want := range map[string]string{
		"It rose [1].":       "It rose [2][3].",
		"It rose. [1]":       "It rose [2][3].",
		"It rose [1]":        "It rose [2][3]",
		"He said \"yes.\"":   "He said \"yes [2][3].\"",
		"- A list item [4].": "- A list item [2][3].",
	} {
		if got := withMarkers(in, []int{2, 3}); got != want {
			t.Errorf("withMarkers(%q) = %q, want %q", in, got, want)
		}
	}
}
