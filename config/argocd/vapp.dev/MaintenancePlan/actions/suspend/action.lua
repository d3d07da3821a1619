-- Pauses the plan at its next safe point (spec.suspend); resume sets it back to false.
obj.spec.suspend = true
return obj
