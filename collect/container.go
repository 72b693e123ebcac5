package collect

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/conntab/conntab/model"
)

// ErrRuntimeFile is a container runtime's file that does not parse, or
// that says what no runtime writes (an id that is not 64 hex digits).
var ErrRuntimeFile = errors.New("collect: malformed container runtime file")

// Container runtimes, as model.Container.Runtime spells them.
const (
	runtimePodman     = "podman"
	runtimeDocker     = "docker"
	runtimeContainerd = "containerd"
	runtimeCRIO       = "cri-o"
)

// cgroupContainer finds the container a cgroup path (parseCgroup) puts a
// process in, and its runtime by the prefix the runtime gives the
// cgroup: libpod-ID (Podman), docker-ID.scope or /docker/ID (Docker),
// cri-containerd-ID.scope (containerd's CRI), crio-ID.scope (CRI-O); a
// bare ID under /kubepods is containerd's or CRI-O's, runtime "".
// id is "" for a process in no container.
func cgroupContainer(path string) (runtime, id string) {
	id = containerID(path)
	if id == "" {
		return "", ""
	}
	elems := strings.Split(path, "/")
	for i := len(elems) - 1; i >= 0; i-- {
		e := elems[i]
		if !strings.Contains(e, id) {
			continue
		}
		switch {
		case strings.HasPrefix(e, "libpod-"):
			return runtimePodman, id
		case strings.HasPrefix(e, "docker-"), i > 0 && elems[i-1] == "docker":
			return runtimeDocker, id
		case strings.HasPrefix(e, "cri-containerd-"):
			return runtimeContainerd, id
		case strings.HasPrefix(e, "crio-"):
			return runtimeCRIO, id
		}
		return "", id
	}
	return "", id
}

// runtimeFileError is ErrRuntimeFile for what, quoting the start of b.
func runtimeFileError(what string, b []byte, err error) error {
	const max = 80
	q := string(b)
	if len(q) > max {
		q = q[:max] + "…"
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w: %q", ErrRuntimeFile, what, err, q)
	}
	return fmt.Errorf("%w: %s: %q", ErrRuntimeFile, what, q)
}

// storageContainer is an entry of containers/storage's containers.json,
// where Podman and CRI-O keep their containers' names.
type storageContainer struct {
	ID       string   `json:"id"`
	Names    []string `json:"names"`
	Metadata string   `json:"metadata"`
}

// parseContainersJSON reads containers/storage's containers.json
// (/var/lib/containers/storage/overlay-containers/containers.json): each
// container's id and what names it. Podman's first name is the
// container's; CRI-O's is k8s_CONTAINER_POD_NAMESPACE_UID_ATTEMPT, which
// gives the Kubernetes names, and its metadata the pod's.
func parseContainersJSON(b []byte) (map[string]model.Container, error) {
	var entries []storageContainer
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, runtimeFileError("containers.json", b, err)
	}
	out := make(map[string]model.Container, len(entries))
	for _, e := range entries {
		if len(e.ID) != 64 || !isHex(e.ID) {
			return nil, runtimeFileError("containers.json: container id", []byte(e.ID), nil)
		}
		c := model.Container{ID: e.ID}
		if len(e.Names) > 0 {
			c.Name = e.Names[0]
		}
		if k, ok := kubeName(c.Name); ok {
			c.Runtime, c.Name, c.Pod, c.Namespace = runtimeCRIO, k.Name, k.Pod, k.Namespace
		} else if e.Metadata != "" {
			var md struct {
				PodName string `json:"pod-name"`
			}
			if json.Unmarshal([]byte(e.Metadata), &md) == nil && md.PodName != "" {
				c.Runtime, c.Pod = runtimeCRIO, md.PodName
			}
		}
		out[e.ID] = c
	}
	return out, nil
}

// kubeName reads the name the kubelet gives a container in a runtime
// without pods of its own (CRI-O's storage, dockershim):
// k8s_CONTAINER_POD_NAMESPACE_UID_ATTEMPT, k8s_POD_ for the sandbox.
// Kubernetes names hold no "_", so the fields split cleanly.
func kubeName(name string) (model.Container, bool) {
	rest, ok := strings.CutPrefix(name, "k8s_")
	if !ok {
		return model.Container{}, false
	}
	f := strings.Split(rest, "_")
	if len(f) != 5 {
		return model.Container{}, false
	}
	c := model.Container{Name: f[0], Pod: f[1], Namespace: f[2]}
	if c.Name == "POD" {
		c.Name = "" // the sandbox: the pod itself
	}
	return c, true
}

// parseDockerConfig reads Docker's /var/lib/docker/containers/ID/
// config.v2.json for the container's id and name (Docker writes the name
// with a leading "/").
func parseDockerConfig(b []byte) (model.Container, error) {
	var cfg struct {
		ID   string `json:"ID"`
		Name string `json:"Name"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return model.Container{}, runtimeFileError("config.v2.json", b, err)
	}
	if len(cfg.ID) != 64 || !isHex(cfg.ID) {
		return model.Container{}, runtimeFileError("config.v2.json: container id", []byte(cfg.ID), nil)
	}
	c := model.Container{Runtime: runtimeDocker, ID: cfg.ID, Name: strings.TrimPrefix(cfg.Name, "/")}
	if k, ok := kubeName(c.Name); ok {
		c.Name, c.Pod, c.Namespace = k.Name, k.Pod, k.Namespace
	}
	return c, nil
}

// CRI annotations containerd writes into a task bundle's config.json.
const (
	annoContainerName = "io.kubernetes.cri.container-name"
	annoSandboxName   = "io.kubernetes.cri.sandbox-name"
	annoSandboxNS     = "io.kubernetes.cri.sandbox-namespace"
	annoNerdctlName   = "nerdctl/name"
)

// parseBundleConfig reads the annotations of an OCI bundle's config.json
// as containerd's task directory keeps it
// (/run/containerd/io.containerd.runtime.v2.task/NAMESPACE/ID/
// config.json): the CRI's pod name and namespace and the container's
// name (none for the pod's sandbox), or nerdctl's name.
func parseBundleConfig(b []byte) (model.Container, error) {
	var cfg struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return model.Container{}, runtimeFileError("config.json", b, err)
	}
	a := cfg.Annotations
	c := model.Container{Runtime: runtimeContainerd, Name: a[annoContainerName], Pod: a[annoSandboxName], Namespace: a[annoSandboxNS]}
	if c.Name == "" {
		c.Name = a[annoNerdctlName]
	}
	return c, nil
}
