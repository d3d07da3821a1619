-- Rolls back to the retained original (spec.rollbackNow): the writes the clone accepted are synced
-- back first, then the Services select the original again (RolledBack). Cannot be undone.
obj.spec.rollbackNow = true
return obj
