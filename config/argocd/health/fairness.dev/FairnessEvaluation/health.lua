-- Argo CD health of a FairnessEvaluation. A bias finding (BiasDetected) is
-- not a health failure: the evaluation is working as intended.
local hs = {status = "Progressing", message = "Waiting for the first run"}
if obj.status == nil then
  return hs
end
local conditions = {}
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    conditions[c.type] = c
  end
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil
    and obj.status.observedGeneration < obj.metadata.generation then
  hs.message = "Waiting for the controller to observe the new spec"
  return hs
end
if conditions.Stalled ~= nil and conditions.Stalled.status == "True" then
  return {status = "Degraded", message = conditions.Stalled.message}
end
if conditions.Reconciling ~= nil and conditions.Reconciling.status == "True" then
  return {status = "Progressing", message = conditions.Reconciling.message}
end
local ready = conditions.Ready
if ready == nil then
  return hs
end
if ready.status == "True" then
  local msg = ready.message
  if conditions.BiasDetected ~= nil and conditions.BiasDetected.status == "True" then
    msg = msg .. " (bias detected: " .. conditions.BiasDetected.message .. ")"
  end
  return {status = "Healthy", message = msg}
end
if ready.status == "False" then
  return {status = "Degraded", message = ready.message}
end
return {status = "Progressing", message = ready.message}
