-- Gives the maintenance up before the cut-over: the operator removes the clone and the original
-- keeps serving (Aborted). Cannot be undone.
obj.spec.abort = true
return obj
