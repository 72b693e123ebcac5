package nstest

import (
	"fmt"
	"strings"
	"time"
)

// AwaitSS waits until `ss -Hn` with args, run inside the namespace, prints
// want lines, and fails with the last listing after timeout. Tests call it
// to let sockets they closed settle (a client's FIN_WAIT2 turns into
// TIME_WAIT only once the peer's FIN arrives, which a loaded machine can
// delay) before they assert exact counts.
func (ns *NS) AwaitSS(want int, timeout time.Duration, args ...string) error {
	deadline := time.Now().Add(timeout)
	for {
		out, err := ns.Command("ss", append([]string{"-Hn"}, args...)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("nstest: ss -Hn %s: %v: %s", strings.Join(args, " "), err, out)
		}
		got := strings.Count(string(out), "\n")
		if got == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nstest: ss -Hn %s printed %d sockets after %v, want %d:\n%s", strings.Join(args, " "), got, timeout, want, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
