# Tests of meter-gateway/sim.
