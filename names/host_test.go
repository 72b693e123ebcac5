package names

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conntab/conntab/model"
)

// warnings collects what a Host function warns.
type warnings []error

func (w *warnings) warn(err error) { *w = append(*w, err) }

// A host's service table: its file over the built-in one; a broken file
// costs its names with one warning, and the built-in table stands in. The
// asynchronous load says the same, when waited for.
func TestHostServices(t *testing.T) {
	builtin := DefaultServices().Len()
	for name, load := range map[string]func(string, func(error)) *Services{
		"HostServices":      HostServices,
		"HostServicesAsync": func(p string, w func(error)) *Services { return HostServicesAsync(p, w)() },
	} {
		t.Run(name, func(t *testing.T) {
			var w warnings
			if s := load(filepath.Join(servicesFixtures, "host-extras.txt"), w.warn); len(w) != 0 || !hasService(s, 7443, "mycorp-api") {
				t.Errorf("a good file: warned %v, mycorp-api named %v", w, hasService(s, 7443, "mycorp-api"))
			}
			if s := load(filepath.Join(servicesFixtures, "none.txt"), w.warn); len(w) != 0 || s.Len() != builtin {
				t.Errorf("no file: warned %v, %d names, want the built-in %d", w, s.Len(), builtin)
			}
			s := load(filepath.Join(servicesFixtures, "malformed.txt"), w.warn)
			if s.Len() != builtin || len(w) != 1 || !errors.Is(w[0], ErrServicesSyntax) ||
				!strings.HasSuffix(w[0].Error(), "(using the built-in service table)") {
				t.Errorf("a bad file: %d names (want %d), warned %v", s.Len(), builtin, w)
			}
		})
	}
}

func hasService(s *Services, port uint16, name string) bool {
	got, ok := s.Lookup(model.ProtoTCP, port)
	return ok && got == name
}

// A host's users: a bad line costs its name alone, with a warning; a file
// that cannot be read, its names.
func TestHostUsers(t *testing.T) {
	var w warnings
	u := HostUsers(filepath.Join(passwdFixtures, "malformed.txt"), w.warn)
	if name, _ := u.Name(65534); name != "nobody" || len(w) != 1 || !errors.Is(w[0], ErrPasswdSyntax) {
		t.Errorf("bad lines: uid 65534 is %q, warned %v", name, w)
	}
	w = nil
	if u := HostUsers(passwdFixtures, w.warn); u.Len() != 0 || len(w) != 1 {
		t.Errorf("a directory: %d names, warned %v", u.Len(), w)
	}
	w = nil
	if u := HostUsers(filepath.Join(passwdFixtures, "none.txt"), w.warn); u.Len() != 0 || len(w) != 0 {
		t.Errorf("no file: %d names, warned %v", u.Len(), w)
	}
}
