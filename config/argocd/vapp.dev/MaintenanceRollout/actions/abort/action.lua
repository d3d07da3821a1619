-- Gives the rollout up (spec.abort): no new plan, and the plans that have not cut over are aborted
-- (their originals keep serving); finished plans stay as they are. Cannot be undone.
obj.spec.abort = true
return obj
