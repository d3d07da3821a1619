-- Approves exactly what the plan previewed: spec.approvedHash = status.preview.hash.
if obj.status == nil or obj.status.preview == nil or obj.status.preview.hash == nil then
  error("the plan has no status.preview.hash to approve yet", 0)
end
obj.spec.approvedHash = obj.status.preview.hash
return obj
