-- Argo CD health of a MaintenancePlan, from status.phase and the Ready condition.
--   Healthy: Succeeded. Degraded: Failed, RolledBack, or input the operator refuses (Stalled).
--   Suspended: waiting for a person, the clock or the plan's rollout (AwaitingApproval,
--   WaitingForWindow, WaitingForCutOverSlot, suspended at a safe point), and Aborted (the user's choice: the original serves, nothing is left to do).
--   Progressing: every other phase, a cleanup under way, a suspend not reached yet.
-- A Reconciling or Stalled condition may be absent (Flux's convention): absent counts as False.
local hs = {}
local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to plan"
  return hs
end
local phase = status.phase
local ready = nil
local stalled = nil
if status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    if c.type == "Ready" then
      ready = c
    elseif c.type == "Stalled" and c.status == "True" then
      stalled = c
    end
  end
end
local function say(text)
  if text ~= nil and text ~= "" then
    return phase .. ": " .. text
  end
  return phase
end
hs.message = say(ready and ready.message)

if status.observedGeneration ~= nil and obj.metadata.generation ~= nil and status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = say("waiting for the operator to observe the latest spec")
  return hs
end
if phase == "Succeeded" then
  hs.status = "Healthy"
elseif phase == "Failed" or phase == "RolledBack" then
  hs.status = "Degraded"
elseif phase == "Aborted" then
  hs.status = "Suspended"
elseif stalled ~= nil then
  hs.status = "Degraded"
  hs.message = say(stalled.message)
elseif ready ~= nil and ready.reason == "Suspended" then
  hs.status = "Suspended"
elseif (phase == "AwaitingApproval" or phase == "WaitingForWindow" or phase == "WaitingForCutOverSlot")
  and (ready == nil or ready.reason == phase) then
  hs.status = "Suspended"
elseif obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Progressing"
  hs.message = say("suspend requested: the plan pauses at its next safe point")
else
  hs.status = "Progressing"
end
return hs
