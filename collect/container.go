package collect

import "github.com/conntab/conntab/model"

// nameContainers names the containers that own the namespaces nss.
func (c *Collector) nameContainers(nss []model.Namespace) {}
