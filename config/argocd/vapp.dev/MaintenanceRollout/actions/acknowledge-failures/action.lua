-- Acknowledges every failure counted so far: spec.acknowledgedFailures (which may only grow) is
-- raised to status.failures.count, so that they no longer count against spec.failurePolicy and a
-- rollout the policy paused goes on. Look at status.needsAttention first.
local count = 0
if obj.status ~= nil and obj.status.failures ~= nil and obj.status.failures.count ~= nil then
  count = obj.status.failures.count
end
local acknowledged = obj.spec.acknowledgedFailures or 0
if count <= acknowledged then
  error("the rollout has no unacknowledged failure (status.failures.count " .. tostring(count)
    .. ", spec.acknowledgedFailures " .. tostring(acknowledged) .. ")", 0)
end
obj.spec.acknowledgedFailures = count
return obj
