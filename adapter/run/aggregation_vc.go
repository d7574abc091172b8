package run

import (
	"github.com/dvspec/go-dvspec/impl/node"
	"github.com/dvspec/go-dvspec/impl/validatorapi"
)

// The validator API serves the aggregation flows of a VC-middleware node
// (node.Config.Aggregation): checked here, where both are wired.
var _ node.AggregationVC = (*validatorapi.Server)(nil)
