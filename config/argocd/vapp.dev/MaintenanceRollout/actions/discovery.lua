-- The Argo CD actions of a MaintenanceRollout (all desired state in its spec), each enabled only
-- where it changes something:
--   suspend               spec.suspend: no new plan, no cut-over slot; resume sets it back
--   abort                 spec.abort: no new plan, the plans that have not cut over are aborted
--   acknowledge-failures  spec.acknowledgedFailures raised to status.failures.count: the failures
--                         a person looked at no longer count, and a rollout they paused goes on
-- Nothing is enabled once the rollout is aborted (it cannot be undone), nor once it is Completed
-- with a pinned target; one that follows a BaseImage's latest starts again at the next latest, so
-- suspend and abort stay enabled then.
local actions = {}
local spec = obj.spec or {}
local status = obj.status or {}
local phase = status.phase or "Pending"

local target = spec.target or {}
local followsLatest = target.baseImage ~= nil and target.baseImage.version == nil
local aborted = phase == "Aborted" or spec.abort == true
local done = aborted or (phase == "Completed" and not followsLatest)
local failures = status.failures ~= nil and status.failures.count or 0
local acknowledged = spec.acknowledgedFailures or 0

actions["suspend"] = {
  ["disabled"] = done or spec.suspend == true,
  ["displayName"] = "Suspend: no new plan, no cut-over slot",
  ["iconClass"] = "fa fa-fw fa-pause-circle",
}
actions["resume"] = {
  ["disabled"] = aborted or spec.suspend ~= true,
  ["displayName"] = "Resume",
  ["iconClass"] = "fa fa-fw fa-play-circle",
}
actions["abort"] = {
  ["disabled"] = done,
  ["displayName"] = "Abort: abort the plans that have not cut over",
  ["iconClass"] = "fa fa-fw fa-times-circle",
}
actions["acknowledge-failures"] = {
  ["disabled"] = aborted or failures <= acknowledged,
  ["displayName"] = "Acknowledge the failures and go on",
  ["iconClass"] = "fa fa-fw fa-check-square",
}
return actions
