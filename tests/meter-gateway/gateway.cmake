# Tests of meter-gateway/gateway.
