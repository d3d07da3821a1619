-- Suspends the rollout (spec.suspend): it makes no new plan and gives no cut-over slot; plans that
-- are cutting over finish. resume sets it back to false.
obj.spec.suspend = true
return obj
