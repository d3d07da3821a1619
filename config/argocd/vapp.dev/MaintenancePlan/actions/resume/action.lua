-- Lets a suspended plan go on where it stopped.
obj.spec.suspend = false
return obj
