-- The Argo CD actions of a MaintenancePlan, each enabled only in the phases where the operator
-- honours it (elsewhere it would only earn a Warning Event saying why not):
--   approve   AwaitingApproval, until spec.approvedHash equals status.preview.hash
--   suspend   before the cut-over, at a safe point; resume once suspended
--   abort     before the cut-over (the clone is removed, the original keeps serving)
--   rollback  once the Services moved to the clone: while Observing, and after the plan ended
--             for as long as the original is retained (its Release step not done)
-- A cleanup under way (status.cleanup, or a Running Cleanup step as older operators record it)
-- disables everything but resume.
local actions = {}
local spec = obj.spec or {}
local status = obj.status or {}
local phase = status.phase or "Pending"

local function step(name)
  if status.steps == nil then
    return nil
  end
  for _, s in ipairs(status.steps) do
    if s.name == name then
      return s
    end
  end
  return nil
end
local cleanupStep = step("Cleanup")
local cleaning = status.cleanup ~= nil or (cleanupStep ~= nil and cleanupStep.state == "Running")
local terminal = phase == "Succeeded" or phase == "Failed" or phase == "Aborted" or phase == "RolledBack"
local beforeCutOver = phase == "Pending" or phase == "Planning" or phase == "AwaitingApproval" or phase == "Snapshotting"
  or phase == "Cloning" or phase == "Updating" or phase == "Verifying" or phase == "Syncing" or phase == "WaitingForWindow"
  or phase == "WaitingForCutOverSlot"
local hash = status.preview ~= nil and status.preview.hash or nil

local canApprove = phase == "AwaitingApproval" and hash ~= nil and spec.approvedHash ~= hash
  and spec.abort ~= true and not cleaning
local canStop = beforeCutOver and spec.abort ~= true and not cleaning

local release = step("Release")
local released = release ~= nil and (release.state == "Succeeded" or release.state == "Skipped")
local cutOver = status.cutOver ~= nil and status.cutOver.servicesSwitchedAt ~= nil
local canRollback = cutOver and status.rollback == nil and spec.rollbackNow ~= true and not cleaning
  and (phase == "Observing" or ((phase == "Succeeded" or phase == "Failed") and not released))

actions["approve"] = {
  ["disabled"] = not canApprove,
  ["displayName"] = "Approve the previewed updates",
  ["iconClass"] = "fa fa-fw fa-check",
}
actions["suspend"] = {
  ["disabled"] = not canStop or spec.suspend == true,
  ["displayName"] = "Suspend at the next safe point",
  ["iconClass"] = "fa fa-fw fa-pause-circle",
}
actions["resume"] = {
  ["disabled"] = terminal or spec.suspend ~= true,
  ["displayName"] = "Resume",
  ["iconClass"] = "fa fa-fw fa-play-circle",
}
actions["abort"] = {
  ["disabled"] = not canStop,
  ["displayName"] = "Abort: remove the clone, keep the original serving",
  ["iconClass"] = "fa fa-fw fa-times-circle",
}
actions["rollback"] = {
  ["disabled"] = not canRollback,
  ["displayName"] = "Roll back to the retained original",
  ["iconClass"] = "fa fa-fw fa-undo",
}
return actions
