-- Argo CD health of a BaseImage, from its kstatus conditions: Healthy when Ready (its versions are
-- known, and their storage is kept or released as its policy says), Degraded when Stalled (a
-- source that does not exist, say), Progressing otherwise (a new version settling, a release under
-- way, an error retried). A Reconciling or Stalled condition may be absent: absent counts as False.
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
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end
hs.message = ready.message
if ready.status == "True" then
  hs.status = "Healthy"
else
  hs.status = "Progressing"
end
return hs
