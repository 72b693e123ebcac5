package render

import "github.com/conntab/conntab/cli"

// ListingFor is how conntab list's flags ask for the sockets to be
// written. Flags that ask for two outputs at once, and column names that
// are not, are usage errors.
func ListingFor(o *cli.ListOptions) (ListingOptions, error) {
	l := ListingOptions{
		NoHeader: o.NoHeader,
		Columns:  ColumnSet{Extended: o.Extended, Timers: o.Timers, Processes: o.Processes, Flags: o.Flagged, Namespace: o.SeveralNetNS()},
	}
	if err := o.Conflicts(); err != nil {
		return l, err
	}
	var err error
	if o.Columns != "" {
		if l.Names, err = ParseColumns(o.Columns); err != nil {
			return l, &cli.UsageError{Msg: "flag --columns: " + err.Error(), Err: err}
		}
	}
	if o.Sort != "" {
		if l.Sort, err = ParseSort(o.Sort); err != nil {
			return l, &cli.UsageError{Msg: "flag --sort: " + err.Error(), Err: err}
		}
	}
	switch {
	case o.Summary && o.JSON:
		l.Format = ListingSummaryJSON
	case o.Summary:
		l.Format = ListingSummary
	case o.JSON:
		l.Format = ListingJSON
	case o.CSV:
		l.Format = ListingCSV
	}
	return l, nil
}
