-- Argo CD health of a MaintenanceRollout, from status.phase and its kstatus conditions.
--   Healthy: Completed. Degraded: input the operator refuses (Stalled).
--   Suspended: waiting for a person (AwaitingApproval, Paused on failures until acknowledged,
--   suspended) and Aborted (the user's choice). Paused is not Degraded: the rollout stopped on
--   purpose and the failed plans say why; the plans that failed are Degraded themselves.
--   Progressing: plans in flight, soaking, waiting for a window.
-- A Reconciling or Stalled condition may be absent (Flux's convention): absent counts as False.
local hs = {}
local status = obj.status
if status == nil or status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report"
  return hs
end
if status.observedGeneration ~= nil and obj.metadata.generation ~= nil and status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe the latest spec"
  return hs
end
local ready = nil
for _, c in ipairs(status.conditions) do
  if c.type == "Stalled" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.message
    return hs
  end
  if c.type == "Ready" then
    ready = c
  end
end
local phase = status.phase
local message = ready ~= nil and ready.message or status.progress
if phase == nil then
  hs.status = "Progressing"
  hs.message = message or "Waiting for the operator to report"
  return hs
end
hs.message = phase .. ": " .. (message or "")
if phase == "Completed" and ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
elseif phase == "Paused" or phase == "Suspended" or phase == "AwaitingApproval" or phase == "Aborted" then
  hs.status = "Suspended"
else
  hs.status = "Progressing"
end
return hs
