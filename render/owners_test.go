package render

import (
	"testing"

	"github.com/conntab/conntab/model"
)

// The listing names every descriptor; the listeners' table names each
// process once, at most most of them.
func TestAppendOwners(t *testing.T) {
	nginx := []model.Owner{
		{PID: 300, FD: 6, Comm: "nginx"}, {PID: 300, FD: 7, Comm: "nginx"},
		{PID: 301, FD: 6, Comm: "nginx"}, {PID: 302, FD: 6, Comm: "nginx"}, {PID: 303, FD: 6, Comm: "nginx"},
	}
	for _, tt := range []struct {
		name   string
		owners []model.Owner
		most   int
		want   string
	}{
		{"none", nil, 0, "-"},
		{"none, capped", nil, 3, "-"},
		{"every descriptor", nginx, 0, "nginx/300,nginx/300,nginx/301,nginx/302,nginx/303"},
		{"each process once, three", nginx, 3, "nginx/300,nginx/301,nginx/302,+1"},
		{"each process once, all fit", nginx[:3], 3, "nginx/300,nginx/301"},
		{"former and escaped", []model.Owner{{PID: 9, Comm: "a\x1bb", Former: true}}, 0, `was a\x1bb/9`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendOwners(nil, tt.owners, tt.most)); got != tt.want {
				t.Errorf("appendOwners(%d) = %q, want %q", tt.most, got, tt.want)
			}
		})
	}
}
