package collect

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/conntab/conntab/model"
)

// pidsToName is how many of a namespace's processes are asked which
// container they are in: a pod's sandbox and its first containers, not
// every process of the host's own namespace.
const pidsToName = 16

// runtimeFiles reads the runtimes' files under root ("/" on a host,
// testdata in tests), each at most once per snapshot.
type runtimeFiles struct {
	root    string
	storage map[string]model.Container // containers.json's, once read
	read    bool
	errs    []error
}

// storageDirs are where containers/storage keeps containers.json, by
// storage driver; Podman and CRI-O as root use the first here.
var storageDirs = []string{"overlay-containers", "vfs-containers", "btrfs-containers", "zfs-containers"}

// lookup names the container id, whose runtime the cgroup told (runtime
// "" tries each); ok is false when no runtime's files know it.
func (r *runtimeFiles) lookup(runtime, id string) (model.Container, bool) {
	if runtime == runtimePodman || runtime == runtimeCRIO || runtime == "" {
		if c, ok := r.fromStorage(id); ok {
			if c.Runtime == "" {
				c.Runtime = runtimePodman
			}
			return c, true
		}
	}
	if runtime == runtimeDocker || runtime == "" {
		b, err := os.ReadFile(filepath.Join(r.root, "var/lib/docker/containers", id, "config.v2.json"))
		if c, perr := r.parse(b, err, parseDockerConfig); perr == nil && c.ID == id {
			return c, true
		}
	}
	if runtime == runtimeContainerd || runtime == "" {
		bundles, _ := filepath.Glob(filepath.Join(r.root, "run/containerd/io.containerd.runtime.v2.task/*", id, "config.json"))
		for _, p := range bundles {
			b, err := os.ReadFile(p)
			if c, perr := r.parse(b, err, parseBundleConfig); perr == nil {
				c.ID = id
				return c, true
			}
		}
	}
	return model.Container{}, false
}

// parse runs a parser on a file's bytes, keeping its error unless the
// file is not there (then the runtime does not know the container).
func (r *runtimeFiles) parse(b []byte, err error, parse func([]byte) (model.Container, error)) (model.Container, error) {
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			r.errs = append(r.errs, err)
		}
		return model.Container{}, err
	}
	c, err := parse(b)
	if err != nil {
		r.errs = append(r.errs, err)
	}
	return c, err
}

// fromStorage looks id up in containers/storage's containers.json files.
func (r *runtimeFiles) fromStorage(id string) (model.Container, bool) {
	if !r.read {
		r.read = true
		r.storage = map[string]model.Container{}
		for _, d := range storageDirs {
			b, err := os.ReadFile(filepath.Join(r.root, "var/lib/containers/storage", d, "containers.json"))
			if err != nil {
				if !errors.Is(err, fs.ErrNotExist) {
					r.errs = append(r.errs, err)
				}
				continue
			}
			m, err := parseContainersJSON(b)
			if err != nil {
				r.errs = append(r.errs, err)
			}
			for k, v := range m {
				r.storage[k] = v
			}
		}
	}
	c, ok := r.storage[id]
	return c, ok
}

// nameContainers names the container or pod that owns each namespace of
// nss, from its processes' cgroups (/proc/PID/cgroup) and the runtimes'
// own files, without asking their daemons. A pod's namespace is named by
// its sandbox (the pod) and the first of its containers that has a name.
// A namespace whose first readable process is in no container is none's.
// Names found are kept across snapshots by container id.
func (c *Collector) nameContainers(nss []model.Namespace) {
	r := &runtimeFiles{root: c.cfg.RuntimeRoot}
	if r.root == "" {
		r.root = "/"
	}
	if c.containers == nil {
		c.containers = map[string]model.Container{}
	}
	for i := range nss {
		ns := &nss[i]
		for _, pid := range ns.PIDs[:min(len(ns.PIDs), pidsToName)] {
			b, err := os.ReadFile(filepath.Join(c.cfg.ProcRoot, strconv.Itoa(int(pid)), "cgroup"))
			if err != nil {
				continue // gone, or not ours to read
			}
			runtime, id := cgroupContainer(parseCgroup(b))
			if id == "" {
				// The namespace's first process is in no container: the
				// host's, which a container run with the host's network
				// shares, is not that container's.
				break
			}
			ct, ok := c.containers[id]
			if !ok {
				if ct, ok = r.lookup(runtime, id); !ok {
					ct = model.Container{Runtime: runtime, ID: id} // known by its cgroup only
				}
				c.containers[id] = ct
			}
			ns.Container = mergeContainer(ns.Container, ct)
			if ns.Container.Name != "" {
				break
			}
		}
	}
	if len(r.errs) > 0 {
		c.note("conntab: naming containers: " + errors.Join(r.errs...).Error())
	}
}

// mergeContainer adds what ct says to what named a namespace so far: the
// first container found names it, and a later one of the same pod gives
// the container's name the sandbox lacks.
func mergeContainer(have *model.Container, ct model.Container) *model.Container {
	if have == nil {
		return &ct
	}
	if have.Name == "" && ct.Name != "" && (have.Pod == "" || have.Pod == ct.Pod) {
		have.Name = ct.Name
		if have.Pod == "" {
			have.Pod, have.Namespace = ct.Pod, ct.Namespace
		}
	}
	return have
}
