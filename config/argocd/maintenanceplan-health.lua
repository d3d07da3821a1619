-- Argo CD health of a MaintenancePlan. Awaiting approval, waiting for the window and a suspended
-- plan are Suspended (healthy, waiting for a person or the clock), not Degraded.
local hs = {}
if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to plan"
  return hs
end
local phase = obj.status.phase
local message = phase
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" and c.message ~= nil and c.message ~= "" then
      message = phase .. ": " .. c.message
    end
  end
end
hs.message = message
if phase == "Succeeded" then
  hs.status = "Healthy"
elseif phase == "Failed" or phase == "RolledBack" then
  hs.status = "Degraded"
elseif phase == "Aborted" then
  hs.status = "Suspended"
elseif phase == "AwaitingApproval" or phase == "WaitingForWindow" or (obj.spec ~= nil and obj.spec.suspend == true) then
  hs.status = "Suspended"
else
  hs.status = "Progressing"
end
return hs
