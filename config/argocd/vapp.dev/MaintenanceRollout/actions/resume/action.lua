-- Resumes a suspended rollout (spec.suspend back to false). A rollout paused by its failure policy
-- goes on with acknowledge-failures instead.
obj.spec.suspend = false
return obj
