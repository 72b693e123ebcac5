package filter

import (
	"testing"

	"github.com/conntab/conntab/model"
	"github.com/conntab/conntab/names"
)

// netns and container select by the namespace a socket carries and what
// the snapshot knows of it.
func TestNetNSAndContainer(t *testing.T) {
	id := "26d1021f810ed2739c2cf66cb2c0f86571957783e70bd533a098d1b166b51d9e"
	snap := &model.Snapshot{Namespaces: []model.Namespace{
		{Inode: 10, Own: true},
		{Inode: 20, Name: "blue"},
		{Inode: 30, Container: &model.Container{Runtime: "podman", ID: id, Name: "web"}},
		{Inode: 40, Container: &model.Container{Runtime: "containerd", Name: "cart", Pod: "cart-7f", Namespace: "shop"}},
	}}
	socks := []model.Socket{{NetNS: 10}, {NetNS: 20}, {NetNS: 30}, {NetNS: 40}, {NetNS: 50}}
	l := &names.Labeler{Snapshot: snap}
	for _, tt := range []struct {
		expr string
		want []uint32
	}{
		{"netns 20", []uint32{20}},
		{"netns = 50", []uint32{50}},
		{"netns blue", []uint32{20}},
		{"container web", []uint32{30}},
		{"container 26d1021f810e", []uint32{30}},
		{"container 26d1", nil}, // too short to be an id
		{"container cart", []uint32{40}},
		{"container cart-7f", []uint32{40}},
		{"container cart-7f/cart", []uint32{40}},
		{"not container web and not netns 10", []uint32{20, 40, 50}},
	} {
		f, err := Parse(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if back, err := Parse(f.Expr.String()); err != nil || back.Expr.String() != f.Expr.String() {
			t.Errorf("%s: canonical %q reads back as %v, %v", tt.expr, f.Expr.String(), back, err)
		}
		m, err := f.Compile(l)
		if err != nil {
			t.Fatal(err)
		}
		var got []uint32
		for i := range socks {
			if m.Match(&socks[i]) {
				got = append(got, socks[i].NetNS)
			}
		}
		if len(got) != len(tt.want) || (len(got) > 0 && !equal(got, tt.want)) {
			t.Errorf("%s: %v, want %v", tt.expr, got, tt.want)
		}
	}
	if _, err := Parse("container"); err == nil {
		t.Error("container without a name: accepted")
	}
	// Without a snapshot of several namespaces, names match nothing.
	f, _ := Parse("container web or netns blue")
	m, _ := f.Compile(&names.Labeler{})
	if m.Match(&model.Socket{NetNS: 30}) {
		t.Error("matched a container without a snapshot naming it")
	}
}

func equal(a, b []uint32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
