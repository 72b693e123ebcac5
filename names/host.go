package names

import "fmt"

// Where a host keeps its name tables.
const (
	ServicesFile = "/etc/services"
	PasswdFile   = "/etc/passwd"
)

// HostServices is the service table of a host: the file at path
// (ServicesFile) over the built-in table, as LoadServices reads it. A
// file that cannot be read, or has a bad line, costs names, not the
// caller: the built-in table stands in, and warn is told what went wrong
// and that the built-in table is used.
func HostServices(path string, warn func(error)) *Services {
	s, err := LoadServices(path)
	return servicesOrDefault(s, err, warn)
}

// HostServicesAsync reads the table as HostServices does, on another
// goroutine, so that it loads while the kernel is read. The function it
// returns waits for the table, and warns in its caller's goroutine, in
// order with the caller's other messages.
func HostServicesAsync(path string, warn func(error)) (wait func() *Services) {
	type loaded struct {
		services *Services
		err      error
	}
	ch := make(chan loaded, 1)
	go func() {
		s, err := LoadServices(path)
		ch <- loaded{s, err}
	}()
	return func() *Services {
		l := <-ch
		return servicesOrDefault(l.services, l.err, warn)
	}
}

func servicesOrDefault(s *Services, err error, warn func(error)) *Services {
	if err != nil {
		warn(fmt.Errorf("%w (using the built-in service table)", err))
		return DefaultServices()
	}
	return s
}

// HostUsers is the user table of a host: the file at path (PasswdFile),
// as LoadUsers reads it. A file with bad lines costs the names on them:
// the users of the good lines stand in, and warn is told what went wrong;
// a file that cannot be read gives no names.
func HostUsers(path string, warn func(error)) *Users {
	u, err := LoadUsers(path)
	if err != nil {
		warn(err)
	}
	return u
}
