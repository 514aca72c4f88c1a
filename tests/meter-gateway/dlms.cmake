# Tests of meter-gateway/dlms.
