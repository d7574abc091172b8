package spectests

import "github.com/dvspec/go-dvspec/spec/names"

// NamedError ties a result name used in the vectors to the Go spec's error
// sentinel (spec/names.Error, where the table lives).
type NamedError = names.Error

// ErrorTable is spec/names.Errors: every named result of the vectors,
// outermost wrapper first. It is one table for the vectors, this harness,
// vectorgen, trace records and the node's logs; vectors/README.md prints
// it.
var ErrorTable = names.Errors

// SpecErrorNames returns the names of ErrorTable whose sentinel err wraps,
// in table order (outermost first). It is how the Go spec's errors are
// named in the vectors.
func SpecErrorNames(err error) []string { return names.ErrorNames(err) }
